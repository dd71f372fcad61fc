//! `pancake pancake export <list>`: every item of a list, page after page (with the client's
//! pacing and retries), as JSON Lines or CSV, to a file or stdout; `--resume` continues an
//! interrupted export of a file without losing or repeating a record.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, IsTerminal, Read, Seek, SeekFrom, Write};

use clap::{Arg, ArgAction, ArgMatches, Command};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use pancake_sdk::CallOptions;
use serde_json::Value;

use crate::Clients;
use crate::arguments::arguments;
use crate::operations::OPERATIONS;
use crate::output::Failure;
use crate::table::{Api, Operation, list};

/// The name of a list in `export` (from the table: `list_page_customers` -> `customers`).
fn export_name(op: &Operation) -> String {
    op.export.unwrap_or(op.id).to_string()
}

fn lists(api: Api) -> impl Iterator<Item = &'static Operation> {
    OPERATIONS.iter().filter(move |op| op.api == api && op.list)
}

/// The `export` command of an API, with one subcommand per list (its flags, less the page
/// cursor); `None` for an API without lists.
pub fn command(api: Api) -> Option<Command> {
    lists(api).next()?;
    let mut command = Command::new("export")
        .about("Write every item of a list (every page) as JSON Lines or CSV")
        .long_about(
            "Walk every page of a list with the client's pacing (Pancake: 5 calls per page per second) and \
             retries, and write its items as JSON Lines (every field kept) or CSV (the columns \
             of the first item; nested values as JSON). With --output-file and --resume, an \
             interrupted export continues where it stopped, without losing or repeating a record.",
        )
        .subcommand_required(true);
    for op in lists(api) {
        let cursor = list(op.api, op.id).map(|l| l.cursor.param());
        let mut sub = Command::new(export_name(op)).about(format!("Every item of {}", op.command));
        for flag in op.params.iter().filter(|f| Some(f.name) != cursor && f.name != "page_size") {
            let mut arg = Arg::new(flag.name).long(flag.long).help(flag.help);
            if !flag.values.is_empty() {
                arg = arg.value_parser(flag.values.to_vec());
            }
            sub = sub.arg(arg.required(flag.required));
        }
        sub = sub
            .arg(
                Arg::new("format")
                    .long("format")
                    .value_parser(["jsonl", "csv"])
                    .default_value("jsonl")
                    .help("Output format"),
            )
            .arg(
                Arg::new("output-file")
                    .long("output-file")
                    .short('o')
                    .value_name("FILE")
                    .help("Write to FILE (default: stdout)"),
            )
            .arg(
                Arg::new("resume")
                    .long("resume")
                    .action(ArgAction::SetTrue)
                    .requires("output-file")
                    .help("Continue the export already in FILE: keep its complete records, fetch the rest"),
            );
        command = command.subcommand(sub);
    }
    Some(command)
}

/// Runs an export of a list of `api`.
pub async fn run(clients: &Clients, api: Api, matches: &ArgMatches) -> Result<(), Failure> {
    let (name, sub) = matches.subcommand().ok_or_else(|| Failure::usage("a list is needed"))?;
    let op = lists(api)
        .find(|op| export_name(op) == name)
        .ok_or_else(|| Failure::usage(format!("no list {name}")))?;
    let args = arguments(op, sub)?;
    let csv = sub.get_one::<String>("format").is_some_and(|f| f == "csv");
    let path = sub.get_one::<String>("output-file");

    // What this export is, kept beside the file, so that a resume continues the same one.
    let settings = serde_json::json!({ "list": name, "format": if csv { "csv" } else { "jsonl" }, "args": Value::Object(args) });
    let resuming = sub.get_flag("resume") && path.is_some_and(|p| std::path::Path::new(p).exists());
    let (mut sink, done, columns, mut written_ids): (
        Box<dyn Write>,
        u64,
        Option<Vec<String>>,
        HashSet<String>,
    ) = match path {
        Some(path) if resuming => {
            same_export(path, &settings)?;
            let (file, kept) = reopen(path, csv)?;
            (Box::new(BufWriter::new(file)), kept.count, kept.columns, kept.ids)
        }
        Some(path) => {
            let file = File::create(path).map_err(|e| Failure::other(format!("{path}: {e}")))?;
            let state = state_path(path);
            std::fs::write(&state, settings.to_string())
                .map_err(|e| Failure::other(format!("{state}: {e}")))?;
            (Box::new(BufWriter::new(file)), 0, None, HashSet::new())
        }
        None => (Box::new(std::io::stdout().lock()), 0, None, HashSet::new()),
    };
    let mut csv_out = csv.then_some(CsvOut { columns });

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} {msg} ({per_sec}) {elapsed}")
                .unwrap_or(ProgressStyle::default_spinner()),
        );
        bar.set_message(name.to_string());
        bar.set_position(done);
        Some(bar)
    } else {
        None
    };
    let mut items =
        clients.of(api).stream_json(op.id, settings["args"].clone(), CallOptions::default(), done)?;
    let mut written = 0u64;
    let write_error = Failure::write;
    while let Some(item) = items.try_next().await? {
        // A list that shifted since the interruption may give again a record the file has.
        if !written_ids.is_empty() && identity(&item.value()).is_some_and(|id| written_ids.remove(&id)) {
            continue;
        }
        match &mut csv_out {
            Some(csv) => csv.write(&mut sink, &item.value()).map_err(write_error)?,
            None => json_line(&mut sink, &item).map_err(write_error)?,
        }
        written += 1;
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    sink.flush().map_err(write_error)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(path) = path {
        eprintln!("exported {} {name} to {path} ({written} fetched now)", done + written);
    }
    Ok(())
}

