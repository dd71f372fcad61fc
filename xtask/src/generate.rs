//! `cargo xtask generate`: every file derived from the specs, through the operation model
//! ([`crate::model`]): the Rust client, the Python and C glue, the C header and the CLI's table.

use std::fs;

use crate::output::Generated;
use crate::{Result, root};

/// Regenerates every derived file, or with `check` compares them with what is committed.
pub fn run(check: bool) -> Result {
    let files = all()?;
    let mut drifted = Vec::new();
    for file in &files {
        let path = root().join(&file.path);
        let current = fs::read_to_string(&path).unwrap_or_default();
        if current == file.text {
            continue;
        }
        if check {
            print_diff(&file.path, &current, &file.text);
            drifted.push(file.path.display().to_string());
        } else {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            fs::write(&path, &file.text).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", file.path.display());
        }
    }
    if !drifted.is_empty() {
        return Err(format!(
            "generated files differ from the spec: {}\nrun `cargo xtask generate` and commit the result",
            drifted.join(", ")
        ));
    }
    if check {
        println!("generated files are up to date ({} files)", files.len());
    }
    Ok(())
}

/// Every file derived from the project's specs, and the Rust client of the test fixture's API
/// (compiled into the SDK's tests, `crates/pancake-sdk/src/shop/`).
pub fn all() -> Result<Vec<Generated>> {
    let mut all = files(&crate::model::load_all()?)?;
    let fixture = crate::model::fixture()?;
    crate::names::check(&fixture)?;
    all.extend(crate::rust::files(&fixture)?);
    Ok(all)
}

/// Every file derived from these specs.
pub fn files(specs: &[crate::model::Spec]) -> Result<Vec<Generated>> {
    for spec in specs {
        crate::names::check(spec)?;
    }
    let mut files = Vec::new();
    for spec in specs {
        files.extend(crate::rust::files(spec)?);
    }
    files.push(crate::rust::registry(specs)?);
    files.extend(crate::python::files(specs)?);
    files.extend(crate::c::files(specs)?);
    files.extend(crate::cli::files(specs)?);
    files.extend(crate::webhooks::files(specs)?);
    files.extend(crate::sandbox::files(specs)?);
    Ok(files)
}

fn print_diff(path: &std::path::Path, current: &str, wanted: &str) {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(current, wanted);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (committed)"), &format!("{name} (from the spec)"))
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let shown = 200;
    for line in lines.iter().take(shown) {
        eprintln!("{line}");
    }
    if lines.len() > shown {
        eprintln!("... ({} more diff lines)", lines.len() - shown);
    }
}
