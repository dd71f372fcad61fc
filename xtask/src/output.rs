//! What a generator makes: a file's path and text.

use std::path::PathBuf;

/// A file derived from the spec: its path (from the root) and its full text.
pub struct Generated {
    pub path: PathBuf,
    pub text: String,
}
