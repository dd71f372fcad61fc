//! `pancake`: every operation of the Pancake and Botcake public APIs from the shell, bulk
//! export of lists, a webhook receiver (`pancake webhooks serve`), and an embedded sandbox
//! (`--sandbox`) to try it all without a token.
//!
//! Exit codes: 0 success; 2 bad usage; 3 an input the API would refuse (nothing was sent);
//! 4 a missing token; 5 no answer (connection failed or timed out); 6 an HTTP error status;
//! 7 an API error (`success: false`); 8 a send whose outcome is unknown (it may have been
//! delivered); 9 an answer that does not decode; 10 a list whose pages do not add up;
//! 11 an answer larger than `--max-response-bytes`; 1 anything else.

mod arguments;
mod commands;
mod export;
mod operations;
mod output;
mod table;
mod webhooks;

use std::process::ExitCode;

use clap::ArgMatches;
use pancake_sandbox::{DEFAULT_PAGE_TOKEN, DEFAULT_USER_TOKEN, Sandbox};
use pancake_sdk::{Botcake, Pancake, Settings};

use crate::table::Api;

use crate::output::Failure;

fn main() -> ExitCode {
    let matches = commands::cli().get_matches();
    if matches.get_flag("verbose") {
        // Each call and attempt on stderr: operation, method, route, status, duration (never
        // an id, a query or a token).
        use tracing_subscriber::prelude::*;
        let only_sdk = tracing_subscriber::filter::Targets::new()
            .with_target("pancake_sdk", tracing_subscriber::filter::LevelFilter::DEBUG);
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                    .with_target(false),
            )
            .with(only_sdk)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return output::fail(Failure::other(format!("cannot start: {e}"))),
    };
    match runtime.block_on(run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => output::fail(failure),
    }
}

/// The clients a command may use, and the sandbox that serves them with `--sandbox`.
pub struct Clients {
    pub botcake: Botcake,
    pub pancake: Pancake,
    _sandbox: Option<Sandbox>,
}

impl Clients {
    /// The client of `api`, called by operation id.
    pub fn of(&self, api: Api) -> &dyn pancake_sdk::dynamic::DynClient {
        match api {
            Api::Botcake => &self.botcake,
            Api::Pancake => &self.pancake,
        }
    }
}

async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let (api, sub) = matches.subcommand().ok_or_else(|| Failure::usage("a command is needed; see --help"))?;
    if api == "completions" {
        return commands::completions(sub);
    }
    if api == "webhooks" {
        return webhooks::run(sub).await;
    }
    let clients = clients(matches)?;
    let (command, args) =
        sub.subcommand().ok_or_else(|| Failure::usage("an operation is needed; see --help"))?;
    let api = if api == "botcake" { Api::Botcake } else { Api::Pancake };
    if command == "export" {
        return export::run(&clients, api, args).await;
    }
    commands::call(&clients, matches, api, command, args).await
}

/// The path of Botcake's real base URL (`/api/public_api/v1`).
fn botcake_stem() -> &'static str {
    let url = <Botcake as pancake_sdk::Api>::DEFAULT_BASE_URL;
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("", |i| &after_scheme[i..])
}

/// Clients from the global flags (or the embedded sandbox).
fn clients(matches: &ArgMatches) -> Result<Clients, Failure> {
    let text = |name: &str| matches.get_one::<String>(name).cloned();
    let (sandbox, base, bot_base, page, user, bot) = if matches.get_flag("sandbox") {
        let sandbox = Sandbox::start(Default::default())
            .map_err(|e| Failure::other(format!("cannot start the sandbox: {e}")))?;
        let (base, bot_base) = (sandbox.pancake_url(), sandbox.botcake_url());
        let page = Some(DEFAULT_PAGE_TOKEN.to_string());
        (Some(sandbox), Some(base), Some(bot_base), page.clone(), Some(DEFAULT_USER_TOKEN.to_string()), page)
    } else {
        let base = text("base-url");
        // Botcake's base URL carries its path stem (`/api/public_api/v1`, from the spec).
        let stem = botcake_stem();
        let bot_base = text("botcake-base-url")
            .or_else(|| base.as_ref().map(|b| format!("{}{stem}", b.trim_end_matches('/'))));
        (None, base, bot_base, text("page-token"), text("user-token"), text("botcake-token"))
    };
    let mut pancake = Settings::default();
    pancake.page_token = page;
    pancake.user_token = user;
    pancake.base_url = base;
    pancake.timeout = matches.get_one::<std::time::Duration>("timeout").copied();
    pancake.deadline = matches.get_one::<std::time::Duration>("deadline").copied();
    pancake.max_response_bytes = matches.get_one::<u64>("max-response-bytes").copied();
    pancake.max_retries = matches.get_one::<u32>("max-retries").copied();
    let per_second = matches.get_one::<u32>("rate-limit").copied().unwrap_or(5);
    pancake.rate_limit =
        Some((per_second > 0).then(|| pancake_sdk::rate_limit::RateLimit::per_second(per_second)));
    pancake.user_agent = Some(concat!("pancake-cli/", env!("CARGO_PKG_VERSION")).to_string());
    // Botcake: the same settings with its own token and base URL, and its own pacing (none).
    let mut botcake = pancake.clone();
    botcake.page_token = bot;
    botcake.user_token = None;
    botcake.base_url = bot_base;
    botcake.rate_limit = None;
    Ok(Clients {
        botcake: botcake.botcake().map_err(Failure::from)?,
        pancake: pancake.pancake().map_err(Failure::from)?,
        _sandbox: sandbox,
    })
}
