//! Webhooks end to end, against the embedded sandbox: a receiver served on loopback, the
//! sandbox delivering its events to it (some twice, some out of order, as Pancake may), and
//! each event handed out once, conversation updates in version order.
//!
//! `cargo run -p pancake-sdk --example webhooks`
//!
//! Against Pancake, serve the receiver on a public HTTPS URL ending with the secret (or mount it
//! in axum: `Router::new().route_service("/hooks/pancake/{secret}", receiver)`) and register
//! that URL in the page's webhook settings.

use std::time::Duration;

use pancake_sandbox::{PAGE_ID, Registration, Sandbox};
use pancake_sdk::Pancake;
use pancake_sdk::pancake::types::{SendPageMessageRequest, TagAction};
use pancake_sdk::webhooks::{Payload, Receiver};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = "whsec-example-3f9a7c1e0b5d"; // long and random in real use
    let (receiver, mut events) = Receiver::builder(secret).build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks/pancake/{secret}", listener.local_addr()?);
    tokio::spawn(pancake_sdk::webhooks::serve(listener, receiver.clone(), std::future::pending()));

    let sandbox = Sandbox::start(Default::default())?;
    sandbox.register_webhook(Registration { url, duplicate_every: 2, reorder: true, page_id: None })?;
    let pancake =
        Pancake::builder().page_access_token(sandbox.page_token()).base_url(sandbox.pancake_url()).build()?;
    let inbox = "105000000000001_6100000000010003";
    pancake
        .send_message_v2()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body(SendPageMessageRequest::inbox_text("Dạ shop còn size M ạ"))
        .send()
        .await?;
    for action in [TagAction::Add, TagAction::Remove] {
        let tag = pancake.tag_conversation().page_id(PAGE_ID).conversation_id(inbox);
        tag.body_map(|b| b.action(action).tag_id("5")).send().await?;
    }
    sandbox.emit_webhook("connect_status", PAGE_ID)?;

    // Each event once; stop when none has come for two seconds.
    while let Some(event) = events.next_within(Duration::from_secs(2)).await {
        match event.payload() {
            Payload::Messaging(m) => {
                let text = m.data.message.as_ref().and_then(|m| m.message.as_deref()).unwrap_or_default();
                println!("messaging: {text}");
            }
            Payload::Conversation(c) => {
                let conversation = c.data.conversation.as_ref();
                let version = conversation.and_then(|c| c.version).unwrap_or_default();
                let tags = conversation.map(|c| c.tags.clone()).unwrap_or_default();
                println!("conversation: version {version}, tags {tags:?}");
            }
            Payload::ConnectStatus(c) => println!("connect_status: {:?}", c.data.connect_status),
            other => println!("{} event", other.event_type()),
        }
    }
    let health = receiver.health();
    println!("\n{} deliveries answered, {} failed", health.requests, health.failures);
    Ok(())
}
