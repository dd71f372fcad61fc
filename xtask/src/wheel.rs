//! The Python wheel as it ships: abi3 (one wheel for Python 3.9 and newer), linked by zig
//! against old C libraries so that it installs on glibc 2.17 and newer (manylinux2014) or on
//! musl 1.2 (musllinux_1_2). Also the check that the built wheel's tag and its library's glibc
//! symbols say so, and that it installs and works on every Python 3.9-3.13 the machine has.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root, succeed, target_dir, venv};

/// The pinned maturin, which builds the wheel.
pub const MATURIN: &str = "maturin==1.16.0";

/// zig, the linker maturin uses for old glibc and for musl (a pip package: nothing else to install).
pub const ZIG: &str = "ziglang==0.17.1";

/// The newest glibc a manylinux2014 wheel may need.
const GLIBC_MAX: (u32, u32) = (2, 17);

/// A platform a wheel is built for.
#[derive(Clone, Copy)]
pub struct Platform {
    /// The Rust target.
    pub target: &'static str,
    /// maturin's `--compatibility`.
    pub compatibility: &'static str,
}

/// The wheel of every test and of `dist` for this machine: x86_64, glibc 2.17+.
pub const MANYLINUX: Platform =
    Platform { target: "x86_64-unknown-linux-gnu", compatibility: "manylinux2014" };

/// Every platform `cargo xtask dist` builds.
pub const DIST: [Platform; 3] = [
    MANYLINUX,
    Platform { target: "x86_64-unknown-linux-musl", compatibility: "musllinux_1_2" },
    Platform { target: "aarch64-unknown-linux-gnu", compatibility: "manylinux2014" },
];

/// Builds the wheel for `platform` with cargo's `profile` into `out` (emptied first) and
/// returns its path.
pub fn build(platform: Platform, profile: &str, out: &Path) -> Result<PathBuf> {
    venv::ensure(&[MATURIN, ZIG])?;
    let _ = std::fs::remove_dir_all(out);
    // maturin runs `python -m ziglang`: the venv's python comes first on the PATH.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![venv::dir().join("bin")];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))?;
    let mut maturin = Command::new(venv::bin("maturin"));
    maturin
        .args(["build", "--quiet", "--zig", "--manifest-path", "bindings/python/Cargo.toml"])
        .args(["--target", platform.target, "--compatibility", platform.compatibility])
        .args(["--profile", profile, "--out"])
        .arg(out)
        .env("PATH", path);
    if platform.target == MANYLINUX.target {
        maturin.arg("--interpreter").arg(venv::bin("python"));
    }
    succeed(&mut maturin, &format!("maturin build --zig ({})", platform.compatibility))?;
    find_in(out)
}

/// The wheel maturin wrote into `dir`.
pub fn find_in(dir: &Path) -> Result<PathBuf> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| format!("maturin built no wheel in {}", dir.display()))
}

/// The manylinux2014 wheel of the tests (a debug build), checked: its tags, and the glibc
/// versions its library asks for.
pub fn tested() -> Result<PathBuf> {
    let wheel = build(MANYLINUX, "dev", &target_dir().join("wheels"))?;
    check_manylinux(&wheel)?;
    Ok(wheel)
}

/// The wheel's name says abi3 for 3.9+ and manylinux2014 (or older) on every platform tag, and
/// no symbol of its library needs a glibc newer than 2.17.
pub fn check_manylinux(wheel: &Path) -> Result {
    let name = wheel.file_name().and_then(|n| n.to_str()).ok_or("a wheel without a name")?;
    let stem = name.strip_suffix(".whl").ok_or("not a .whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    let [.., python, abi, platforms] = parts.as_slice() else {
        return Err(format!("{name}: not a wheel's name"));
    };
    if *python != "cp39" || *abi != "abi3" {
        return Err(format!("{name}: not an abi3 wheel for Python 3.9+"));
    }
    let mut arches = Vec::new();
    for tag in platforms.split('.') {
        if !platform_tag_at_most_2_17(tag) {
            return Err(format!("{name}: platform tag {tag} needs a glibc newer than 2.17"));
        }
        arches.push(if tag.ends_with("_aarch64") { "AArch64" } else { "X86-64" });
    }
    let (newest, machine) = read_library(wheel)?;
    if newest > GLIBC_MAX {
        return Err(format!("{name}: its library needs GLIBC_{}.{}", newest.0, newest.1));
    }
    if !arches.iter().all(|arch| machine.contains(arch)) {
        return Err(format!("{name}: its library is built for {machine}"));
    }
    println!("{name}: tags, {machine} library, glibc {}.{} at most", newest.0, newest.1);
    Ok(())
}

