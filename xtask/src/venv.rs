//! The Python virtual environment under `target/venv`, for the tools and tests that need pip
//! packages. Created with the machine's `python3` on first use.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root};

/// The venv's directory.
pub fn dir() -> PathBuf {
    root().join("target/venv")
}

/// A program installed in the venv.
pub fn bin(name: &str) -> PathBuf {
    dir().join("bin").join(name)
}

/// Creates the venv when missing and installs `requirements` (pinned `name==version` lines)
/// unless the same set is already installed.
pub fn ensure(requirements: &[&str]) -> Result {
    let python = bin("python");
    if !python.exists() {
        println!("creating {}", dir().display());
        let python3 = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(&python3).args(["-m", "venv"]).arg(dir()),
            "python3 -m venv (needs Python 3 with venv)",
        )?;
    }
    // The pins installed so far, one a line; only new ones go to pip.
    let stamp = dir().join("xtask-requirements.txt");
    let installed = std::fs::read_to_string(&stamp).unwrap_or_default();
    let missing: Vec<&str> =
        requirements.iter().copied().filter(|r| !installed.lines().any(|line| line == *r)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing into the venv: {}", missing.join(" "));
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(&missing),
        "pip install",
    )?;
    let mut lines: Vec<&str> = installed.lines().collect();
    lines.extend(missing);
    std::fs::write(&stamp, lines.join("\n")).map_err(|e| format!("{}: {e}", stamp.display()))
}

/// Installs a wheel into the venv in place of any other version of it.
pub fn install_wheel(wheel: &std::path::Path) -> Result {
    run(
        Command::new(bin("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--force-reinstall",
                "--no-deps",
            ])
            .arg(wheel),
        "pip install the wheel",
    )
}

fn run(command: &mut Command, what: &str) -> Result {
    let status = command.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
}
