//! `cargo xtask dist`: every artifact, built with the `shipped` cargo profile (release, LTO, one
//! codegen unit, stripped), into `target/dist/` with a `SHA256SUMS` file:
//!
//! - the wheels: manylinux2014 x86_64 and aarch64, musllinux_1_2 x86_64 (abi3, Python 3.9+);
//! - the crate packages of `pancake-sdk`, `pancake-sandbox` and `pancake-cli`;
//! - the C library's tarball (the install layout of `cargo xtask install`);
//! - the rendered documentation, as a folder and as a tarball.
//!
//! Each is checked as it is made: the wheels' tags, architecture and glibc versions, and the
//! x86_64 one on every Python 3.9-3.13 of the machine; the CLI installed from its package; the C
//! example built against the unpacked tarball with pkg-config and CMake; the documentation's
//! links.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::server::Server;
use crate::wheel::{DIST, MANYLINUX};
use crate::{Result, succeed, target_dir};

/// The cargo profile of the shipped artifacts.
const PROFILE: &str = "shipped";

/// Builds and checks every artifact.
pub fn run() -> Result {
    let dist = target_dir().join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let version = crate::install::VERSION;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    succeed(
        Command::new(&cargo).args(["build", "--quiet", "-p", "pancake-sandbox"]),
        "cargo build -p pancake-sandbox",
    )?;
    let sandbox_binary = target_dir().join("debug/pancake-sandbox");

    for platform in DIST {
        add_rust_target(platform.target)?;
        let built = crate::wheel::build(platform, PROFILE, &target_dir().join("dist-wheel"))?;
        let wheel = dist.join(built.file_name().ok_or("a wheel without a name")?);
        std::fs::rename(&built, &wheel).map_err(|e| format!("{}: {e}", wheel.display()))?;
        if platform.compatibility == "manylinux2014" {
            crate::wheel::check_manylinux(&wheel)?;
        } else if !wheel.to_string_lossy().contains(platform.compatibility) {
            return Err(format!("{}: not tagged {}", wheel.display(), platform.compatibility));
        }
        if platform.target == MANYLINUX.target {
            crate::wheel::check_every_python(&wheel, &sandbox_binary)?;
            // The documentation renders the Python API from this wheel.
            crate::venv::install_wheel(&wheel)?;
        }
    }

    crate::crates::package(&dist)?;

    let built = crate::install::build(PROFILE)?;
    let name = format!("pancake-sdk-c-{version}-x86_64-linux-gnu");
    let stage = target_dir().join("dist-stage");
    let _ = std::fs::remove_dir_all(&stage);
    crate::install::layout(&built, &stage.join(&name))?;
    let tarball = dist.join(format!("{name}.tar.gz"));
    tar(&stage, &name, &tarball)?;
    // The tarball as a user gets it: unpacked elsewhere, then built against.
    let unpacked = crate::install::scratch("tarball")?;
    succeed(
        Command::new("tar").arg("-xzf").arg(&tarball).arg("-C").arg(&unpacked),
        "tar -x (the C tarball)",
    )?;
    let sandbox = Server::start(
        "the sandbox",
        Command::new(&sandbox_binary).args(["--port", "0", "--epoch", "1759276800"]),
    )?;
    crate::install::check_prefix(&unpacked.join(&name), &sandbox.url)?;
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&unpacked);

    let docs = dist.join("docs");
    crate::docs::build(&docs)?;
    let docs_name = format!("pancake-sdk-docs-{version}");
    let _ = std::fs::remove_dir_all(stage.join(&docs_name));
    std::fs::rename(&docs, stage.join(&docs_name)).map_err(|e| format!("{}: {e}", docs.display()))?;
    tar(&stage, &docs_name, &dist.join(format!("{docs_name}.tar.gz")))?;
    std::fs::rename(stage.join(&docs_name), &docs).map_err(|e| format!("{}: {e}", docs.display()))?;

    checksums(&dist)?;
    println!("\ntarget/dist:");
    for (file, bytes) in files(&dist)? {
        println!("  {:>9.1} MiB  {file}", bytes as f64 / 1_048_576.0);
    }
    Ok(())
}

/// `rustup target add` for a target other than the host's, once.
fn add_rust_target(target: &str) -> Result {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if installed.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|line| line == target)) {
        return Ok(());
    }
    succeed(Command::new("rustup").args(["target", "add", target]), &format!("rustup target add {target}"))
}

/// `tar czf out -C dir name`.
fn tar(dir: &Path, name: &str, out: &Path) -> Result {
    succeed(
        Command::new("tar").args(["--owner=0", "--group=0", "-czf"]).arg(out).arg("-C").arg(dir).arg(name),
        &format!("tar {name}"),
    )
}

/// The files directly in `dir` with their sizes, by name.
fn files(dir: &Path) -> Result<Vec<(String, u64)>> {
    let mut found: Vec<(String, u64)> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .map(|entry| {
            (entry.file_name().to_string_lossy().into_owned(), entry.metadata().map_or(0, |m| m.len()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// `SHA256SUMS` of every file in `dir`, in the format `sha256sum -c` reads.
fn checksums(dir: &Path) -> Result {
    let names: Vec<PathBuf> = files(dir)?
        .into_iter()
        .filter(|(name, _)| name != "SHA256SUMS")
        .map(|(name, _)| name.into())
        .collect();
    let output = Command::new("sha256sum")
        .args(&names)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("sha256sum: {e}"))?;
    if !output.status.success() {
        return Err("sha256sum failed".into());
    }
    std::fs::write(dir.join("SHA256SUMS"), &output.stdout).map_err(|e| format!("SHA256SUMS: {e}"))
}
