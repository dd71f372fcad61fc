//! What the benchmark processes and the criterion benchmarks share: the answers replayed (taken
//! from a sandbox) and the server that replays them.

pub mod payloads;
pub mod replay;

/// The operations measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Op {
    /// `list_tags`: a small answer.
    Tags,
    /// `list_page_customers` with 100 customers: a large one.
    Customers,
}
