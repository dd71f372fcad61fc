//! The processes `cargo xtask bench` runs and compares: a server that replays fixed answers,
//! and the Rust clients (bare reqwest, the typed call, the JSON door), each timing its own
//! calls and printing calls per second. The C and Python clients are in `bench/c` and
//! `bench/python`; they speak the same arguments.

mod clients;

use pancake_bench::replay;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Benchmark processes of pancake-sdk (run through `cargo xtask bench`)")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the sandbox's answers to `list_tags` and `list_page_customers` as fixed bytes,
    /// whatever the request; prints `listening on URL`, then serves until stdin closes.
    Replay,
    /// Times one Rust client: prints its calls per second.
    Run(clients::Run),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Args::parse().command {
        Command::Replay => replay::run(),
        Command::Run(run) => {
            let rate = clients::time(&run)?;
            println!("{rate:.1}");
            Ok(())
        }
    }
}
