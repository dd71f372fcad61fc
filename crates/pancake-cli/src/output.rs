//! What the CLI prints: answers on stdout (pretty on a terminal, compact when piped, or one
//! line per item), errors on stderr with an exit code by kind.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use serde_json::Value;

/// A failed command: the exit code, and what to say.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { code: 2, message: message.into() }
    }

    /// Anything else (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        Failure { code: 1, message: message.into() }
    }

    /// A write to stdout or a file failed; a reader that went away (`| head`) ends the command
    /// quietly with success.
    pub fn write(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure { code: 0, message: String::new() };
        }
        Failure::other(format!("cannot write: {error}"))
    }
}

impl From<pancake_sdk::Error> for Failure {
    fn from(error: pancake_sdk::Error) -> Self {
        use pancake_sdk::ErrorKind as K;
        let kind = error.kind();
        let code = match kind {
            K::InvalidRequest => 3,
            K::MissingCredential => 4,
            K::Transport | K::Timeout | K::Deadline => 5,
            K::TooLarge => 11,
            K::Status => 6,
            K::Api => 7,
            K::OutcomeUnknown => 8,
            K::Decode => 9,
            K::Pagination => 10,
            _ => 1,
        };
        let mut message = error.to_string();
        if kind == K::OutcomeUnknown {
            message.push_str(
                "\nThe outcome is unknown: the message may have been delivered. Check the conversation before sending it again.",
            );
        }
        if kind == K::MissingCredential {
            message.push_str(
                "\nGive it with --page-token / --user-token / --botcake-token or the environment variables PANCAKE_PAGE_ACCESS_TOKEN, PANCAKE_USER_ACCESS_TOKEN, BOTCAKE_ACCESS_TOKEN (or try --sandbox).",
            );
        }
        Failure { code, message }
    }
}

/// Prints the failure on stderr and gives its exit code (a reader that went away, as with
/// `| head`, is not a failure).
pub fn fail(failure: Failure) -> ExitCode {
    if failure.code == 0 {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", failure.message);
    ExitCode::from(failure.code)
}

/// Prints an answer: pretty JSON on a terminal, compact JSON when piped; with `items`, one
/// compact line per element of that array (JSON Lines).
pub fn print(value: &Value, items: Option<&str>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let written = match items.and_then(|key| value.get(key)).and_then(Value::as_array) {
        Some(items) => items.iter().try_for_each(|item| writeln!(out, "{item}")),
        None if std::io::stdout().is_terminal() => {
            writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default())
        }
        None => writeln!(out, "{value}"),
    };
    written.map_err(Failure::write)
}
