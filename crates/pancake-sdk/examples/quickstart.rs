//! The SDK end to end, against the embedded sandbox: no token, no network.
//!
//! `cargo run -p pancake-sdk --example quickstart`
//!
//! Against the real APIs, drop the sandbox and the `base_url` calls and give your own tokens.

use pancake_sandbox::{PAGE_ID, Sandbox};
use pancake_sdk::pancake::types::{ConversationType, SendPageMessageRequest};
use pancake_sdk::{Botcake, Pancake, Upload};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(Default::default())?;
    println!("sandbox listening on {}\n", sandbox.url());

    // One client for many pages: a page token per page (here the sandbox's, for every page).
    let pancake = Pancake::builder()
        .page_token_for(PAGE_ID, sandbox.page_token())
        .page_access_token(sandbox.page_token())
        .user_access_token(sandbox.user_token())
        .base_url(sandbox.pancake_url())
        .build()?;

    // User token: the account's pages.
    let pages = pancake.list_pages().send().await?;
    for page in pages.categorized.iter().flat_map(|c| &c.activated) {
        println!("page {} {}", page.id.as_deref().unwrap_or("?"), page.name.as_deref().unwrap_or(""));
    }

    // Page token: the most recently updated conversations of the first page (the current
    // route, v2), and the last messages of one.
    let conversations = pancake
        .list_conversations_v2()
        .page_id(PAGE_ID)
        .types(vec![ConversationType::Inbox, ConversationType::Comment])
        .send()
        .await?;
    println!(
        "\n{} conversations on the first page of results; the newest three:",
        conversations.conversations.len()
    );
    for conversation in conversations.conversations.iter().take(3) {
        let from = conversation.from.as_ref().and_then(|f| f.name.as_deref()).unwrap_or("?");
        println!(
            "  [{}] {from}: {}",
            conversation.type_.as_deref().unwrap_or("?"),
            conversation.snippet.as_deref().unwrap_or("")
        );
    }

    let inbox =
        conversations.conversations.iter().find(|c| c.type_.as_deref() == Some("INBOX")).ok_or("no inbox")?;
    let conversation_id = inbox.id.clone().unwrap_or_default();
    let customer_id = inbox.customers.first().and_then(|c| c.id.clone()).unwrap_or_default();
    let messages = pancake
        .list_messages()
        .page_id(PAGE_ID)
        .conversation_id(conversation_id.as_str())
        .customer_id(customer_id)
        .send()
        .await?;
    println!("\nlast messages of {conversation_id}:");
    for message in messages.messages.iter().take(4).rev() {
        let from = message.from.as_ref().and_then(|f| f.name.as_deref()).unwrap_or("?");
        println!("  {from}: {}", message.original_message.as_deref().unwrap_or(""));
    }

    // An upload, then a send of its content id (not idempotent: never retried blindly).
    let photo = pancake
        .upload_content()
        .page_id(PAGE_ID)
        .file(Upload::bytes("ao-thun.jpg", b"\xff\xd8\xff\xe0 a photo".to_vec()))
        .send()
        .await?;
    let content_id = photo.id.clone().unwrap_or_default();
    println!("\nuploaded {content_id} ({})", photo.attachment_type.as_deref().unwrap_or("?"));
    let sent = pancake
        .send_message_v2()
        .page_id(PAGE_ID)
        .conversation_id(conversation_id.as_str())
        .body(SendPageMessageRequest::inbox_media([content_id]))
        .send()
        .await?;
    println!("sent message {}", sent.id.as_deref().unwrap_or("?"));

    // Botcake: the page's flows.
    let botcake =
        Botcake::builder().access_token(sandbox.page_token()).base_url(sandbox.botcake_url()).build()?;
    let flows = botcake.get_flows().page_id(PAGE_ID).send().await?;
    let names: Vec<&str> =
        flows.data.iter().flat_map(|d| &d.flows).filter_map(|f| f.name.as_deref()).collect();
    println!("botcake flows: {}", names.join(", "));

    println!("\nthe sandbox journaled {} send(s)", sandbox.journal().len());
    Ok(())
}
