//! What a bench run writes: `BENCHMARKS.md`, the chart (`docs/benchmarks.svg`) and the
//! README's headline table.

use std::fmt::Write as _;

use super::{COUNTED, IMPORT_TARGET_MS, MEMORY_SPREAD_MIB, Measured, Mode, OPS, Report, write};
use crate::placement::{Cpus, Placement};
use crate::{Result, root};

impl Report {
    /// The comparisons and figures that miss their targets (on the replay server).
    pub(super) fn missed(&self) -> Vec<String> {
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

    pub(super) fn markdown(&self) -> String {
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
            self.placement_text()
        );
        for (server, title) in [(0, "Replay server"), (1, "Sandbox")] {
            let _ = writeln!(md, "## {title}: calls per second, as a ratio\n");
            let _ = writeln!(
                md,
                "| front-end | compared with | {} | {} | target | clients' CPU |",
                OPS[0].1, OPS[1].1
            );
            let _ = writeln!(md, "|---|---|---|---|---|---|");
            for row in &self.rows {
                let cell = |m: &Measured| {
                    let mark = if server == 0 && m.ratio < row.target { " (missed)" } else { "" };
                    format!(
                        "**{:.2}x**{mark} ({}; rounds {:.2}-{:.2})",
                        m.ratio,
                        rates(m),
                        m.lowest,
                        m.highest
                    )
                };
                let cpu = match (self.cpus, row.placement) {
                    (None, _) => "not pinned",
                    (Some(_), Placement::ServerCpu) => "the server's",
                    (Some(Cpus { other: Some(_), .. }), Placement::OtherCpu) => "another, alone",
                    (Some(_), _) => "any",
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | >= {:.2}x | {cpu} |",
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
                let cells: Vec<String> = apart
                    .iter()
                    .map(|m| {
                        format!("{:.2}x ({}; rounds {:.2}-{:.2})", m.ratio, rates(m), m.lowest, m.highest)
                    })
                    .collect();
                let _ = writeln!(md, "| {} | {} | {} |", row.name, row.baseline, cells.join(" | "));
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
    fn placement_text(&self) -> String {
        match self.cpus {
            Some(Cpus { server, other }) => format!(
                "Placement (`taskset`): both servers run on CPU {server}. A client that makes one call \
                 at a time runs on that CPU too: the two hand over to each other, so its rate \
                 measures its own cost, plus the server's and the switches between them (the \
                 same for both clients of a comparison). On a CPU of its own, such a client \
                 leaves that CPU idle at every wait for an answer; on a virtual machine, waking \
                 it can cost more than a small call itself, by an amount that differs from run \
                 to run{}. Pinned to one CPU, the Rust runner's multi-thread runtime has one \
                 worker. {} Each cell gives the medians of the rounds' calls \
                 per second and the lowest and highest of the rounds' ratios.",
                if other.is_some() { " (a table below measures that placement)" } else { "" },
                match other {
                    Some(other) => format!(
                        "Rust clients that make calls concurrently run alone on CPU {other}, the \
                         server on CPU {server}: their own cost bounds their rate. (Left to the \
                         scheduler, the same concurrent client ran at one rate or at twice it, \
                         as its runtime's threads happened to land beside the server or not.) \
                         Python clients that make calls concurrently run on any CPU (sharing CPU \
                         {server} with the server): the SDK's work runs beside the interpreter, \
                         on the other CPU."
                    ),
                    None => format!(
                        "Clients that make calls concurrently run on any CPU (sharing CPU \
                         {server} with the server)."
                    ),
                }
            ),
            None => "Placement: processes are not pinned to CPUs (no `taskset` here): where the \
                     scheduler puts a client that makes one call at a time changes its rate."
                .into(),
        }
    }

    /// A bar chart of the replay server's ratios against their targets, as SVG.
    pub(super) fn chart(&self) -> String {
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

/// A measurement's median calls per second, the SDK's and the baseline's.
fn rates(m: &Measured) -> String {
    format!("{:.0} vs {:.0}/s", m.subject, m.baseline)
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
pub(super) fn readme(report: &Report) -> Result {
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
}
