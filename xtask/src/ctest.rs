//! The C library's checks: the tests compiled by gcc with the strictest flags and linked to the
//! built library, run against a sandbox, then again under valgrind (or AddressSanitizer where
//! valgrind is missing); the header compiled as C++; the library's exports against the C ABI
//! symbol list; the example built with its Makefile and pkg-config, and run; then built again
//! against an installed prefix, outside the repository, with pkg-config and CMake.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::server::Server;
use crate::{Result, root, succeed, target_dir};

const STRICT: [&str; 6] = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wredundant-decls"];

/// Compiles the C program `source` into `out` with the strict flags (and `extra`), against the
/// header and linked to the library in `lib` (found there at run time too).
pub fn gcc(source: &Path, out: &Path, lib: &Path, extra: &[&str]) -> Result {
    succeed(
        Command::new("gcc")
            .args(STRICT)
            .args(extra)
            .arg("-I")
            .arg(root().join("bindings/c/include"))
            .arg(source)
            .arg("-o")
            .arg(out)
            .arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lpancake_sdk"),
        &format!("gcc {}", source.display()),
    )
}

/// The debug sandbox, with its data pinned to the year from 2025-10-01 (the C tests compare
/// dates).
fn start_sandbox() -> Result<Server> {
    let binary = target_dir().join("debug/pancake-sandbox");
    Server::start("the sandbox", Command::new(binary).args(["--port", "0", "--epoch", "1759276800"]))
}

/// The `pk_` functions the shared library exports (`nm -D`) are exactly the committed C ABI
/// symbol list (`bindings/c/symbols.txt`, generated from the header).
fn exports_match_the_symbol_list(lib: &Path) -> Result {
    let listed = std::fs::read_to_string(root().join(crate::c::SYMBOLS))
        .map_err(|e| format!("{}: {e}", crate::c::SYMBOLS))?;
    let listed: BTreeSet<&str> =
        listed.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect();
    let output = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(lib.join("libpancake_sdk.so"))
        .output()
        .map_err(|e| format!("nm (binutils) is needed for the C ABI check: {e}"))?;
    if !output.status.success() {
        return Err("nm -D libpancake_sdk.so failed".into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let exported: BTreeSet<&str> = text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with("pk_"))
        .collect();
    let missing: Vec<&&str> = listed.difference(&exported).collect();
    let extra: Vec<&&str> = exported.difference(&listed).collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(format!(
            "the library's exports differ from {}: not exported {missing:?}, not listed {extra:?}",
            crate::c::SYMBOLS
        ));
    }
    println!("the library exports the {} functions of {}", listed.len(), crate::c::SYMBOLS);
    Ok(())
}

/// Builds the library and runs the C checks.
pub fn run() -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    succeed(
        Command::new(cargo).args(["build", "--quiet", "-p", "pancake-sdk-c", "-p", "pancake-sandbox"]),
        "cargo build",
    )?;
    let lib = target_dir().join("debug");
    let include = root().join("bindings/c/include");
    let test_binary = lib.join("c_test_sdk");
    let compile = |extra: &[&str], out: &Path| -> Result {
        gcc(Path::new("tests/c/test_sdk.c"), out, &lib, &[extra, &["-pthread"]].concat())
    };
    compile(&[], &test_binary)?;
    succeed(
        Command::new("g++")
            .args([
                "-std=c++17",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-Wredundant-decls",
                "-fsyntax-only",
                "-x",
                "c++",
                "-I",
            ])
            .arg(&include)
            .arg("tests/c/header_as_cpp.cpp"),
        "g++ (the header as C++)",
    )?;

    println!("soname: {}", crate::install::soname(&lib.join("libpancake_sdk.so"))?);
    exports_match_the_symbol_list(&lib)?;

    let sandbox = start_sandbox()?;
    succeed(Command::new(&test_binary).env("PANCAKE_SANDBOX_URL", &sandbox.url), "C tests")?;
    drop(sandbox);

    // Every call of tests/calls.json through its typed C function, compared with the snapshots.
    let replay_source = lib.join("c_replay.c");
    let specs = crate::model::load_all()?;
    std::fs::write(&replay_source, crate::creplay::source(&specs)?)
        .map_err(|e| format!("{}: {e}", replay_source.display()))?;
    let replay = lib.join("c_replay");
    gcc(&replay_source, &replay, &lib, &[])?;
    let sandbox = start_sandbox()?;
    succeed(
        Command::new(&replay)
            .env("PANCAKE_SANDBOX_URL", &sandbox.url)
            .env("BOTCAKE_SANDBOX_URL", format!("{}/api/public_api/v1", sandbox.url))
            .stdout(Stdio::null()),
        "the C replay of tests/calls.json",
    )?;
    crate::creplay::compare(&sandbox.url)?;
    drop(sandbox);

    let sandbox = start_sandbox()?;
    if Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success()) {
        succeed(
            Command::new("valgrind")
                .args([
                    "--quiet",
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite",
                    "--show-leak-kinds=definite",
                    "--error-exitcode=99",
                ])
                .arg(&test_binary)
                .env("PANCAKE_SANDBOX_URL", &sandbox.url)
                .env("PK_UNDER_VALGRIND", "1"),
            "C tests under valgrind",
        )?;
    } else {
        println!("valgrind not found: running the C tests under AddressSanitizer instead");
        let asan = lib.join("c_test_sdk_asan");
        compile(&["-fsanitize=address", "-fno-omit-frame-pointer", "-g"], &asan)?;
        succeed(
            Command::new(&asan).env("PANCAKE_SANDBOX_URL", &sandbox.url),
            "C tests under AddressSanitizer",
        )?;
    }
    drop(sandbox);

    let sandbox = start_sandbox()?;
    succeed(
        Command::new("make").args(["-s", "-B", "-C", "bindings/c/examples"]).env("PKG_CONFIG_PATH", &lib),
        "make (the example, with pkg-config)",
    )?;
    let listed = Command::new(root().join("bindings/c/examples/list_conversations"))
        .arg("105000000000001")
        .env("PANCAKE_BASE_URL", &sandbox.url)
        .env("PANCAKE_PAGE_ACCESS_TOKEN", "sandbox-page-token")
        .output()
        .map_err(|e| format!("the example: {e}"))?;
    let lines = String::from_utf8_lossy(&listed.stdout).lines().count();
    if !listed.status.success() || lines != 150 {
        return Err(format!(
            "the example listed {lines} conversations, not 150: {}",
            String::from_utf8_lossy(&listed.stderr)
        ));
    }
    println!("the example listed the sandbox page's {lines} conversations");
    crate::install::check_installed(&lib, &sandbox.url)
}
