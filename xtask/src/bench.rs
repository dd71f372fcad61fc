//! `cargo xtask bench`: every front-end of the SDK against a bare client of its language, on
//! loopback, as ratios of calls per second; `import pancake_sdk`'s time; the export's peak
//! memory. Writes `BENCHMARKS.md` and `docs/benchmarks.svg` (which the README shows).
//!
//! Each measurement is a process of its own (`bench/`: the Rust runner, `bench/c/bench.c`,
//! `bench/python/bench.py`) that warms up, times its calls and prints calls per second; the
//! two clients of a comparison run alternately, five rounds, and the ratio is the median of
//! the rounds' ratios. The servers: one that only replays fixed bytes (so the client's own
//! cost shows) and the sandbox, pinned to one CPU; a client that makes one call at a time
//! runs on the server's CPU (and, for reference, on another), a concurrent one anywhere (see
//! [`crate::placement`]).
//!
//! A full run also counts the instructions per call of the Rust clients with callgrind, where
//! valgrind is installed: figures that, unlike calls per second, repeat from run to run.
//!
//! `cargo xtask test` runs [`smoke`]: debug builds, one short round, nothing written to the
//! repository. Benchmarks are never timed tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::placement::{self, Cpus};
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
    readme(&report)?;
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

/// Where a comparison's clients run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// On the server's CPU.
    ServerCpu,
    /// On another CPU than the server's.
    OtherCpu,
    /// Wherever the scheduler puts them.
    Anywhere,
}

impl Placement {
    /// The CPU this placement pins a client to, on a machine whose CPUs are `cpus`.
    fn cpu(self, cpus: Option<Cpus>) -> Option<u32> {
        match self {
            Placement::ServerCpu => cpus.map(|c| c.server),
            Placement::OtherCpu => cpus.and_then(|c| c.other),
            Placement::Anywhere => None,
        }
    }
}

impl Runner {
    /// Whether it makes one call at a time.
    fn one_at_a_time(self) -> bool {
        matches!(self, Runner::Rust(_, 1) | Runner::C | Runner::Python(_, 1, 1))
    }

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