/// `manylinux1`, `manylinux2010`, `manylinux2014` or `manylinux_2_N` with N <= 17.
fn platform_tag_at_most_2_17(tag: &str) -> bool {
    if ["manylinux1_", "manylinux2010_", "manylinux2014_"].iter().any(|old| tag.starts_with(old)) {
        return true;
    }
    let Some(rest) = tag.strip_prefix("manylinux_2_") else { return false };
    rest.split('_')
        .next()
        .and_then(|minor| minor.parse::<u32>().ok())
        .is_some_and(|minor| minor <= GLIBC_MAX.1)
}

/// The newest `GLIBC_x.y` version that the wheel's native library needs (`readelf -V`) and its
/// machine (`readelf -h`), read from the library unpacked next to the wheel.
fn read_library(wheel: &Path) -> Result<((u32, u32), String)> {
    let unpacked = wheel.with_extension("unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    succeed(
        Command::new(venv::bin("python")).args(["-m", "zipfile", "-e"]).arg(wheel).arg(&unpacked),
        "unpacking the wheel",
    )?;
    let library = unpacked.join("pancake_sdk/_native.abi3.so");
    let output = Command::new("readelf")
        .arg("-V")
        .arg(&library)
        .output()
        .map_err(|e| format!("readelf (binutils) is needed to check the wheel: {e}"))?;
    if !output.status.success() {
        return Err(format!("readelf -V {} failed", library.display()));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let newest = glibc_versions(&text)?.into_iter().max().ok_or("the library names no GLIBC version")?;
    let header =
        Command::new("readelf").arg("-h").arg(&library).output().map_err(|e| format!("readelf -h: {e}"))?;
    let machine = String::from_utf8_lossy(&header.stdout)
        .lines()
        .find_map(|line| line.trim().strip_prefix("Machine:").map(|m| m.trim().to_string()))
        .ok_or("readelf -h names no machine")?;
    let _ = std::fs::remove_dir_all(&unpacked);
    Ok((newest, machine))
}

/// Every `GLIBC_x.y` named in `readelf -V`'s output. Any other `GLIBC_` name (such as
/// `GLIBC_ABI_DT_RELR`, which glibc 2.36 brought, or `GLIBC_PRIVATE`) is refused: it is no
/// version that manylinux2014 allows.
fn glibc_versions(text: &str) -> Result<Vec<(u32, u32)>> {
    let mut found = Vec::new();
    for word in text.split(|c: char| c.is_whitespace()) {
        let Some(version) = word.strip_prefix("GLIBC_") else { continue };
        let numbers = version
            .split_once('.')
            .and_then(|(major, rest)| Some((major.parse().ok()?, rest.split('.').next()?.parse().ok()?)));
        found.push(numbers.ok_or_else(|| format!("the library needs {word}"))?);
    }
    Ok(found)
}

/// Installs `wheel` into a fresh venv of every Python 3.9-3.13 on the machine and runs
/// `tests/python/installed_wheel.py` there against the sandbox (from outside the repository).
pub fn check_every_python(wheel: &Path, sandbox: &Path) -> Result {
    let script = root().join("tests/python/installed_wheel.py");
    let outside = std::env::temp_dir();
    let mut missing = Vec::new();
    for minor in 9..=13 {
        let version = format!("3.{minor}");
        let Some(python) = find_python(&version) else {
            missing.push(version);
            continue;
        };
        let env = target_dir().join("pythons").join(&version);
        succeed(
            Command::new(&python).args(["-m", "venv", "--clear", "--without-pip"]).arg(&env),
            &format!("python{version} -m venv"),
        )?;
        succeed(
            Command::new(venv::bin("python"))
                .args(["-m", "pip", "--python"])
                .arg(env.join("bin/python"))
                .args(["install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index"])
                .arg(wheel),
            &format!("pip install the wheel into Python {version}"),
        )?;
        succeed(
            Command::new(env.join("bin/python")).arg(&script).arg(sandbox).current_dir(&outside),
            &format!("the installed wheel on Python {version}"),
        )?;
    }
    if missing.len() == 5 {
        return Err("no Python from 3.9 to 3.13 was found to install the wheel into".into());
    }
    if !missing.is_empty() {
        println!("not on this machine, so not checked: Python {}", missing.join(", "));
    }
    Ok(())
}

/// `python3.N` on the PATH, else under pyenv's versions.
fn find_python(version: &str) -> Option<PathBuf> {
    let name = format!("python{version}");
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).map(|dir| dir.join(&name)).collect::<Vec<_>>())
        .unwrap_or_default();
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pyenv")))
        .map(|root| root.join("versions"));
    let mut under_pyenv: Vec<PathBuf> = pyenv
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| dir.file_name().and_then(|n| n.to_str()).and_then(|n| release(n, version)).is_some())
        .map(|dir| dir.join("bin").join(&name))
        .collect();
    // The newest release first (3.9.18 before 3.9.9).
    under_pyenv.sort_by_key(|python| {
        python.ancestors().nth(2).and_then(|d| d.file_name()?.to_str()).and_then(|n| release(n, version))
    });
    on_path.into_iter().chain(under_pyenv.into_iter().rev()).find(|python| {
        // A pyenv shim on the PATH fails when that version is not installed: ask it.
        Command::new(python).arg("-c").arg("pass").output().is_ok_and(|o| o.status.success())
    })
}

