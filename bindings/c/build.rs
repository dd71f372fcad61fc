//! Writes `pancake_sdk.pc` next to the built library, so that
//! `cc app.c $(pkg-config --cflags --libs pancake_sdk)` works with `PKG_CONFIG_PATH` pointing
//! at the target directory (e.g. `target/debug`).

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out: the library goes to <target>/<profile>.
    let Some(profile_dir) = out.ancestors().nth(3).map(Path::to_path_buf) else { return };
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let include = manifest.join("include");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let pc = format!(
        "libdir={lib}\nincludedir={include}\n\n\
         Name: pancake_sdk\n\
         Description: C library of the Pancake (pages.fm) and Botcake API clients\n\
         Version: {version}\n\
         Cflags: -I${{includedir}}\n\
         Libs: -L${{libdir}} -Wl,-rpath,${{libdir}} -lpancake_sdk\n\
         Libs.private: -lpthread -ldl -lm\n",
        lib = profile_dir.display(),
        include = include.display(),
    );
    let _ = std::fs::write(profile_dir.join("pancake_sdk.pc"), pc);
    println!("cargo:rerun-if-changed=build.rs");
}