    /// Calls per run: about a second in a release build (the sandbox, which checks every
    /// request against the spec, answers a few times slower: a quarter of them).
    fn calls(self, mode: Mode, op: &str, sandbox: bool) -> usize {
        let full = match (self, op) {
            (Runner::Python(..), "tags") => 3000,
            (Runner::Python(..), _) => 1000,
            (_, "tags") => 6000,
            _ => 2000,
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

/// One comparison's result on one server and one operation.
struct Measured {
    ratio: f64,
    subject: f64,
    baseline: f64,
}

impl Comparison {
    /// Whether both of its clients make one call at a time.
    fn one_at_a_time(&self) -> bool {
        self.subject.one_at_a_time() && self.baseline.one_at_a_time()
    }

    /// Where its clients run for the targets: one call at a time on the server's CPU, else
    /// anywhere.
    fn placement(&self) -> Placement {
        if self.one_at_a_time() { Placement::ServerCpu } else { Placement::Anywhere }
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
    Ok(Measured { ratio: median(ratios), subject: median(subjects), baseline: median(baselines) })
}

/// A comparison's results: per server, per operation.
struct Row {
    name: &'static str,
    baseline: &'static str,
    target: f64,
    /// `[server][op]`: replay, then sandbox.
    results: Vec<Vec<Measured>>,
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
        let apart = programs.cpus.is_some_and(|cpus| cpus.other.is_some()) && comparison.one_at_a_time();
        let apart = if apart {
            Some(compare_ops(&programs, &comparison, &replay, Placement::OtherCpu)?)
        } else {
            None
        };
        rows.push(Row {
            name: comparison.name,
            baseline: comparison.baseline_name,
            target: comparison.target,
            results,
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
    for (op, _) in OPS {
        let measured = compare(programs, comparison, op, server, placement)?;
        let apart = if placement == Placement::OtherCpu { " (apart)" } else { "" };
        println!(
            "{:<40} {:<10} {:<9} {:>6.2}x ({:.0} vs {:.0} calls/s){apart}",
            comparison.name, server.name, op, measured.ratio, measured.subject, measured.baseline
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
    // The timed run's command, under valgrind.
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

impl Report {
    /// The comparisons and figures that miss their targets (on the replay server).
    fn missed(&self) -> Vec<String> {
        let mut missed = Vec::new();
        for row in &self.rows {
            for ((op, _), measured) in OPS.iter().zip(&row.results[0]) {
                if measured.ratio < row.target {
                    missed.push(format!("{} on {op}: {:.2}x < {:.2}x", row.name, measured.ratio, row.target));
                }
            }
        }
        if self.imports.0 > IMPORT_TARGET_MS {
            missed.push(format!("import pancake_sdk: {:.1} ms > {IMPORT_TARGET_MS} ms", self.imports.0));
        }
        for front in ["cli", "python"] {
            let peaks: Vec<f64> = self.memory.iter().filter(|m| m.0 == front).map(|m| m.2).collect();
            let spread = peaks.iter().copied().fold(f64::MIN, f64::max)
                - peaks.iter().copied().fold(f64::MAX, f64::min);
            if spread > MEMORY_SPREAD_MIB {
                missed.push(format!("the {front} export's peak memory moves {spread:.1} MiB"));
            }
        }
        missed
    }

    fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Benchmarks\n");
        let _ = writeln!(
            md,
            "Written by `cargo xtask bench`{}; do not edit by hand. The chart is \
             [`docs/benchmarks.svg`](docs/benchmarks.svg).\n",
            if self.mode == Mode::Smoke {
                " (a smoke run: debug builds, one short round; the numbers mean nothing)"
            } else {
                ""
            }
        );
        let _ = writeln!(md, "## Machine\n\n| | |\n|---|---|");
        for (key, value) in &self.machine {
            let _ = writeln!(md, "| {key} | {value} |");
        }
        let _ = writeln!(
            md,
            "\n## Method\n\n\
             Each client is a process of its own that opens its connections in a warm-up, then \
             times a fixed number of calls and prints its calls per second: the Rust runner \
             (`bench/src`), `bench/c/bench.c` (the typed C functions) and \
             `bench/python/bench.py`. The two clients of a comparison run alternately, {} rounds \
             (the order flips each round); a ratio is the median of the rounds' ratios (above 1: \
             the SDK is faster). Every client reads the whole answer and counts its items: the \
             Rust baseline decodes it into the SDK's own types with `.json()`, httpx and aiohttp \
             into dicts, Python's `Pancake` into dicts, C takes the JSON text, and the Rust \
             `call_json` runner skims the checked bytes for the items (what reading them takes \
             at the least). Client-side pacing is off.\n\n\
             Two servers on 127.0.0.1: one that only replays fixed bytes (the sandbox's answers, \
             captured once: `bench/src/replay.rs`; one thread), so the client's own cost shows, \
             and the sandbox itself (which checks every request against the spec; its cost \
             dominates). The targets apply to the replay server.\n\n{}\n",
            self.mode.rounds(),
            self.placement()
        );
        for (server, title) in [(0, "Replay server"), (1, "Sandbox")] {
            let _ = writeln!(md, "## {title}: calls per second, as a ratio\n");
            let _ = writeln!(md, "| front-end | compared with | {} | {} | target |", OPS[0].1, OPS[1].1);
            let _ = writeln!(md, "|---|---|---|---|---|");
            for row in &self.rows {
                let cell = |m: &Measured| {
                    let mark = if server == 0 && m.ratio < row.target { " (missed)" } else { "" };
                    format!("**{:.2}x**{mark} ({:.0} vs {:.0}/s)", m.ratio, m.subject, m.baseline)
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | >= {:.2}x |",
                    row.name,
                    row.baseline,
                    cell(&row.results[server][0]),
                    cell(&row.results[server][1]),
                    row.target
                );
            }
            let _ = writeln!(md);
        }
        if self.rows.iter().any(|row| row.apart.is_some()) {
            let _ = writeln!(
                md,
                "## Replay server, one call at a time, each client on another CPU than the server's\n\n\
                 For reference (the targets apply to the first table): the same comparisons with \
                 every wait for an answer leaving the client's CPU idle, to be woken when the answer \
                 comes.\n"
            );
            let _ = writeln!(md, "| front-end | compared with | {} | {} |", OPS[0].1, OPS[1].1);
            let _ = writeln!(md, "|---|---|---|---|");
            for row in &self.rows {
                let Some(apart) = &row.apart else { continue };
                let cell =
                    |m: &Measured| format!("{:.2}x ({:.0} vs {:.0}/s)", m.ratio, m.subject, m.baseline);
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    row.name,
                    row.baseline,
                    cell(&apart[0]),
                    cell(&apart[1])
                );
            }
            let _ = writeln!(md);
        }
        if let Some(counted) = &self.instructions {
            let _ = writeln!(
                md,
                "## Instructions per call: the Rust clients, replay server\n\n\
                 callgrind (valgrind) counts the instructions that the Rust runner's own process \
                 executes (user space: the kernel's share is not counted), one thread (tokio's \
                 current-thread runtime), over two runs of different lengths; the difference, per \
                 call. Unlike calls per second, these counts come out the same run after run, \
                 whatever else the machine does. In brackets: the bare client's count over the \
                 SDK's (above 1: the SDK executes fewer).\n"
            );
            let _ = writeln!(md, "| client | {} | {} |\n|---|---|---|", OPS[0].1, OPS[1].1);
            let bare = counted[0];
            for ((_, name), per_op) in COUNTED.iter().zip(counted) {
                let cell = |i: usize| {
                    let ratio = if per_op == &bare {
                        String::new()
                    } else {
                        format!(" ({:.2}x)", bare[i] / per_op[i])
                    };
                    format!("{}{ratio}", thousands(per_op[i]))
                };
                let _ = writeln!(md, "| {name} | {} | {} |", cell(0), cell(1));
            }
            let _ = writeln!(md);
        }
        let _ = writeln!(
            md,
            "## Import\n\n`python -X importtime -c \"import …\"`, the module's cumulative time, median of \
             the runs.\n\n| module | ms | target |\n|---|---|---|\n| `pancake_sdk` | {:.1} | <= {IMPORT_TARGET_MS:.0} ms |\n| `httpx` | {:.1} | |\n",
            self.imports.0, self.imports.1
        );
        let _ = writeln!(
            md,
            "## Export memory\n\nEvery customer of the sandbox's large page written to a JSON Lines \
             file: `pancake pancake export customers` (the CLI) and `iter_page_customers` in \
             Python (`bench/python/memory.py`); the process's peak resident memory. It stays flat \
             when the list grows (target: within {MEMORY_SPREAD_MIB:.0} MiB).\n\n| front-end | customers | peak MiB |\n|---|---|---|"
        );
        for (front, customers, mib) in &self.memory {
            let _ = writeln!(md, "| {front} | {customers} | {mib:.1} |");
        }
        md
    }

    /// Where the processes ran, as the method tells it.
    fn placement(&self) -> String {
        match self.cpus {
            Some(Cpus { server, other }) => format!(
                "Placement (`taskset`): both servers run on CPU {server}. A client that makes one call \
                 at a time runs on that CPU too: the two hand over to each other, and the \
                 measure is the client's own cost. On a CPU of its own, such a client leaves \
                 that CPU idle at every wait for an answer, and waking it costs this virtual \
                 machine more than a small call itself, by an amount that differs from run to \
                 run{}. Clients that make calls concurrently run on any CPU.",
                if other.is_some() { " (see the table of that placement below)" } else { "" }
            ),
            None => "Placement: processes are not pinned to CPUs (no `taskset` here): where the \
                     scheduler puts a client that makes one call at a time changes its rate."
                .into(),
        }
    }

    /// A bar chart of the replay server's ratios against their targets, as SVG.
    fn chart(&self) -> String {
        let bars: Vec<(String, f64, f64)> = self
            .rows
            .iter()
            .flat_map(|row| {
                OPS.iter()
                    .zip(&row.results[0])
                    .map(move |((op, _), m)| (format!("{}, {op}", row.name), m.ratio, row.target))
            })
            .collect();
        let (left, bar_height, gap, width) = (330.0, 16.0, 6.0, 420.0);
        let most = bars.iter().map(|b| b.1.max(b.2)).fold(1.0, f64::max) * 1.1;
        let scale = |x: f64| left + x / most * width;
        let height = 50.0 + bars.len() as f64 * (bar_height + gap) + 30.0;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">",
            left + width + 80.0
        );
        let _ = writeln!(svg, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        let _ = writeln!(
            svg,
            "<text x=\"10\" y=\"20\" font-size=\"13\" font-weight=\"bold\">pancake-sdk against a bare client of each language: calls/s ratio (replay server)</text>"
        );
        let _ = writeln!(
            svg,
            "<text x=\"10\" y=\"36\" fill=\"#555\">bar: measured; black tick: target; above 1 the SDK is faster</text>"
        );
        for (i, (label, ratio, target)) in bars.iter().enumerate() {
            let y = 50.0 + i as f64 * (bar_height + gap);
            let color = if ratio >= target { "#2e7d32" } else { "#c62828" };
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                left - 6.0,
                y + 12.0,
                escape(label)
            );
            let _ = writeln!(
                svg,
                "<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{bar_height}\" fill=\"{color}\"/>",
                scale(*ratio) - left
            );
            let tx = scale(*target);
            let _ = writeln!(
                svg,
                "<line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"black\" stroke-width=\"2\"/>",
                y - 2.0,
                y + bar_height + 2.0
            );
            let _ =
                writeln!(svg, "<text x=\"{:.1}\" y=\"{}\">{ratio:.2}x</text>", scale(*ratio) + 4.0, y + 12.0);
        }
        let axis = 50.0 + bars.len() as f64 * (bar_height + gap) + 4.0;
        let one = scale(1.0);
        let _ = writeln!(
            svg,
            "<line x1=\"{one:.1}\" x2=\"{one:.1}\" y1=\"46\" y2=\"{axis}\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>"
        );
        let _ = writeln!(
            svg,
            "<text x=\"{one:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">1x</text>",
            axis + 14.0
        );
        svg.push_str("</svg>\n");
        svg
    }
}

/// A count with thousands separated by commas.
fn thousands(count: f64) -> String {
    let digits = format!("{:.0}", count.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('`', "")
}

/// Puts the run's headline numbers in the README, between its bench markers.
fn readme(report: &Report) -> Result {
    let path = root().join("README.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (start, end) = ("<!-- bench:start -->", "<!-- bench:end -->");
    let (Some(a), Some(b)) = (text.find(start), text.find(end)) else {
        return Err("README.md has no <!-- bench:start --> / <!-- bench:end --> markers".into());
    };
    let mut table =
        String::from("\n| front-end | compared with | tags | customers | target |\n|---|---|---|---|---|\n");
    for row in &report.rows {
        let _ = writeln!(
            table,
            "| {} | {} | {:.2}x | {:.2}x | >= {:.2}x |",
            row.name, row.baseline, row.results[0][0].ratio, row.results[0][1].ratio, row.target
        );
    }
    let _ = writeln!(
        table,
        "\n`import pancake_sdk`: {:.0} ms (target <= {IMPORT_TARGET_MS:.0} ms; `import httpx`: {:.0} ms).",
        report.imports.0, report.imports.1
    );
    let updated = format!("{}{start}\n{table}\n{}", &text[..a], &text[b..]);
    write(&path, &updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_with_thousands_separated() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(141_514.2), "141,514");
        assert_eq!(thousands(1_576_491.0), "1,576,491");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
