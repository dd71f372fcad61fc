//! Gives the shared library its versioned soname (`libpancake_sdk.so.0` on Linux: the major
//! version of the C ABI, raised when a change breaks compiled callers), links that name to the
//! built file, and writes `pancake-sdk.pc` next to the library, so that
//! `cc app.c $(pkg-config --cflags --libs pancake-sdk)` works with `PKG_CONFIG_PATH` pointing
//! at the target directory (e.g. `target/debug`).

use std::path::{Path, PathBuf};

/// The major version of the C ABI: raised by any change that breaks a compiled caller.
const ABI_MAJOR: u32 = 0;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out: the library goes to <target>/<profile>.
    let Some(profile_dir) = out.ancestors().nth(3).map(Path::to_path_buf) else { return };
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let include = manifest.join("include");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let pc = format!(
        "libdir={lib}\nincludedir={include}\n\n\
         Name: pancake-sdk\n\
         Description: C library of the Pancake (pages.fm) and Botcake API clients\n\
         Version: {version}\n\
         Cflags: -I${{includedir}}\n\
         Libs: -L${{libdir}} -Wl,-rpath,${{libdir}} -lpancake_sdk\n\
         Libs.private: -lpthread -ldl -lm\n",
        lib = profile_dir.display(),
        include = include.display(),
    );
    let _ = std::fs::write(profile_dir.join("pancake-sdk.pc"), pc);
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let soname = format!("libpancake_sdk.so.{ABI_MAJOR}");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
        // Programs linked to the library look for it by its soname.
        let link = profile_dir.join(&soname);
        if std::fs::read_link(&link).is_err() {
            let _ = std::fs::remove_file(&link);
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink("libpancake_sdk.so", &link);
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
