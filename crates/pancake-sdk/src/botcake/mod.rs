//! The Botcake API: flows, keywords, ice breakers, main menu, tools, and sends.
//!
//! Make a client with [`Client::builder`]; every operation is a method returning a builder.

pub(crate) mod generated;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use generated::{Client, builder, types};

use crate::builder::{Api, ClientBuilder};
use crate::rate_limit::RateLimit;
use crate::state::ClientState;

impl Client {
    /// Settings for a Botcake client.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::default()
    }
}

impl Api for Client {
    const DEFAULT_BASE_URL: &'static str = generated::SERVER_URL;

    const DEFAULT_RATE_LIMIT: Option<RateLimit> = None;

    fn assemble(base_url: &str, http: reqwest::Client, state: ClientState) -> Self {
        Client::new_with_client(base_url, http, state)
    }
}

/// Folder ids from the root to a folder, e.g. `[1, 2]`; in the URL, `1,2`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FolderPath(pub Vec<i64>);

impl fmt::Display for FolderPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

impl From<Vec<i64>> for FolderPath {
    fn from(ids: Vec<i64>) -> Self {
        FolderPath(ids)
    }
}

impl<const N: usize> From<[i64; N]> for FolderPath {
    fn from(ids: [i64; N]) -> Self {
        FolderPath(ids.to_vec())
    }
}

impl From<&[i64]> for FolderPath {
    fn from(ids: &[i64]) -> Self {
        FolderPath(ids.to_vec())
    }
}
