//! The Python package's checks: build the manylinux2014 wheel (debug) with maturin and zig,
//! install it into a fresh venv of every Python 3.9-3.13 on the machine for a few calls, then
//! pytest against the sandbox, `mypy --strict`, and stubtest of the native module.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root, succeed, target_dir, venv};

/// Pinned tools of the Python checks.
pub const TOOLS: [&str; 3] = [crate::wheel::MATURIN, "pytest==9.2.0", "mypy==2.4.1"];

/// Builds and installs the wheel, then runs the Python tests and type checks.
pub fn run() -> Result {
    venv::ensure(&TOOLS)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    succeed(
        Command::new(cargo).args(["build", "--quiet", "-p", "pancake-sandbox"]),
        "cargo build -p pancake-sandbox",
    )?;

    let wheel = install_wheel(false)?;

    let sandbox = target_dir().join("debug/pancake-sandbox");
    crate::wheel::check_every_python(&wheel, &sandbox)?;
    succeed(
        Command::new(venv::bin("python"))
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/python"])
            .env("PANCAKE_SANDBOX_BIN", &sandbox),
        "pytest",
    )?;
    succeed(
        Command::new(venv::bin("python")).args([
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "tests/python/typing_usage.py",
        ]),
        "mypy --strict (usage)",
    )?;
    succeed(
        Command::new(venv::bin("python"))
            .args(["-m", "mypy", "--strict", "--no-incremental", "-p", "pancake_sdk"])
            .current_dir(root().join("bindings/python/python")),
        "mypy --strict (package)",
    )?;
    succeed(
        Command::new(venv::bin("python")).args(["-m", "mypy.stubtest", "pancake_sdk._native"]),
        "stubtest",
    )
}

/// Builds the wheel and installs it into the venv in place of any other: the shipped kind
/// (manylinux2014, checked) as a debug build, or, when `release`, a release build for this
/// machine's own glibc (the benchmarks', which share the release build of the other runners).
pub fn install_wheel(release: bool) -> Result<PathBuf> {
    let wheel = if release {
        let wheels = target_dir().join("wheels-release");
        let _ = std::fs::remove_dir_all(&wheels);
        let mut build = Command::new(venv::bin("maturin"));
        build.args([
            "build",
            "--quiet",
            "--release",
            "--manifest-path",
            "bindings/python/Cargo.toml",
            "--out",
        ]);
        build.arg(&wheels).arg("--interpreter").arg(venv::bin("python"));
        succeed(&mut build, "maturin build")?;
        crate::wheel::find_in(&wheels)?
    } else {
        crate::wheel::tested()?
    };
    venv::install_wheel(&wheel)?;
    Ok(wheel)
}
