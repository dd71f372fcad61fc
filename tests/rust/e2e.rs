//! The end-to-end tests that can share a process, in one binary: one link instead of nine, and
//! a ninth of the disk. `hostile_logging` and `hostile_memory` keep binaries of their own.

mod client;
mod hostile;
mod hostile_fuzz;
mod idle_connections;
mod operations;
mod page_tokens;
mod pagination;
mod resilience;
mod sandbox;
mod webhooks;
