//! `cargo xtask bench`: every front-end of the SDK against a bare client of its language, on
//! loopback, as ratios of calls per second; `import pancake_sdk`'s time; the export's peak
//! memory. Writes `BENCHMARKS.md` and `docs/benchmarks.svg` (which the README shows).
//!
//! Each measurement is a process of its own (`bench/`: the Rust runner, `bench/c/bench.c`,
//! `bench/python/bench.py`) that warms up, times its calls and prints calls per second; the
//! two clients of a comparison run alternately, five rounds, and the ratio is the median of
//! the rounds' ratios. The servers: one that only replays fixed bytes (so the client's own
//! cost shows) and the sandbox, pinned to one CPU; a client that makes one call at a time
//! runs on the server's CPU (and, for reference, on another), a concurrent Rust one alone on
//! another CPU, so that its own cost bounds its rate, a concurrent Python one anywhere (see
//! [`crate::placement`]).
//!
//! A full run also counts the instructions per call of the Rust clients with callgrind, where
//! valgrind is installed: figures that, unlike calls per second, repeat from run to run.
//!
//! `cargo xtask test` runs [`smoke`]: debug builds, one short round, nothing written to the
//! repository. Benchmarks are never timed tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::placement::{self, Cpus, Placement};
use crate::server::Server;
use crate::{Result, root, succeed, venv};

/// The Python packages the comparisons need, pinned.
pub const PYTHON_CLIENTS: [&str; 2] = ["httpx==0.28.1", "aiohttp==3.14.5"];

/// A full run (release builds, five rounds) or a smoke run (debug builds, one short round).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Smoke,
}

impl Mode {
    fn rounds(self) -> usize {
        match self {
            Mode::Full => 5,
            Mode::Smoke => 1,
        }
    }

    fn profile(self) -> &'static str {
        match self {
            Mode::Full => "release",
            Mode::Smoke => "debug",
        }
    }
}

/// `cargo xtask bench`.
pub fn run() -> Result {
    let report = measure(Mode::Full)?;
    let markdown = report.markdown();
    write(&root().join("BENCHMARKS.md"), &markdown)?;
    write(&root().join("docs/benchmarks.svg"), &report.chart())?;
    report::readme(&report)?;
    println!("\n{markdown}");
    let missed = report.missed();
    if missed.is_empty() {
        println!("bench: every target reached");
        Ok(())
    } else {
        Err(format!("targets missed: {}", missed.join("; ")))
    }
}

/// What `cargo xtask test` runs: the bench builds, and one short round of every comparison
/// runs and measures something (no targets: debug builds say nothing of speed).
pub fn smoke() -> Result {
    let report = measure(Mode::Smoke)?;
    let dir = crate::target_dir().join("bench-smoke");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write(&dir.join("BENCHMARKS.md"), &report.markdown())?;
    write(&dir.join("benchmarks.svg"), &report.chart())?;
    println!("bench smoke: {} comparisons measured ({})", report.rows.len(), dir.display());
    Ok(())
}

