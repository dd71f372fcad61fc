//! Clients chosen at run time by the API's name: what the Python and C bindings hold, each in
//! a [`ForkSafe`] slot that makes it anew in a process that forked.

use std::cell::RefCell;
use std::sync::Mutex;

use thread_local::ThreadLocal;

use crate::dynamic::AnyClient;
use crate::{Error, Settings};

/// The names of the SDK's APIs (`botcake`, `pancake`).
pub fn apis() -> &'static [&'static str] {
    crate::apis::NAMES
}

/// A client of the API named `api`, made from `settings`.
pub fn client(api: &str, settings: &Settings) -> Result<AnyClient, Error> {
    crate::apis::build(api, settings).unwrap_or_else(|| {
        Err(Error::invalid("api", format!("no API {api:?} (the SDK has {})", crate::apis::NAMES.join(", "))))
    })
}

/// A client that a forked child makes anew (its pooled connections belong to the parent), and
/// that is never dropped in a child (see [`crate::blocking::release`]).
pub struct ForkSafe {
    api: String,
    settings: Settings,
    slot: Mutex<(u32, AnyClient)>,
    /// Each thread's client for [`crate::blocking::block_on_here`] (see [`ForkSafe::here`]),
    /// with the process it was made in.
    threads: ThreadLocal<RefCell<Option<(u32, AnyClient)>>>,
}

impl ForkSafe {
    /// A client of the API named `api`.
    pub fn new(api: &str, settings: Settings) -> Result<ForkSafe, Error> {
        let client = client(api, &settings)?;
        let slot = Mutex::new((std::process::id(), client));
        Ok(ForkSafe { api: api.to_string(), settings, slot, threads: ThreadLocal::new() })
    }

    /// The API's name.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// The settings the client is made from.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The client of this process (made anew after a fork).
    pub fn current(&self) -> Result<AnyClient, Error> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if crate::blocking::forked_since(slot.0) {
            let fresh = client(&self.api, &self.settings)?;
            let (made_in, stale) = std::mem::replace(&mut *slot, (std::process::id(), fresh));
            crate::blocking::release(stale, made_in);
        }
        Ok(slot.1.clone())
    }

    /// This thread's client, for calls it drives on its own runtime
    /// ([`crate::blocking::block_on_here`]): it shares the process's client's state (tokens,
    /// pacing, learned secrets) and has a pool of connections of its own, served by this
    /// thread's runtime alone. Made on the thread's first call, and anew after a fork.
    pub fn here(&self) -> Result<AnyClient, Error> {
        let pid = std::process::id();
        let mut slot = self.threads.get_or_default().borrow_mut();
        if let Some((made_in, client)) = slot.as_ref()
            && *made_in == pid
        {
            return Ok(client.clone());
        }
        let fresh = self.current()?.with_own_connections()?;
        // After a fork, the parent's client in this slot is leaked (see
        // [`crate::blocking::release`]); the other threads' do not exist in the child.
        if let Some((made_in, stale)) = slot.replace((pid, fresh.clone())) {
            crate::blocking::release(stale, made_in);
        }
        Ok(fresh)
    }
}

impl Drop for ForkSafe {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(|p| p.into_inner());
        crate::blocking::release_shared(&slot.1, slot.0);
        for (made_in, client) in self.threads.iter_mut().filter_map(|slot| slot.get_mut().as_ref()) {
            crate::blocking::release_shared(client, *made_in);
        }
    }
}

impl std::fmt::Debug for ForkSafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForkSafe").field("api", &self.api).field("settings", &self.settings).finish()
    }
}
