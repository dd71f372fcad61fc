//! `pancake-sandbox`: serves the Botcake and Pancake APIs on 127.0.0.1.

use std::io::Write;

use clap::Parser;
use pancake_sandbox::{Config, DEFAULT_PAGE_TOKEN, DEFAULT_USER_TOKEN, Sandbox};

/// Emulates the Botcake and Pancake public APIs on 127.0.0.1, checked against spec/*.yaml.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Page token to accept (Botcake and Pancake).
    #[arg(long, default_value = DEFAULT_PAGE_TOKEN)]
    page_token: String,
    /// Pancake user token to accept.
    #[arg(long, default_value = DEFAULT_USER_TOKEN)]
    user_token: String,
    /// Customers of the large page 105000000000099.
    #[arg(long, default_value_t = 12_000)]
    large_page_customers: usize,
    /// Enforce Pancake's rate limit: this many calls per page per second (the real API: 5).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Unix seconds where the data's year begins (default: a year ending today; tests pin 1759276800).
    #[arg(long)]
    epoch: Option<i64>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let config = Config {
        page_token: args.page_token,
        user_token: args.user_token,
        port: args.port,
        large_page_customers: args.large_page_customers,
        rate_limit: args.rate_limit,
        epoch: args.epoch,
    };
    let sandbox = match Sandbox::start(config) {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("pancake-sandbox: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Whoever started the sandbox may stop reading after the first line: write errors are not
    // a reason to stop serving.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", sandbox.url());
    let _ = writeln!(out, "botcake base url: {}", sandbox.botcake_url());
    let _ = writeln!(out, "pancake base url: {}", sandbox.pancake_url());
    let _ = writeln!(out, "tokens: page {:?}, user {:?}", sandbox.page_token(), sandbox.user_token());
    let _ = out.flush();
    drop(out);
    sandbox.wait();
    std::process::ExitCode::SUCCESS
}
