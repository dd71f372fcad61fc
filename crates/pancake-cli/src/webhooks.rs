//! `pancake webhooks serve`: receives Pancake's webhooks on a URL ending with a secret, and
//! writes each event once (repeats dropped, conversation updates in version order) as a JSON
//! line, or hands it to a command on its standard input.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use pancake_sdk::webhooks::{self, Event, Receiver};
use tokio::io::AsyncWriteExt;

use crate::output::Failure;

/// The environment variable that holds the URL's secret.
const SECRET_VARIABLE: &str = "PANCAKE_WEBHOOK_SECRET";

/// The `webhooks` command.
pub fn command() -> Command {
    Command::new("webhooks").about("Receive Pancake's webhook events").subcommand_required(true).subcommand(
        Command::new("serve")
            .about("Serve a webhook URL and write each event once, as a JSON line or to a command")
            .long_about(
                "Serve a webhook URL and write each event once, as a JSON line or to a command.\n\n\
                     Register http(s)://<your host>/<any path>/<secret> with Pancake; any other path is \
                     answered 404. Each delivery is answered at once; repeats are dropped, and the updates \
                     of a conversation are written in version order. The receiver warns on stderr when \
                     its failed answers near Pancake's suspension rule (over 80 % and 300 failures in 30 \
                     minutes).",
            )
            .arg(
                Arg::new("secret")
                    .long("secret")
                    .env(SECRET_VARIABLE)
                    .hide_env_values(true)
                    .required(true)
                    .help("The URL's last path segment; long and random (prefer the environment variable)"),
            )
            .arg(
                Arg::new("listen")
                    .long("listen")
                    .default_value("127.0.0.1:8788")
                    .value_parser(value_parser!(SocketAddr))
                    .help("Address to listen on (port 0 picks a free one)"),
            )
            .arg(
                Arg::new("out")
                    .long("out")
                    .value_parser(value_parser!(PathBuf))
                    .help("Append the events to this file, one JSON object a line (default: stdout)"),
            )
            .arg(
                Arg::new("reorder-window")
                    .long("reorder-window")
                    .default_value("1")
                    .value_parser(window)
                    .help("Seconds a conversation update waits for older ones that are late (0: none)"),
            )
            .arg(
                Arg::new("max-events")
                    .long("max-events")
                    .value_parser(value_parser!(u64).range(1..))
                    .help("Stop after this many events (those already accepted are written too)"),
            )
            .arg(
                Arg::new("command-timeout")
                    .long("command-timeout")
                    .default_value("30")
                    .value_parser(window)
                    .help("Seconds the command may take for one event before it is killed"),
            )
            .arg(
                Arg::new("command")
                    .num_args(1..)
                    .last(true)
                    .action(ArgAction::Append)
                    .value_name("COMMAND")
                    .help("After `--`: run this for each event, the event's JSON on its standard input"),
            ),
    )
}

/// A number of seconds, zero allowed.
fn window(text: &str) -> Result<Duration, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(value).map_err(|_| format!("{text} is not a number of seconds (0 or more)"))
}

/// Where events go.
enum Sink {
    Lines(Box<dyn Write + Send>),
    /// A program and its arguments, and how long it may take for one event.
    Command(Vec<String>, Duration),
}

/// Runs `pancake webhooks <sub>`.
pub async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let Some(("serve", args)) = matches.subcommand() else {
        return Err(Failure::usage("pancake webhooks serve; see --help"));
    };
    let secret = args.get_one::<String>("secret").cloned().unwrap_or_default();
    let window = args.get_one::<Duration>("reorder-window").copied().unwrap_or(Duration::from_secs(1));
    let limit = args.get_one::<u64>("max-events").copied();
    let command_timeout =
        args.get_one::<Duration>("command-timeout").copied().unwrap_or(Duration::from_secs(30));
    let mut sink = match (args.get_many::<String>("command"), args.get_one::<PathBuf>("out")) {
        (Some(command), _) => Sink::Command(command.cloned().collect(), command_timeout),
        (None, Some(path)) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| Failure::other(format!("--out {}: {e}", path.display())))?;
            Sink::Lines(Box::new(file))
        }
        (None, None) => Sink::Lines(Box::new(std::io::stdout())),
    };
    let listen = args.get_one::<SocketAddr>("listen").copied().unwrap_or(([127, 0, 0, 1], 8788).into());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::other(format!("--listen {listen}: {e}")))?;
    let addr = listener.local_addr().map_err(Failure::write)?;
    warn_on_stderr();
    let (receiver, mut events) = Receiver::builder(secret)
        .reorder_window(window)
        .build()
        .map_err(|weak| Failure::usage(format!("--secret ({SECRET_VARIABLE}): {weak}")))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(webhooks::serve(listener, receiver.clone(), async {
        let _ = stopped.await;
    }));
    eprintln!("listening on http://{addr}/<any path>/${SECRET_VARIABLE}");
    // One Ctrl-C listener for the whole run, listening from now on (a signal during a write
    // is not missed).
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let _ = futures::poll!(&mut interrupt);
    let mut written = 0u64;
    while limit.is_none_or(|limit| written < limit) {
        let event = tokio::select! {
            event = events.next() => event,
            _ = &mut interrupt => None,
        };
        let Some(event) = event else { break };
        write(&mut sink, &event).await?;
        written += 1;
    }
    let _ = stop.send(());
    let _ = server.await;
    // Pancake was told the events already accepted arrived: write them too.
    while let Some(event) = events.next_within(window + Duration::from_millis(200)).await {
        write(&mut sink, &event).await?;
        written += 1;
    }
    let health = receiver.health();
    eprintln!(
        "{written} events written; {} deliveries answered, {} failed, in the last 30 minutes",
        health.requests, health.failures
    );
    Ok(())
}

/// Shows the receiver's suspension warnings on stderr (unless `--verbose` set up logging).
fn warn_on_stderr() {
    use tracing_subscriber::prelude::*;
    let webhooks = tracing_subscriber::filter::Targets::new()
        .with_target("pancake_sdk::webhooks", tracing_subscriber::filter::LevelFilter::WARN);
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false))
        .with(webhooks)
        .try_init();
}

async fn write(sink: &mut Sink, event: &Event) -> Result<(), Failure> {
    let line = serde_json::to_string(event.json()).map_err(|e| Failure::other(e.to_string()))?;
    match sink {
        Sink::Lines(out) => {
            writeln!(out, "{line}").and_then(|()| out.flush()).map_err(Failure::write)?;
        }
        Sink::Command(command, timeout) => {
            let mut child = tokio::process::Command::new(&command[0])
                .args(&command[1..])
                .stdin(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| Failure::other(format!("{}: {e}", command[0])))?;
            let run = async {
                if let Some(mut stdin) = child.stdin.take() {
                    // A command that does not read its input is its own business.
                    let _ = stdin.write_all(line.as_bytes()).await;
                    let _ = stdin.write_all(b"\n").await;
                }
                child.wait().await
            };
            match tokio::time::timeout(*timeout, run).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => eprintln!("{}: {status} for a {} event", command[0], event.event_type()),
                Ok(Err(e)) => eprintln!("{}: {e}", command[0]),
                Err(_) => {
                    let _ = child.kill().await;
                    eprintln!(
                        "{}: killed after {} s on a {} event",
                        command[0],
                        timeout.as_secs_f64(),
                        event.event_type()
                    );
                }
            }
        }
    }
    Ok(())
}
