//! The command line, built from the generated table of operations, and running one operation.

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use clap_complete::Shell;
use pancake_sdk::CallOptions;
use serde_json::Value;

use crate::Clients;
use crate::arguments::arguments;
use crate::operations::OPERATIONS;
use crate::output::{self, Failure};
use crate::table::{Api, Flag, Kind, Operation};

const ABOUT: &str = "Every operation of the Pancake (pages.fm) and Botcake public APIs.

Try it with no token: pancake --sandbox pancake list-pages";

const EXIT_CODES: &str =
    "Exit codes: 0 success; 2 bad usage; 3 an input the API would refuse (nothing was sent);
4 a missing token; 5 no answer (connection failed or timed out); 6 an HTTP error status;
7 an API error (success: false); 8 a send whose outcome is unknown (it may have been
delivered: check before sending again); 9 an answer that does not decode; 10 a list whose
pages do not add up; 11 an answer larger than --max-response-bytes; 1 anything else.

Error messages never show a token: the SDK redacts the tokens it holds from every error,
including text the server sent back.";

/// The whole command line.
pub fn cli() -> Command {
    Command::new("pancake")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .after_long_help(EXIT_CODES)
        .subcommand_required(true)
        .arg(
            global("sandbox", "Start the embedded sandbox and run the command against it (no token needed)")
                .action(ArgAction::SetTrue),
        )
        .arg(global("base-url", "Base URL of the API host in place of the real one (a proxy, a sandbox)"))
        .arg(global(
            "botcake-base-url",
            "Botcake's base URL, path included (default: --base-url + /api/public_api/v1)",
        ))
        .arg(secret("page-token", "PANCAKE_PAGE_ACCESS_TOKEN", "Pancake page token"))
        .arg(secret("user-token", "PANCAKE_USER_ACCESS_TOKEN", "Pancake user token"))
        .arg(secret("botcake-token", "BOTCAKE_ACCESS_TOKEN", "Botcake page token"))
        .arg(
            global("output", "json: the answer (pretty on a terminal); jsonl: a list's items, one per line")
                .value_parser(["json", "jsonl"])
                .default_value("json"),
        )
        .arg(global("timeout", "Seconds one request may take").value_parser(seconds))
        .arg(
            global("deadline", "Seconds a whole call may take, retries and waits included (default 60)")
                .value_parser(seconds),
        )
        .arg(
            global("max-response-bytes", "The largest answer read, in bytes (default 33554432, 32 MiB)")
                .value_parser(value_parser!(u64).range(1..)),
        )
        .arg(
            global("verbose", "Log each call and attempt on stderr (operation, route, status, duration)")
                .short('v')
                .action(ArgAction::SetTrue),
        )
        .arg(
            global("max-retries", "Retries of a read after a transient failure (sends are never repeated)")
                .value_parser(value_parser!(u32)),
        )
        .arg(
            global("rate-limit", "Pancake calls per page per second the client allows itself (0: no pacing)")
                .value_parser(value_parser!(u32))
                .default_value("5"),
        )
        .subcommand(api_command(
            "botcake",
            Api::Botcake,
            "The Botcake API: flows, keywords, menus, tools, sends",
        ))
        .subcommand(api_command(
            "pancake",
            Api::Pancake,
            "The Pancake API: conversations, customers, posts, statistics, sends",
        ))
        .subcommand(crate::webhooks::command())
        .subcommand(
            Command::new("completions")
                .about("Print a shell completion script")
                .arg(Arg::new("shell").required(true).value_parser(value_parser!(Shell))),
        )
}

/// A positive, finite number of seconds.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text} is not a positive, finite number of seconds"))
}

fn global(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name).long(name).global(true).help(help).help_heading("Global options")
}

fn secret(name: &'static str, variable: &'static str, help: &'static str) -> Arg {
    global(name, help).env(variable).hide_env_values(true)
}

fn api_command(name: &'static str, api: Api, about: &'static str) -> Command {
    let mut command = Command::new(name).about(about).subcommand_required(true);
    for op in OPERATIONS.iter().filter(|op| op.api == api) {
        command = command.subcommand(operation_command(op));
    }
    match crate::export::command(api) {
        Some(export) => command.subcommand(export),
        None => command,
    }
}

