//! Pancake's webhooks: the events it posts to a page's registered URL, typed from the spec
//! (`x-pancake-webhooks` of `spec/pancake.yaml`), and a receiver to mount in a server.
//!
//! Pancake signs nothing and may deliver an event twice or out of order, and it suspends a URL
//! that fails too often. The [`Receiver`]:
//! - takes a secret that must be the last segment of the URL path (`/webhooks/pancake/<secret>`;
//!   any other path is answered 404 and the secret never appears in a log or an error);
//! - answers at once, parsing and queueing the event ([`Receiver::handle`]); the work happens
//!   after the answer, where the [`Events`] are read;
//! - drops a repeated delivery (the same `request_id`, or the same message or post with the same
//!   content) and a conversation update whose `version` is not newer than one already handed
//!   out; updates of one conversation that arrive out of order within the reorder window are
//!   handed out in version order;
//! - counts its own failed answers against Pancake's suspension rule ([`Health`]) and warns
//!   (`tracing`, target `pancake_sdk::webhooks`) before the rule is met.
//!
//! ```no_run
//! # async fn demo() {
//! use pancake_sdk::webhooks::{Payload, Receiver};
//!
//! let (receiver, mut events) = Receiver::builder("long-random-secret").build().expect("a strong secret");
//! // Mount `receiver` (a tower `Service`) in axum: `Router::new().route_service("/webhooks/pancake/{secret}", receiver)`.
//! while let Some(event) = events.next().await {
//!     match event.payload() {
//!         Payload::Messaging(m) => println!("message {:?}", m.data.message.as_ref().and_then(|m| m.id.as_ref())),
//!         Payload::Conversation(c) => println!("conversation {:?}", c.data.conversation),
//!         other => println!("{} event", other.event_type()),
//!     }
//! }
//! # }
//! ```

mod dedupe;
mod event;
mod generated;
mod health;
mod order;
mod receiver;
mod rules;
mod server;
mod service;

pub use event::{Event, WebhookError};
pub use generated::{EVENTS, Payload, SUSPENSION};
pub use health::{Health, Suspension};
pub use order::Events;
pub use receiver::{
    Answer, DEFAULT_MAX_BODY, DEFAULT_REORDER_WINDOW, MIN_SECRET, Receiver, ReceiverBuilder, Verdict,
    WeakSecret,
};
pub use rules::EventRule;
pub use server::serve;
