//! `cargo xtask lint`: lints the specs with openapi-spec-validator (pinned, in the venv under
//! `target/`), and with Redocly CLI (pinned, under `target/tools/`) where Node.js >= 20 is
//! installed. Examples are also checked against their schemas by the sandbox's Rust tests.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root, succeed, venv};

/// The pinned openapi-spec-validator.
const SPEC_VALIDATOR: &str = "openapi-spec-validator==0.7.2";
/// The pinned Redocly CLI.
const REDOCLY: &str = "@redocly/cli@2.77.0";
/// The spec files.
pub const SPECS: [&str; 2] = ["spec/botcake.yaml", "spec/pancake.yaml"];

/// Lints both spec files; fails on any error.
pub fn run() -> Result {
    venv::ensure(&[SPEC_VALIDATOR])?;
    let validator = venv::bin("openapi-spec-validator");
    succeed(Command::new(&validator).args(SPECS), "openapi-spec-validator")?;
    match redocly()? {
        Some(redocly) => succeed(
            Command::new(&redocly)
                .args(["lint", "--format", "stylish", "--config", "redocly.yaml"])
                .args(SPECS)
                .env("REDOCLY_TELEMETRY", "off")
                .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
            "redocly lint",
        ),
        None => {
            let found = node_major().map_or("no node".to_string(), |m| format!("Node.js {m}"));
            println!("redocly lint skipped: it needs Node.js >= 20 and npm ({found} here)");
            Ok(())
        }
    }
}

/// The pinned Redocly CLI (installed on first use), or `None` without Node.js >= 20.
pub fn redocly() -> Result<Option<PathBuf>> {
    match node_major() {
        Some(major) if major >= 20 => install_redocly().map(Some),
        _ => Ok(None),
    }
}

fn node_major() -> Option<u32> {
    let out = Command::new("node").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().trim_start_matches('v').split('.').next()?.parse().ok()
}

fn install_redocly() -> Result<PathBuf> {
    let prefix = root().join("target/tools/redocly");
    let bin = prefix.join("node_modules/.bin/redocly");
    let stamp = prefix.join("installed-version");
    if bin.exists() && std::fs::read_to_string(&stamp).is_ok_and(|v| v == REDOCLY) {
        return Ok(bin);
    }
    println!("installing {REDOCLY} into {}", prefix.display());
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    succeed(
        Command::new("npm").arg("install").arg("--prefix").arg(&prefix).args([
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            REDOCLY,
        ]),
        "npm install",
    )?;
    std::fs::write(&stamp, REDOCLY).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(bin)
}