fn write(path: &Path, text: &str) -> Result {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The programs of a run.
struct Programs {
    mode: Mode,
    bench: PathBuf,
    sandbox: PathBuf,
    cli: PathBuf,
    c_bench: PathBuf,
    python: PathBuf,
    /// Where processes are pinned (`None`: nowhere).
    cpus: Option<Cpus>,
}

fn build(mode: Mode) -> Result<Programs> {
    venv::ensure(&crate::pytest::TOOLS)?;
    venv::ensure(&PYTHON_CLIENTS)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(&cargo);
    build.args(["build", "--quiet", "-p", "pancake-bench", "-p", "pancake-sandbox", "-p", "pancake-cli"]);
    build.args(["-p", "pancake-sdk-c"]);
    if mode == Mode::Full {
        build.arg("--release");
    }
    succeed(&mut build, "cargo build (bench)")?;
    let dir = crate::target_dir().join(mode.profile());
    crate::pytest::install_wheel(mode == Mode::Full)?;
    let c_bench = dir.join("c_bench");
    crate::ctest::gcc(Path::new("bench/c/bench.c"), &c_bench, &dir, &["-O2"])?;
    Ok(Programs {
        mode,
        bench: dir.join("pancake-bench"),
        sandbox: dir.join("pancake-sandbox"),
        cli: dir.join("pancake"),
        c_bench,
        python: venv::bin("python"),
        cpus: Cpus::detect(),
    })
}

/// The sandbox's name as a [`Server`] of the comparisons.
const SANDBOX: &str = "sandbox";

/// The operations measured, with their answers' sizes as the replay server sends them.
const OPS: [(&str, &str); 2] =
    [("tags", "`list_tags` (472 B)"), ("customers", "`list_page_customers` (100 customers, 23.7 KB)")];

/// One client of a comparison.
#[derive(Clone, Copy)]
enum Runner {
    /// The Rust runner with `--client`.
    Rust(&'static str, usize),
    /// `bench/c/bench.c`.
    C,
    /// `bench/python/bench.py` with `--client`, threads, calls in flight.
    Python(&'static str, usize, usize),
}

impl Runner {
    /// Whether it makes one call at a time.
    fn one_at_a_time(self) -> bool {
        matches!(self, Runner::Rust(_, 1) | Runner::C | Runner::Python(_, 1, 1))
    }

    /// The command of one run of `calls` calls of `op` against `url`, pinned to `cpu` if given.
    fn command(self, programs: &Programs, op: &str, url: &str, calls: usize, cpu: Option<u32>) -> Command {
        let mut command = match self {
            Runner::Rust(client, in_flight) => {
                let mut command = placement::on(cpu, &programs.bench);
                command.args(["run", "--client", client, "--in-flight", &in_flight.to_string()]);
                command
            }
            Runner::C => placement::on(cpu, &programs.c_bench),
            Runner::Python(client, threads, in_flight) => {
                let mut command = placement::on(cpu, &programs.python);
                command.arg("bench/python/bench.py").args(["--client", client]);
                command.args(["--threads", &threads.to_string(), "--in-flight", &in_flight.to_string()]);
                command
            }
        };
        command.args(["--op", op, "--url", url, "--calls", &calls.to_string()]).current_dir(root());
        // `cargo xtask` runs under `cargo run`, whose library path names this xtask's (debug)
        // target directory: the C runner would load the debug library in place of its own.
        command.env_remove("LD_LIBRARY_PATH");
        command
    }

    /// Calls per run: about half a second in a release build, long enough that a run's rate
    /// does not hang on a moment's noise (the sandbox, which checks every request against the
    /// spec, answers a few times slower: a quarter of them).
    fn calls(self, mode: Mode, op: &str, sandbox: bool) -> usize {
        let full = match (self, op) {
            (Runner::Python(..), "tags") => 3000,
            (Runner::Python(..), _) => 1000,
            (_, "tags") => 20000,
            _ => 4000,
        };
        match mode {
            Mode::Full if sandbox => full / 4,
            Mode::Full => full,
            Mode::Smoke => 20,
        }
    }
}

/// Runs one client once: its calls per second.
fn rate(programs: &Programs, runner: Runner, op: &str, server: &Server, placement: Placement) -> Result<f64> {
    let (url, sandbox) = (server.url.as_str(), server.name == SANDBOX);
    let calls = runner.calls(programs.mode, op, sandbox);
    let output = runner
        .command(programs, op, url, calls, placement.cpu(programs.cpus))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("bench runner: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("a bench runner failed ({}): {text}", output.status));
    }
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| *r > 0.0)
        .ok_or_else(|| format!("a bench runner printed {text:?}"))
}

/// One comparison: a front-end against its baseline.
struct Comparison {
    name: &'static str,
    baseline_name: &'static str,
    subject: Runner,
    baseline: Runner,
    target: f64,
}

fn comparisons() -> Vec<Comparison> {
    let typed = Runner::Rust("typed", 1);
    vec![
        Comparison {
            name: "Rust typed `.send()`",
            baseline_name: "bare reqwest + `.json()`",
            subject: typed,
            baseline: Runner::Rust("reqwest", 1),
            target: 0.95,
        },
        Comparison {
            name: "Rust typed `.send()`, 64 in flight",
            baseline_name: "bare reqwest, 64 in flight",
            subject: Runner::Rust("typed", 64),
            baseline: Runner::Rust("reqwest", 64),
            target: 0.95,
        },
        Comparison {
            name: "Rust `call_json` (Python, C, CLI)",
            baseline_name: "bare reqwest + `.json()`",
            subject: Runner::Rust("json", 1),
            baseline: Runner::Rust("reqwest", 1),
            target: 0.95,
        },
        Comparison {
            name: "Rust `call_json`, 64 in flight",
            baseline_name: "bare reqwest, 64 in flight",
            subject: Runner::Rust("json", 64),
            baseline: Runner::Rust("reqwest", 64),
            target: 0.95,
        },
        Comparison {
            name: "C `pk_pancake_*`",
            baseline_name: "Rust typed `.send()`",
            subject: Runner::C,
            baseline: typed,
            target: 0.90,
        },
        Comparison {
            name: "Python `Pancake` (sync, 1 thread)",
            baseline_name: "httpx.Client",
            subject: Runner::Python("pancake", 1, 1),
            baseline: Runner::Python("httpx", 1, 1),
            target: 3.0,
        },
        Comparison {
            name: "Python `Pancake` (sync, 8 threads)",
            baseline_name: "httpx.Client, 8 threads",
            subject: Runner::Python("pancake", 8, 1),
            baseline: Runner::Python("httpx", 8, 1),
            target: 5.0,
        },
        Comparison {
            name: "Python `AsyncPancake` (64 in flight)",
            baseline_name: "aiohttp, 64 in flight",
            subject: Runner::Python("pancake-async", 1, 64),
            baseline: Runner::Python("aiohttp", 1, 64),
            target: 1.2,
        },
    ]
}

/// The median of some numbers.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// One comparison's result on one server and one operation: medians of the rounds, and the
/// lowest and highest of the rounds' ratios.
struct Measured {
    ratio: f64,
    subject: f64,
    baseline: f64,
    lowest: f64,
    highest: f64,
}

impl Comparison {
    /// Whether both of its clients make one call at a time.
    fn one_at_a_time(&self) -> bool {
        self.subject.one_at_a_time() && self.baseline.one_at_a_time()
    }

    /// Where its clients run for the targets: one call at a time on the server's CPU; Rust
    /// clients with calls in flight alone on another (left anywhere, the same client ran at
    /// one rate or at twice it, as the scheduler happened to place its runtime's threads beside
    /// the server or not); Python's anywhere (see [`crate::placement`]).
    fn placement(&self) -> Placement {
        match (self.subject, self.baseline) {
            _ if self.one_at_a_time() => Placement::ServerCpu,
            (Runner::Rust(..), Runner::Rust(..)) => Placement::OtherCpu,
            _ => Placement::Anywhere,
        }
    }
}

/// Alternates the two clients for the rounds (the order flips each round).
fn compare(
    programs: &Programs,
    comparison: &Comparison,
    op: &str,
    server: &Server,
    placement: Placement,
) -> Result<Measured> {
    let (mut ratios, mut subjects, mut baselines) = (Vec::new(), Vec::new(), Vec::new());
    let rate = |runner| rate(programs, runner, op, server, placement);
    for round in 0..programs.mode.rounds() {
        let (subject, baseline) = if round % 2 == 0 {
            let s = rate(comparison.subject)?;
            (s, rate(comparison.baseline)?)
        } else {
            let b = rate(comparison.baseline)?;
            (rate(comparison.subject)?, b)
        };
        ratios.push(subject / baseline);
        subjects.push(subject);
        baselines.push(baseline);
    }
    let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(Measured {
        ratio: median(ratios),
        subject: median(subjects),
        baseline: median(baselines),
        lowest,
        highest,
    })
}

/// A comparison's results: per server, per operation.
struct Row {
    name: &'static str,
    baseline: &'static str,
    target: f64,
    /// `[server][op]`: replay, then sandbox.
    results: Vec<Vec<Measured>>,
    /// Where its clients ran for the targets.
    placement: Placement,
    /// `[op]`, on the replay server with the clients on another CPU than the server's (for
    /// reference; only for clients that make one call at a time, on a machine with two CPUs).
    apart: Option<Vec<Measured>>,
}

/// Everything a run measured.
struct Report {
    mode: Mode,
    rows: Vec<Row>,
    /// Where processes were pinned.
    cpus: Option<Cpus>,
    /// Instructions per call of [`COUNTED`], per operation (none without valgrind).
    instructions: Option<Vec<[f64; 2]>>,
    /// `import pancake_sdk` and `import httpx`, in ms (median).
    imports: (f64, f64),
    /// Peak memory of the export in MiB: (front-end, customers, MiB).
    memory: Vec<(&'static str, usize, f64)>,
    machine: Vec<(String, String)>,
}

const IMPORT_TARGET_MS: f64 = 30.0;
/// How far the export's peak may move between 12,000 and 100,000 customers.
const MEMORY_SPREAD_MIB: f64 = 4.0;

fn measure(mode: Mode) -> Result<Report> {
    let programs = build(mode)?;
    let server_cpu = programs.cpus.map(|cpus| cpus.server);
    let replay = Server::start("replay", placement::on(server_cpu, &programs.bench).arg("replay"))?;
    let sandbox =
        Server::start(SANDBOX, placement::on(server_cpu, &programs.sandbox).args(["--epoch", "1759276800"]))?;
    let mut rows = Vec::new();
    for comparison in comparisons() {
        let mut results = Vec::new();
        for server in [&replay, &sandbox] {
            results.push(compare_ops(&programs, &comparison, server, comparison.placement())?);
        }
        let apart = (programs.cpus.is_some_and(|cpus| cpus.other.is_some()) && comparison.one_at_a_time())
            .then(|| compare_ops(&programs, &comparison, &replay, Placement::OtherCpu))
            .transpose()?;
        rows.push(Row {
            name: comparison.name,
            baseline: comparison.baseline_name,
            target: comparison.target,
            results,
            placement: comparison.placement(),
            apart,
        });
    }
    // A failure of valgrind's leaves the table out, not the run.
    let instructions = instructions(&programs, &replay).unwrap_or_else(|error| {
        eprintln!("bench: no instruction counts: {error}");
        None
    });
    drop((replay, sandbox));
    let imports = (import_ms(&programs, "pancake_sdk")?, import_ms(&programs, "httpx")?);
    println!("import pancake_sdk {:.1} ms, import httpx {:.1} ms", imports.0, imports.1);
    let memory = export_memory(&programs)?;
    Ok(Report { mode, rows, cpus: programs.cpus, instructions, imports, memory, machine: machine(&programs) })
}

/// A comparison on each operation, on one server, its clients placed as told.
fn compare_ops(
    programs: &Programs,
    comparison: &Comparison,
    server: &Server,
    placement: Placement,
) -> Result<Vec<Measured>> {
    let mut per_op = Vec::new();
    // The reference runs of a client that makes one call at a time away from the server.
    let apart = placement == Placement::OtherCpu && comparison.one_at_a_time();
    for (op, _) in OPS {
        let measured = compare(programs, comparison, op, server, placement)?;
        let apart = if apart { " (apart)" } else { "" };
        println!(
            "{:<40} {:<10} {:<9} {:>6.2}x ({:.0} vs {:.0} calls/s; rounds {:.2}-{:.2}){apart}",
            comparison.name,
            server.name,
            op,
            measured.ratio,
            measured.subject,
            measured.baseline,
            measured.lowest,
            measured.highest
        );
        per_op.push(measured);
    }
    Ok(per_op)
}

/// The Rust clients whose instructions are counted, with their names in the table.
const COUNTED: [(&str, &str); 3] = [
    ("reqwest", "bare reqwest + `.json()`"),
    ("typed", "Rust typed `.send()`"),
    ("json", "Rust `call_json`"),
];

/// Instructions per call of each of [`COUNTED`] against the replay server, per operation,
/// counted by callgrind: repeatable where calls per second are not. Only in a full run, and
/// only where valgrind is installed (`None` otherwise).
fn instructions(programs: &Programs, replay: &Server) -> Result<Option<Vec<[f64; 2]>>> {
    let found = Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success());
    if programs.mode != Mode::Full || !found {
        return Ok(None);
    }
    let mut counted = Vec::new();
    for (client, _) in COUNTED {
        let mut per_op = [0.0; 2];
        for (slot, (op, _)) in per_op.iter_mut().zip(OPS) {
            // The difference between two runs leaves out what does not repeat per call
            // (start-up, the warm-up's connections).
            let calls = if op == "tags" { 200 } else { 100 };
            let (fewer, more) = (
                count(programs, client, op, replay, calls)?,
                count(programs, client, op, replay, 3 * calls)?,
            );
            // Each run also makes a tenth of its calls as a warm-up.
            let made = |n: usize| (n + n.div_ceil(10)) as f64;
            *slot = (more - fewer) as f64 / (made(3 * calls) - made(calls));
            println!("instructions per call: {client:<8} {op:<9} {:.0}", *slot);
        }
        counted.push(per_op);
    }
    Ok(Some(counted))
}

/// The instructions one run of the Rust runner executes (its own process, user space), one
/// thread (tokio's current-thread runtime: no second thread's spinning in the count).
fn count(programs: &Programs, client: &'static str, op: &str, server: &Server, calls: usize) -> Result<u64> {
    // The timed run's command, under valgrind (never through `taskset`: valgrind must start the
    // runner itself, or it would count `taskset`).
    let run = Runner::Rust(client, 1).command(programs, op, &server.url, calls, None);
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(run.get_program())
        .args(run.get_args())
        .args(["--runtime", "current-thread"])
        .current_dir(root())
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .map_err(|e| format!("valgrind: {e}"))?;
    let text = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("callgrind of the {client} runner failed ({}): {text}", output.status));
    }
    // `==PID== Collected : N`
    text.lines()
        .find_map(|line| line.split("Collected :").nth(1)?.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("callgrind printed no count:\n{text}"))
}