/// The patch number of a pyenv version folder named `3.N.P` for `version` `3.N`; `None` for any
/// other name (`3.13.0t`, free-threaded, takes no abi3 wheel; `3.12-dev`, `pypy3.9`).
fn release(name: &str, version: &str) -> Option<u32> {
    name.strip_prefix(version)?.strip_prefix('.')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tags_of_glibc_2_17_or_older_pass() {
        for tag in
            ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_5_x86_64", "manylinux1_x86_64"]
        {
            assert!(platform_tag_at_most_2_17(tag), "{tag}");
        }
        for tag in ["manylinux_2_34_x86_64", "manylinux_2_28_aarch64", "linux_x86_64", "musllinux_1_2_x86_64"]
        {
            assert!(!platform_tag_at_most_2_17(tag), "{tag}");
        }
    }

    #[test]
    fn only_plain_releases_of_the_version_are_taken() {
        assert_eq!(release("3.9.18", "3.9"), Some(18));
        assert_eq!(release("3.13.0", "3.13"), Some(0));
        assert_eq!(release("3.13.0t", "3.13"), None, "free-threaded");
        assert_eq!(release("3.12-dev", "3.12"), None);
        assert_eq!(release("3.90.1", "3.9"), None);
        assert_eq!(release("pypy3.9-7.3", "3.9"), None);
    }

    #[test]
    fn the_newest_glibc_is_read_from_readelf() {
        let text =
            "  0x0010:   Name: GLIBC_2.2.5  Flags: none\n  0x0020:   Name: GLIBC_2.17\n  Name: GLIBC_2.3.4\n";
        assert_eq!(glibc_versions(text).unwrap().into_iter().max(), Some((2, 17)));
        assert_eq!(glibc_versions("Name: GLIBC_2.34").unwrap().into_iter().max(), Some((2, 34)));
        assert!(
            glibc_versions("Name: GLIBC_2.17 Name: GLIBC_ABI_DT_RELR")
                .unwrap_err()
                .contains("GLIBC_ABI_DT_RELR")
        );
        assert!(glibc_versions("Name: GLIBC_PRIVATE").is_err());
    }
}
