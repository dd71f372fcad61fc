//! The C library's install layout (`cargo xtask install --prefix DIR`, and the C tarball of
//! `cargo xtask dist`), and the check that a program builds against an installed prefix with
//! pkg-config and with CMake, outside the repository:
//!
//! ```text
//! include/pancake_sdk.h
//! lib/libpancake_sdk.so.X.Y.Z, libpancake_sdk.so.MAJOR -> it, libpancake_sdk.so -> that
//! lib/libpancake_sdk.a
//! lib/pkgconfig/pancake-sdk.pc
//! lib/cmake/pancake-sdk/pancake-sdkConfig.cmake, pancake-sdkConfigVersion.cmake
//! share/pancake-sdk/examples/ (the example, its Makefile and CMakeLists.txt)
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root, succeed, target_dir};

/// The workspace's version (one for the crates, the wheel and the C library; xtask shares it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The major and minor numbers of [`VERSION`].
fn major_minor() -> (u32, u32) {
    let mut numbers = VERSION.split('.').map(|n| n.parse().unwrap_or(0));
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
}

/// `cargo xtask install --prefix DIR [--profile P]`: builds the C library with cargo's profile
/// `P` (default `release`) and installs it under `DIR`.
pub fn run(args: &[&str]) -> Result {
    let mut prefix = None;
    let mut profile = "release";
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--prefix" => prefix = rest.next().copied(),
            "--profile" => profile = rest.next().copied().ok_or("--profile needs a name")?,
            other => return Err(format!("install: unknown argument {other}")),
        }
    }
    let prefix = prefix.ok_or("install: --prefix DIR is needed")?;
    let prefix = std::path::absolute(prefix).map_err(|e| format!("{prefix}: {e}"))?;
    let built = build(profile)?;
    layout(&built, &prefix)?;
    println!("installed pancake-sdk's C library under {}", prefix.display());
    Ok(())
}

/// Builds the C library with cargo's `profile` and returns the directory it is in.
pub fn build(profile: &str) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    succeed(
        Command::new(cargo).args(["build", "--quiet", "-p", "pancake-sdk-c", "--profile", profile]),
        &format!("cargo build -p pancake-sdk-c --profile {profile}"),
    )?;
    Ok(target_dir().join(if profile == "dev" { "debug" } else { profile }))
}

/// Installs the library built in `built` under `prefix` (made if missing).
pub fn layout(built: &Path, prefix: &Path) -> Result {
    let (major, minor) = major_minor();
    let soname = soname(&built.join("libpancake_sdk.so"))?;
    let library = format!("libpancake_sdk.so.{VERSION}");
    let lib = prefix.join("lib");
    let include = prefix.join("include");
    let pkgconfig = lib.join("pkgconfig");
    let cmake = lib.join("cmake/pancake-sdk");
    let examples = prefix.join("share/pancake-sdk/examples");
    for dir in [&lib, &include, &pkgconfig, &cmake, &examples] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    copy(&root().join("bindings/c/include/pancake_sdk.h"), &include.join("pancake_sdk.h"))?;
    copy(&built.join("libpancake_sdk.so"), &lib.join(&library))?;
    copy(&built.join("libpancake_sdk.a"), &lib.join("libpancake_sdk.a"))?;
    symlink(&library, &lib.join(&soname))?;
    symlink(&soname, &lib.join("libpancake_sdk.so"))?;
    let fill = |template: &str| -> Result<String> {
        let path = root().join("bindings/c/install").join(template);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(text
            .replace("@VERSION@", VERSION)
            .replace("@MAJOR@", &major.to_string())
            .replace("@MINOR@", &minor.to_string())
            .replace("@SONAME@", &soname)
            .replace("@LIBRARY@", &library)
            .replace("@URL@", "https://github.com/pancake-sdk/pancake-sdk"))
    };
    write(&pkgconfig.join("pancake-sdk.pc"), &fill("pancake-sdk.pc.in")?)?;
    write(&cmake.join("pancake-sdkConfig.cmake"), &fill("pancake-sdkConfig.cmake.in")?)?;
    write(&cmake.join("pancake-sdkConfigVersion.cmake"), &fill("pancake-sdkConfigVersion.cmake.in")?)?;
    for file in ["list_conversations.c", "Makefile", "CMakeLists.txt"] {
        copy(&root().join("bindings/c/examples").join(file), &examples.join(file))?;
    }
    Ok(())
}

