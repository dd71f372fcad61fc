//! Checks of the names a spec gives, made before anything is generated: every name becomes an
//! identifier in Rust, Python, C and the CLI, so one that is a keyword somewhere, or collides
//! with what the generated code or the CLI already uses, must fail generation, not misbehave.

use std::collections::BTreeSet;

use crate::Result;
use crate::model::Spec;

const RUST: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual",
    "yield", "try", "gen",
];
const PYTHON: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];
const C: &[&str] = &[
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "bool",
];
/// Names the generated functions and the CLI already use for themselves.
const TAKEN: &[&str] = &[
    "client",
    "args",
    "out_json",
    "body_json",
    "body",
    "timeout",
    "cls",
    "options",
    "sandbox",
    "base_url",
    "botcake_base_url",
    "page_token",
    "user_token",
    "botcake_token",
    "output",
    "max_retries",
    "rate_limit",
    "help",
    "version",
    "body_file",
    "format",
    "output_file",
    "resume",
    "close",
];

fn snake(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn reserved(name: &str) -> Option<&'static str> {
    if RUST.contains(&name) {
        Some("a Rust keyword")
    } else if PYTHON.contains(&name) {
        Some("a Python keyword")
    } else if C.contains(&name) {
        Some("a C keyword")
    } else if TAKEN.contains(&name) {
        Some("a name the generated code or the CLI uses")
    } else {
        None
    }
}

/// Every operation id, parameter and body field of one spec.
pub fn check(spec: &Spec) -> Result {
    let mut problems = Vec::new();
    let mut exports = BTreeSet::new();
    for op in &spec.operations {
        let at = format!("{}: {} {} ({})", spec.file, op.method, op.path, op.id);
        if !snake(&op.id) || op.id.starts_with("iter_") || reserved(&op.id).is_some() {
            problems.push(format!("{at}: the operationId must be snake_case, not start with iter_, and not be a keyword or a name in use"));
        }
        if op.pagination.is_some() {
            let name = op.id.trim_start_matches("list_").trim_start_matches("page_").to_string();
            if !exports.insert(name.clone()) {
                problems.push(format!("{at}: two lists would both be `export {name}`"));
            }
        }
        for param in &op.params {
            let name = &param.name;
            if !snake(name) {
                problems.push(format!("{at}: parameter {name:?} must be snake_case (it names a setter, a C argument, a keyword argument and a flag)"));
            } else if let Some(why) = reserved(name) {
                problems.push(format!("{at}: parameter {name:?} is {why}"));
            }
        }
        for field in op.body.iter().flat_map(|b| &b.fields) {
            let name = &field.name;
            if !identifier(name) {
                problems.push(format!("{at}: body field {name:?} is not an identifier"));
            } else if let Some(why) = reserved(name) {
                problems.push(format!("{at}: body field {name:?} is {why}"));
            } else if op.params.iter().any(|p| p.name == *name) {
                problems.push(format!("{at}: body field {name:?} has the name of a parameter"));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}