/// The median over runs of `python -X importtime -c "import <module>"`'s own figure for the
/// module (its import and everything it imports that the interpreter had not).
fn import_ms(programs: &Programs, module: &str) -> Result<f64> {
    let runs = if programs.mode == Mode::Full { 15 } else { 1 };
    let mut times = Vec::new();
    for _ in 0..runs {
        let output = Command::new(&programs.python)
            .args(["-X", "importtime", "-c", &format!("import {module}")])
            .output()
            .map_err(|e| format!("python: {e}"))?;
        let text = String::from_utf8_lossy(&output.stderr);
        // `import time: self [us] | cumulative | imported package`; the top-level line last.
        let cumulative = text
            .lines()
            .filter_map(|line| {
                let mut fields = line.strip_prefix("import time:")?.split('|');
                let cumulative = fields.nth(1)?.trim().parse::<f64>().ok()?;
                (fields.next()?.trim() == module).then_some(cumulative)
            })
            .next_back()
            .ok_or_else(|| format!("no import time for {module}:\n{text}"))?;
        times.push(cumulative / 1000.0);
    }
    Ok(median(times))
}

/// The peak memory of exporting every customer of the sandbox's large page, by the CLI and by
/// Python, with 12,000 and with 100,000 customers.
fn export_memory(programs: &Programs) -> Result<Vec<(&'static str, usize, f64)>> {
    let sizes: &[usize] = if programs.mode == Mode::Full { &[12_000, 100_000] } else { &[300] };
    let mut measured = Vec::new();
    for &customers in sizes {
        let sandbox = Server::start(
            "the sandbox",
            Command::new(&programs.sandbox).args([
                "--epoch",
                "1759276800",
                "--large-page-customers",
                &customers.to_string(),
            ]),
        )?;
        for front in ["cli", "python"] {
            let output = Command::new(&programs.python)
                .arg("bench/python/memory.py")
                .args(["--front", front, "--url", &sandbox.url, "--customers", &customers.to_string()])
                .arg("--cli")
                .arg(&programs.cli)
                .current_dir(root())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("memory.py: {e}"))?;
            let text = String::from_utf8_lossy(&output.stdout);
            if !output.status.success() {
                return Err(format!("the export's memory ({front}, {customers}) failed: {text}"));
            }
            let kib: f64 = text.trim().parse().map_err(|_| format!("memory.py printed {text:?}"))?;
            println!("export of {customers} customers, {front}: peak {:.1} MiB", kib / 1024.0);
            measured.push((front, customers, kib / 1024.0));
        }
    }
    Ok(measured)
}

