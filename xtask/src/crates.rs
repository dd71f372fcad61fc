//! The published crates: `cargo publish --dry-run` of the three (each packaged, then built from
//! its package alone, as crates.io would), and for `dist` their `.crate` files and a
//! `cargo install` of the CLI from them. Both package the working tree as it is
//! (`--allow-dirty`): the checks run while a change is being made, and `dist` packages the
//! sources it builds everything else from.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, succeed, target_dir};

/// The crates that go to crates.io, in the order they depend on each other.
pub const PUBLISHED: [&str; 3] = ["pancake-sdk", "pancake-sandbox", "pancake-cli"];

/// The workspace's dev profile, which a packaged crate does not carry: without it, building
/// the packages would build every dependency again with full debug info.
const DEV_PROFILE: [&str; 4] = [
    "--config",
    "profile.dev.debug=\"line-tables-only\"",
    "--config",
    "profile.dev.package.\"*\".debug=false",
];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn packages(command: &mut Command) -> &mut Command {
    for name in PUBLISHED {
        command.args(["-p", name]);
    }
    command
}

/// `cargo publish --dry-run` of the three crates: packaged, then each built from its package.
pub fn dry_run() -> Result {
    succeed(
        packages(cargo().args(["publish", "--dry-run", "--quiet", "--allow-dirty"]).args(DEV_PROFILE)),
        "cargo publish --dry-run",
    )
}

/// Packages the three crates (each built from its package) and copies the `.crate` files into
/// `out`; then installs the CLI from the packages (into `target/dist-cli`) and runs it against
/// its embedded sandbox. Returns the `.crate` files.
pub fn package(out: &Path) -> Result<Vec<PathBuf>> {
    succeed(
        packages(cargo().args(["package", "--quiet", "--allow-dirty"]).args(DEV_PROFILE)),
        "cargo package",
    )?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let version = crate::install::VERSION;
    let mut files = Vec::new();
    for name in PUBLISHED {
        let file = format!("{name}-{version}.crate");
        let from = target_dir().join("package").join(&file);
        let to = out.join(&file);
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
        files.push(to);
    }
    install_cli(version, &target_dir().join("dist-cli"))?;
    Ok(files)
}

/// `cargo install pancake-cli` from its package, with the SDK and the sandbox from theirs (as
/// crates.io would resolve them), then a call against the embedded sandbox.
fn install_cli(version: &str, root: &Path) -> Result {
    let unpacked = |name: &str| target_dir().join("package").join(format!("{name}-{version}"));
    let patch = |name: &str| format!("patch.crates-io.{name}.path=\"{}\"", unpacked(name).display());
    succeed(
        cargo()
            .args(["install", "--quiet", "--locked", "--debug", "--force", "--path"])
            .arg(unpacked("pancake-cli"))
            .arg("--root")
            .arg(root)
            .arg("--target-dir")
            .arg(target_dir())
            .args(DEV_PROFILE)
            .args(["--config", &patch("pancake-sdk"), "--config", &patch("pancake-sandbox")]),
        "cargo install pancake-cli (from its package)",
    )?;
    let output = Command::new(root.join("bin/pancake"))
        .args(["--sandbox", "pancake", "list-pages"])
        .output()
        .map_err(|e| format!("the installed pancake: {e}"))?;
    if !output.status.success() || !String::from_utf8_lossy(&output.stdout).contains("105000000000001") {
        return Err(format!(
            "the installed pancake did not list the sandbox's pages: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    println!("cargo install pancake-cli from its package: `pancake --sandbox pancake list-pages` works");
    Ok(())
}
