//! Project automation: `cargo xtask generate [--check]`, `test`, `bench`, `dist`, `docs` and `install`.

mod bench;
mod c;
mod cli;
mod crates;
mod creplay;
mod ctest;
mod dist;
mod docs;
mod generate;
mod install;
mod lean;
mod lint;
mod model;
mod names;
mod output;
mod placement;
mod pytest;
mod python;
mod rust;
mod sandbox;
mod server;
mod test;
#[cfg(test)]
mod tests;
mod venv;
mod webhooks;
mod wheel;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask <generate [--check] | lint | test [python | c] | bench | dist | docs | install>

  generate          regenerate every file derived from spec/*.yaml
  generate --check  fail (and show a diff) when a committed generated file has drifted
  lint              lint spec/*.yaml (openapi-spec-validator, and redocly where Node.js >= 20 is installed)
  test              install what is missing, then run every check and test
  test python | c   only the Python package's or the C library's tests (while working on them)
  dist              every artifact into target/dist/ (wheels, crates, C tarball, docs, SHA256SUMS),
                    built with the `shipped` profile and each checked (a long build)
  docs              render the documentation into target/docs/ and check its links (needs the
                    Python package installed in target/venv: `cargo xtask test python` does it)
  install --prefix DIR [--profile P]
                    build the C library (cargo profile P, default release) and install it under
                    DIR: include/, lib/ (.so with its soname, .a, pkgconfig/, cmake/), share/
  bench --smoke     what `test` runs of it: debug builds, one short round, nothing written
  bench             every front-end against a bare client (release builds, a few minutes); writes
                    BENCHMARKS.md, docs/benchmarks.svg and the README's table";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate::run(false),
        ["generate", "--check"] => generate::run(true),
        ["lint"] => lint::run(),
        ["bench"] => bench::run(),
        ["bench", "--smoke"] => bench::smoke(),
        ["test"] => test::run(),
        ["test", "python"] => test::only_python(),
        ["test", "c"] => test::only_c(),
        ["install", rest @ ..] => install::run(rest),
        ["dist"] => dist::run(),
        ["docs"] => docs::build(&target_dir().join("docs")),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root().join("target"), |dir| root().join(dir))
}

/// Result of an xtask step: an error is a message for the user.
pub type Result<T = ()> = std::result::Result<T, String>;

/// Runs a command that must succeed (in the workspace root unless it has a directory of its own).
pub fn succeed(command: &mut std::process::Command, what: &str) -> Result {
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    let status = command.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
}
