//! The Botcake API: flows, keywords, ice breakers, main menu, tools, and sends.
//!
//! Make a client with [`Client::builder`]; every operation is a method returning a builder.

mod generated;
mod operations;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use operations::{API, Client, builder, types};

/// Folder ids from the root to a folder, e.g. `[1, 2]`; in the URL, `1,2`. Never empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FolderPath(Vec<i64>);

impl FolderPath {
    /// The path of folder ids; fails when empty.
    pub fn new(ids: impl Into<Vec<i64>>) -> Result<Self, crate::Error> {
        let ids = ids.into();
        if ids.is_empty() {
            return Err(crate::Error::invalid("path", "a folder path holds at least one folder id"));
        }
        Ok(FolderPath(ids))
    }

    /// The folder ids.
    pub fn ids(&self) -> &[i64] {
        &self.0
    }
}

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

impl std::str::FromStr for FolderPath {
    type Err = crate::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ids =
            text.split(',').map(|part| part.trim().parse::<i64>()).collect::<Result<Vec<_>, _>>().map_err(
                |_| crate::Error::invalid("path", format!("{text:?} is not a list of folder ids")),
            )?;
        FolderPath::new(ids)
    }
}

impl<'de> Deserialize<'de> for FolderPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        FolderPath::new(Vec::<i64>::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<Vec<i64>> for FolderPath {
    type Error = crate::Error;

    fn try_from(ids: Vec<i64>) -> Result<Self, Self::Error> {
        FolderPath::new(ids)
    }
}

impl<const N: usize> TryFrom<[i64; N]> for FolderPath {
    type Error = crate::Error;

    fn try_from(ids: [i64; N]) -> Result<Self, Self::Error> {
        FolderPath::new(ids.to_vec())
    }
}

impl TryFrom<&[i64]> for FolderPath {
    type Error = crate::Error;

    fn try_from(ids: &[i64]) -> Result<Self, Self::Error> {
        FolderPath::new(ids.to_vec())
    }
}
