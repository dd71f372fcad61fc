//! `cargo xtask lint`: lints the specs with Redocly CLI, pinned and installed under `target/`.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root};

/// The pinned Redocly CLI version.
const REDOCLY: &str = "@redocly/cli@2.77.0";

/// Installs Redocly CLI when missing and lints both spec files with `redocly.yaml`.
pub fn run() -> Result {
    let bin = install()?;
    let status = Command::new(&bin)
        .current_dir(root())
        .args(["lint", "--format", "stylish", "spec/botcake.yaml", "spec/pancake.yaml"])
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .status()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !status.success() {
        return Err("the spec lint failed".into());
    }
    Ok(())
}

fn install() -> Result<PathBuf> {
    let prefix = root().join("target/tools/redocly");
    let bin = prefix.join("node_modules/.bin/redocly");
    let stamp = prefix.join("installed-version");
    if bin.exists() && std::fs::read_to_string(&stamp).is_ok_and(|v| v == REDOCLY) {
        return Ok(bin);
    }
    println!("installing {REDOCLY} into {}", prefix.display());
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    let status = Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .args(["--no-audit", "--no-fund", "--loglevel=error", REDOCLY])
        .status()
        .map_err(|e| format!("npm (needed for the spec lint): {e}"))?;
    if !status.success() {
        return Err(format!("npm install {REDOCLY} failed"));
    }
    std::fs::write(&stamp, REDOCLY).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(bin)
}
