//! Where the bench's processes run: pinned to CPUs with `taskset` (Linux), so that a
//! measurement does not depend on where the scheduler happened to put a process.
//!
//! A client that makes one call at a time waits for each answer: on a CPU of its own, that
//! CPU goes idle at every wait and must be woken when the answer comes, which on a virtual
//! machine can cost more than the call itself (and differs from run to run). On the server's
//! CPU, the two hand over to each other and the client's own cost shows.
//!
//! A Rust client that makes calls concurrently keeps its CPU busy: alone on a CPU of its own,
//! its cost bounds its rate. Left to the scheduler, its runtime's threads may land beside the
//! server or not, and its rate doubles or halves from one run to the next. A Python client that
//! makes calls concurrently runs anywhere: the SDK's point there is that its work runs beside
//! the interpreter, on the other CPU, and its rounds agree with each other there.

use std::path::Path;
use std::process::{Command, Stdio};

/// The CPUs a run pins its processes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpus {
    /// The servers' CPU: the first one this process may run on.
    pub server: u32,
    /// Another CPU this process may run on, if any.
    pub other: Option<u32>,
}

impl Cpus {
    /// The CPUs of this process, when `taskset` can pin to them; `None` where it cannot (not
    /// Linux, no `taskset`): processes then run wherever the scheduler puts them.
    pub fn detect() -> Option<Cpus> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let list = status.lines().find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?;
        let Cpus { server, other } = Cpus::of_list(list.trim())?;
        // A CPU that is listed may still refuse to be pinned to (offline, or a sandbox that
        // forbids `sched_setaffinity`): each one is tried.
        let pins = |cpu: u32| {
            Command::new("taskset")
                .args(["-c", &cpu.to_string(), "true"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        pins(server).then(|| Cpus { server, other: other.filter(|&cpu| pins(cpu)) })
    }

    /// The first two CPUs of a list such as `0-3,8,10-11` (Linux's format).
    fn of_list(list: &str) -> Option<Cpus> {
        let mut found = Vec::new();
        for part in list.split(',') {
            let (first, last) = part.split_once('-').unwrap_or((part, part));
            let (first, last) = (first.trim().parse::<u32>().ok()?, last.trim().parse::<u32>().ok()?);
            found.extend((first..=last).take(2));
            if found.len() >= 2 {
                break;
            }
        }
        Some(Cpus { server: *found.first()?, other: found.get(1).copied() })
    }
}

/// Where a comparison's clients run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On the servers' CPU.
    ServerCpu,
    /// On another CPU than the servers' (wherever the scheduler puts them on a machine with one).
    OtherCpu,
    /// Wherever the scheduler puts them.
    Anywhere,
}

impl Placement {
    /// The CPU a client so placed is pinned to, on a machine whose CPUs are `cpus`.
    pub fn cpu(self, cpus: Option<Cpus>) -> Option<u32> {
        match self {
            Placement::ServerCpu => cpus.map(|c| c.server),
            Placement::OtherCpu => cpus.and_then(|c| c.other),
            Placement::Anywhere => None,
        }
    }
}

/// A command that runs `program` on `cpu` alone, or wherever the scheduler puts it (`None`).
pub fn on(cpu: Option<u32>, program: &Path) -> Command {
    match cpu {
        Some(cpu) => {
            let mut command = Command::new("taskset");
            command.args(["-c", &cpu.to_string()]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_two_cpus_of_a_list_are_taken() {
        assert_eq!(Cpus::of_list("0-1"), Some(Cpus { server: 0, other: Some(1) }));
        assert_eq!(Cpus::of_list("3,5-9"), Some(Cpus { server: 3, other: Some(5) }));
        assert_eq!(Cpus::of_list("2-7"), Some(Cpus { server: 2, other: Some(3) }));
        assert_eq!(Cpus::of_list("4"), Some(Cpus { server: 4, other: None }));
        assert_eq!(Cpus::of_list(""), None);
        assert_eq!(Cpus::of_list("x-1"), None);
    }

    #[test]
    fn a_pinned_command_runs_the_program_under_taskset() {
        let pinned = on(Some(1), Path::new("/bin/true"));
        assert_eq!(pinned.get_program(), "taskset");
        let args: Vec<_> = pinned.get_args().collect();
        assert_eq!(args, ["-c", "1", "/bin/true"]);
        assert_eq!(on(None, Path::new("/bin/true")).get_program(), "/bin/true");
    }
}