fn first_line(command: &mut Command) -> String {
    command
        .output()
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text).lines().next().unwrap_or("").trim().to_string()
        })
        .unwrap_or_else(|| "(not found)".into())
}

/// What the numbers were measured on.
fn machine(programs: &Programs) -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split(':').nth(1)))
        .unwrap_or("?")
        .trim()
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let locked = |name: &str| {
        let mut lines = lock.lines();
        while let Some(line) = lines.next() {
            if line == format!("name = \"{name}\"") {
                return lines
                    .next()
                    .and_then(|v| v.strip_prefix("version = "))
                    .unwrap_or("?")
                    .trim_matches('"')
                    .to_string();
            }
        }
        "?".into()
    };
    let python_package = |name: &str| {
        first_line(
            Command::new(&programs.python)
                .args(["-c", &format!("import importlib.metadata as m; print(m.version({name:?}))")]),
        )
    };
    vec![
        ("CPU".into(), format!("{cpu}, {cores} cores")),
        ("Kernel".into(), first_line(Command::new("uname").args(["-sr"]))),
        ("Rust".into(), first_line(Command::new("rustc").arg("-V"))),
        ("C compiler".into(), first_line(Command::new("gcc").arg("--version"))),
        ("Python".into(), first_line(Command::new(&programs.python).arg("--version"))),
        (
            "reqwest / hyper / tokio".into(),
            format!("{} / {} / {}", locked("reqwest"), locked("hyper"), locked("tokio")),
        ),
        ("httpx / aiohttp".into(), format!("{} / {}", python_package("httpx"), python_package("aiohttp"))),
        ("pancake-sdk".into(), locked("pancake-sdk")),
        ("Build".into(), format!("{} profile", programs.mode.profile())),
    ]
}

mod report;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