/// The shared library's soname (`libpancake_sdk.so.MAJOR`), read with `readelf -d`.
pub fn soname(library: &Path) -> Result<String> {
    let output = Command::new("readelf")
        .arg("-d")
        .arg(library)
        .output()
        .map_err(|e| format!("readelf (binutils) is needed: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .filter(|line| line.contains("(SONAME)"))
        .find_map(|line| Some(line.split_once('[')?.1.split_once(']')?.0.to_string()))
        .filter(|name| name.starts_with("libpancake_sdk.so."))
        .ok_or_else(|| format!("{} has no versioned soname", library.display()))
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to).map(drop).map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
}

fn write(path: &Path, text: &str) -> Result {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn symlink(target: &str, link: &Path) -> Result {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).map_err(|e| format!("{}: {e}", link.display()))
}

/// A folder of its own under the system's temporary folder (outside the repository), empty.
pub fn scratch(name: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pancake-sdk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Installs the library built in `built` under a prefix outside the repository and checks it
/// there ([`check_prefix`]).
pub fn check_installed(built: &Path, url: &str) -> Result {
    let scratch = scratch("install-check")?;
    let prefix = scratch.join("prefix");
    layout(built, &prefix)?;
    check_prefix(&prefix, url)?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// Builds the example of an installed `prefix` in a project outside the repository with
/// pkg-config (shared) and with CMake (shared and static), and runs each against the sandbox
/// at `url`: each must list the page's 150 conversations. CMake must also find the package
/// when asked for this version, and refuse a request for a newer one.
pub fn check_prefix(prefix: &Path, url: &str) -> Result {
    let scratch = scratch("prefix-check")?;
    let project = scratch.join("project");
    std::fs::create_dir_all(&project).map_err(|e| format!("{}: {e}", project.display()))?;
    let examples = prefix.join("share/pancake-sdk/examples");
    for file in ["list_conversations.c", "CMakeLists.txt"] {
        copy(&examples.join(file), &project.join(file))?;
    }
    let pkgconfig = prefix.join("lib/pkgconfig");
    let flags = |args: &[&str]| -> Result<Vec<String>> {
        let output = Command::new("pkg-config")
            .args(args)
            .arg("pancake-sdk")
            .env("PKG_CONFIG_PATH", &pkgconfig)
            .output()
            .map_err(|e| format!("pkg-config: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "pkg-config {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).split_whitespace().map(str::to_string).collect())
    };
    let by_pkg_config = project.join("list_conversations_pkg_config");
    succeed(
        Command::new("cc")
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .args(flags(&["--cflags"])?)
            .arg("list_conversations.c")
            .arg("-o")
            .arg(&by_pkg_config)
            .args(flags(&["--libs"])?)
            .current_dir(&project),
        "cc with pkg-config against the installed prefix",
    )?;
    let lib = prefix.join("lib");
    lists_every_conversation(&by_pkg_config, url, Some(&lib))?;
    let soname = soname(&lib.join("libpancake_sdk.so"))?;
    if !needed(&by_pkg_config)?.contains(&soname) {
        return Err(format!("the example built with pkg-config does not need {soname}"));
    }

    ensure_cmake()?;
    let configure = |build: &Path, version: &str| {
        Command::new("cmake")
            .arg("-S")
            .arg(&project)
            .arg("-B")
            .arg(build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg(format!("-DPANCAKE_SDK_VERSION={version}"))
            .args(["-DCMAKE_BUILD_TYPE=Release", "--log-level=WARNING"])
            .current_dir(&project)
            .output()
            .map_err(|e| format!("cmake: {e}"))
    };
    let version = VERSION;
    let (major, minor) = major_minor();
    // A newer major version, and before 1.0 a newer minor one, are refused.
    let mut newer = vec![format!("{}.0", major + 1)];
    if major == 0 {
        newer.push(format!("0.{}", minor + 1));
    }
    for (i, request) in newer.iter().enumerate() {
        let refused = configure(&scratch.join(format!("newer-{i}")), request)?;
        let said = String::from_utf8_lossy(&refused.stderr);
        if refused.status.success() || !said.contains("compatible") {
            return Err(format!(
                "CMake did not refuse a request of pancake-sdk {request} ({version} installed): {said}"
            ));
        }
    }
    let build = project.join("build");
    let asked = format!("{major}.{minor}");
    let configured = configure(&build, &asked)?;
    if !configured.status.success() {
        return Err(format!(
            "cmake (the example against the installed prefix, asking for {asked}): {}",
            String::from_utf8_lossy(&configured.stderr)
        ));
    }
    succeed(Command::new("cmake").arg("--build").arg(&build).current_dir(&project), "cmake --build")?;
    // CMake gives the shared build an rpath to the prefix; the static one needs no library.
    lists_every_conversation(&build.join("list_conversations"), url, None)?;
    lists_every_conversation(&build.join("list_conversations_static"), url, None)?;
    if !needed(&build.join("list_conversations"))?.contains(&soname) {
        return Err(format!("the example built with CMake does not need {soname}"));
    }
    if needed(&build.join("list_conversations_static"))?.iter().any(|name| name.starts_with("libpancake_sdk"))
    {
        return Err("the static build of the example still needs libpancake_sdk.so".into());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!("the example built against an installed prefix with pkg-config and CMake (shared and static)");
    Ok(())
}

/// The shared libraries a program needs (`readelf -d`'s NEEDED entries).
fn needed(program: &Path) -> Result<Vec<String>> {
    let output = Command::new("readelf")
        .arg("-d")
        .arg(program)
        .output()
        .map_err(|e| format!("readelf (binutils) is needed: {e}"))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains("(NEEDED)"))
        .filter_map(|line| Some(line.split_once('[')?.1.split_once(']')?.0.to_string()))
        .collect())
}

/// Runs a build of the example against the sandbox: it must print the page's 150 conversations.
fn lists_every_conversation(program: &Path, url: &str, library_path: Option<&Path>) -> Result {
    let mut command = Command::new(program);
    command
        .arg("105000000000001")
        .env("PANCAKE_BASE_URL", url)
        .env("PANCAKE_PAGE_ACCESS_TOKEN", "sandbox-page-token")
        .env_remove("LD_LIBRARY_PATH");
    if let Some(dir) = library_path {
        command.env("LD_LIBRARY_PATH", dir);
    }
    let output = command.output().map_err(|e| format!("{}: {e}", program.display()))?;
    let lines = String::from_utf8_lossy(&output.stdout).lines().count();
    if !output.status.success() || lines != 150 {
        return Err(format!(
            "{} listed {lines} conversations, not 150: {}",
            program.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// CMake, installed from Debian's packages when it is missing and apt-get can (as root).
fn ensure_cmake() -> Result {
    if Command::new("cmake").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    println!("cmake is missing: installing Debian's package");
    let root_user = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    if !root_user {
        return Err("cmake is needed for the C install check: install it (apt-get install cmake)".into());
    }
    let quiet = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !quiet(&["install", "-y", "-q", "--no-install-recommends", "cmake"]) {
        // A new machine may have no package lists yet.
        let _ = quiet(&["update", "-q"]);
        if !quiet(&["install", "-y", "-q", "--no-install-recommends", "cmake"]) {
            return Err("apt-get install cmake failed".into());
        }
    }
    Ok(())
}
