//! `cargo xtask test`: every check and every test, in the order that fails fastest.

use std::process::Command;
use std::time::Instant;

use crate::{Result, bench, crates, ctest, docs, generate, lint, pytest, succeed};

/// Runs formatting, the drift check, the spec lint, clippy and every test.
pub fn run() -> Result {
    let started = Instant::now();
    step("rustfmt", || cargo(&["fmt", "--all", "--check"]))?;
    step("generated files (cargo xtask generate --check)", || generate::run(true))?;
    step("spec lint", lint::run)?;
    step("clippy", || cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    step("rust tests", || cargo(&["test", "--workspace"]))?;
    step("python package (maturin, pytest, mypy --strict, stubtest)", pytest::run)?;
    step("C library (gcc -Werror, valgrind, C++ header, example)", ctest::run)?;
    step("bench (builds, one short round of every comparison)", bench::smoke)?;
    step("docs (API reference, rustdoc, Python API; every link checked)", || {
        docs::build(&crate::target_dir().join("docs"))
    })?;
    // Last: building the packages replaces target/debug's binaries with builds of the packages.
    step("crates (cargo publish --dry-run of the three crates)", crates::dry_run)?;
    println!("\nxtask test: every step passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Only the Python package's tests.
pub fn only_python() -> Result {
    step("python package (maturin, pytest, mypy --strict, stubtest)", pytest::run)
}

/// Only the C library's tests.
pub fn only_c() -> Result {
    step("C library (gcc -Werror, valgrind, C++ header, example)", ctest::run)
}

fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    println!("\n==> {name}");
    let started = Instant::now();
    f().map_err(|e| format!("{name}: {e}"))?;
    println!("<== {name}: ok ({:.1?})", started.elapsed());
    Ok(())
}

fn cargo(args: &[&str]) -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    succeed(Command::new(cargo).args(args), &format!("`cargo {}`", args.join(" ")))
}