fn operation_command(op: &'static Operation) -> Command {
    let mut command =
        Command::new(op.command).about(op.summary).long_about(format!("{}\n\n{}", op.summary, op.about));
    for flag in op.params {
        command = command.arg(flag_arg(flag, None));
    }
    for flag in op.body {
        // A required body field may come from `--body-file` instead (or, for a media send, the
        // body from its files alone).
        let unless: &[&str] = if op.media.is_some() { &["body-file", "file"] } else { &["body-file"] };
        command = command.arg(flag_arg(flag, Some(unless)));
    }
    if let Some(upload) = &op.upload {
        command = command
            .arg(
                Arg::new(upload.field)
                    .long(upload.field)
                    .value_name("PATH")
                    .required(true)
                    .help("The file to upload (its name and MIME type come from the path)"),
            )
            .arg(
                Arg::new("mime-type")
                    .long("mime-type")
                    .value_name("TYPE")
                    .help("The file's MIME type, in place of the one its name suggests"),
            )
            .arg(Arg::new("platform").long("platform").help(format!(
                "The page's platform, whose documented limits apply ({}; any other: other)",
                upload.platforms.join(", ")
            )));
    }
    if let Some(platforms) = op.media {
        command = command
            .arg(
                Arg::new("file")
                    .long("file")
                    .value_name("PATH")
                    .action(clap::ArgAction::Append)
                    .help("A file to upload and send (repeat for several): uploads them, then sends their content ids"),
            )
            .arg(
                Arg::new("platform").long("platform").requires("file").help(format!(
                    "The page's platform: how many files a call takes ({}; any other: other), and each file's limits",
                    platforms.join(", ")
                )),
            );
    }
    if !op.body.is_empty() {
        command =
            command.arg(Arg::new("body-file").long("body-file").value_name("FILE").help(
                "The request body as a JSON object, from FILE or - for stdin (flags override its fields)",
            ));
    }
    command
}

fn flag_arg(flag: &'static Flag, unless: Option<&'static [&'static str]>) -> Arg {
    let mut arg = Arg::new(flag.name).long(flag.long).help(flag.help).value_name(match flag.kind {
        Kind::Integer => "INTEGER",
        Kind::Number => "NUMBER",
        Kind::Boolean => "true|false",
        Kind::IntegerList => "ID,ID,...",
        Kind::StringList => "TEXT,TEXT,...",
        Kind::Json => "JSON",
        Kind::String => "TEXT",
    });
    if !flag.values.is_empty() {
        arg = arg.value_parser(flag.values.to_vec());
    }
    if flag.required {
        arg = match unless {
            Some(others) => arg.required_unless_present_any(others),
            None => arg.required(true),
        };
    }
    arg
}

/// Runs one operation and prints its answer.
pub async fn call(
    clients: &Clients,
    globals: &ArgMatches,
    api: Api,
    command: &str,
    matches: &ArgMatches,
) -> Result<(), Failure> {
    let op = OPERATIONS
        .iter()
        .find(|op| op.api == api && op.command == command)
        .ok_or_else(|| Failure::usage(format!("no operation {command}")))?;
    let args = Value::Object(arguments(op, matches)?);
    let files: Vec<&String> =
        matches.try_get_many::<String>("file").ok().flatten().into_iter().flatten().collect();
    let answer = match (op.media, files.is_empty()) {
        (Some(_), false) => {
            let uploads =
                files.into_iter().map(pancake_sdk::Upload::from_path).collect::<Result<Vec<_>, _>>()?;
            let platform = matches.get_one::<String>("platform").map(String::as_str);
            pancake_sdk::media::send_media(
                clients.of(api),
                op.id,
                args,
                uploads,
                platform,
                CallOptions::default(),
            )
            .await?
        }
        _ => match crate::arguments::upload(op, matches)? {
            Some(file) => clients.of(api).call_upload(op.id, args, file, CallOptions::default()).await?,
            None => clients.of(api).call_json(op.id, args, CallOptions::default()).await?,
        },
    };
    if let Some(warning) = answer.warning() {
        eprintln!(
            "warning: the API answered success with error_code {}: {}",
            warning.error_code,
            warning.message.as_deref().unwrap_or("no message")
        );
    }
    let jsonl = globals.get_one::<String>("output").is_some_and(|o| o == "jsonl");
    let items =
        if jsonl { Some(crate::table::list(op.api, op.id).map(|l| l.items).unwrap_or("data")) } else { None };
    output::print(&answer.value(), items)
}

/// `pancake completions SHELL`.
pub fn completions(matches: &ArgMatches) -> Result<(), Failure> {
    let shell = *matches.get_one::<Shell>("shell").ok_or_else(|| Failure::usage("a shell is needed"))?;
    clap_complete::generate(shell, &mut cli(), "pancake", &mut std::io::stdout());
    Ok(())
}