/// Writes an item as one line: its bytes as they came, unless they span lines (a server that
/// formats its JSON), when it is written again compact.
fn json_line(sink: &mut Box<dyn Write>, item: &pancake_sdk::Json) -> std::io::Result<()> {
    if item.as_bytes().iter().any(|b| *b == b'\n' || *b == b'\r') {
        writeln!(sink, "{}", item.value())
    } else {
        sink.write_all(item.as_bytes())?;
        sink.write_all(b"\n")
    }
}

fn state_path(path: &str) -> String {
    format!("{path}.export.json")
}

/// Refuses to resume a file made by another export (another list, format or arguments).
fn same_export(path: &str, settings: &Value) -> Result<(), Failure> {
    let state = state_path(path);
    let recorded: Option<Value> =
        std::fs::read_to_string(&state).ok().and_then(|text| serde_json::from_str(&text).ok());
    match recorded {
        Some(recorded) if &recorded == settings => Ok(()),
        Some(recorded) => Err(Failure::usage(format!(
            "{path} holds another export ({recorded}); resume it with the same list, format and flags, or export to a new file"
        ))),
        None => Err(Failure::usage(format!(
            "{path} was not written by `pancake pancake export` ({state} is missing)"
        ))),
    }
}

/// What identifies a record: its `id` (or `call_id`).
fn identity(item: &Value) -> Option<String> {
    ["id", "call_id"]
        .iter()
        .find_map(|key| item.get(*key))
        .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string))
}

/// What an interrupted export keeps of its file.
struct Kept {
    /// Bytes kept.
    bytes: usize,
    /// Records kept.
    count: u64,
    /// The CSV columns.
    columns: Option<Vec<String>>,
    /// The ids of the records kept.
    ids: HashSet<String>,
}

/// Reopens an interrupted export: keeps its complete records (a half-written last one is cut
/// off), and tells how many there are, the CSV columns, and the ids of the records kept.
fn reopen(path: &str, csv: bool) -> Result<(File, Kept), Failure> {
    let fail = |e: std::io::Error| Failure::other(format!("{path}: {e}"));
    let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(fail)?;
    let kept = if csv { complete_csv(&bytes) } else { complete_lines(&bytes) };
    file.set_len(kept.bytes as u64).map_err(fail)?;
    file.seek(SeekFrom::End(0)).map_err(fail)?;
    Ok((file, kept))
}

/// JSON Lines: the bytes up to the last newline, the number of lines in them, their ids.
fn complete_lines(bytes: &[u8]) -> Kept {
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let lines: Vec<&[u8]> = bytes[..keep].split(|b| *b == b'\n').filter(|line| !line.is_empty()).collect();
    let ids = lines
        .iter()
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .filter_map(|v| identity(&v));
    Kept { bytes: keep, count: lines.len() as u64, columns: None, ids: ids.collect() }
}

/// CSV: the bytes of the header and of the complete records but the last (a record cut inside
/// a quoted field can look complete, so the last one is always fetched again), their number,
/// the columns, and the records' ids.
fn complete_csv(bytes: &[u8]) -> Kept {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut columns: Option<Vec<String>> = None;
    let mut ends = Vec::new();
    let mut ids = Vec::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let end = reader.position().byte() as usize;
        match &columns {
            None => columns = Some(record.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect()),
            Some(header) if record.len() == header.len() => {
                let id_column = header.iter().position(|c| c == "id" || c == "call_id");
                ids.push(
                    id_column.and_then(|i| record.get(i)).map(|id| String::from_utf8_lossy(id).into_owned()),
                );
            }
            Some(_) => break,
        }
        ends.push(end);
    }
    // ends[0] is where the header ends, ends[k] where record k ends: keep all records but the last.
    let kept = ends.len().saturating_sub(2);
    match (&columns, ends.first()) {
        (Some(_), Some(&header_end)) if header_end > 0 && bytes.get(header_end - 1) == Some(&b'\n') => {
            let keep = if kept == 0 { header_end } else { ends[kept] };
            Kept {
                bytes: keep,
                count: kept as u64,
                columns,
                ids: ids.into_iter().take(kept).flatten().collect(),
            }
        }
        _ => Kept { bytes: 0, count: 0, columns: None, ids: HashSet::new() },
    }
}

/// CSV output: the columns of the first item (or of the file being resumed).
struct CsvOut {
    columns: Option<Vec<String>>,
}

impl CsvOut {
    fn write(&mut self, sink: &mut Box<dyn Write>, item: &Value) -> std::io::Result<()> {
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        if self.columns.is_none() {
            let columns: Vec<String> =
                item.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
            writer.write_record(&columns)?;
            self.columns = Some(columns);
        }
        let cells: Vec<String> = self
            .columns
            .iter()
            .flatten()
            .map(|column| match item.get(column) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        writer.write_record(&cells)?;
        let bytes = writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
        sink.write_all(&bytes)
    }
}
