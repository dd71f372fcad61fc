//! A server process of the checks (the sandbox, the bench's replay server): started, its URL read
//! from its `listening on URL` line, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::Result;

/// A running server process.
pub struct Server {
    /// What it is, for messages.
    pub name: &'static str,
    /// Its URL.
    pub url: String,
    child: Child,
}

impl Server {
    /// Starts `command` and reads its URL from its `listening on URL` line. Its stdin is a pipe
    /// kept open (the replay server stops when it closes); the rest of its output is read and
    /// dropped, so that it never blocks on a full pipe.
    pub fn start(name: &'static str, command: &mut Command) -> Result<Server> {
        let prefix = "listening on ";
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{name}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with(prefix) => break line[prefix.len()..].trim().to_string(),
                Some(Ok(_)) => continue,
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("{name} did not start"));
                }
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Server { name, url, child })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
