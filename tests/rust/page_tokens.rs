//! One client for many pages: a page token per page (given, or answered by a provider),
//! `generate_page_access_token`, and the errors that name the page whose token is missing,
//! invalid or renewed, never the token.

use std::sync::{Arc, Mutex};

use pancake_e2e::{PAGE_ID, env};
use pancake_sdk::{ApiErrorKind, ErrorKind, Pancake};

const SECOND_PAGE: &str = "105000000000002";

fn client(sandbox: &pancake_sandbox::Sandbox) -> pancake_sdk::ClientBuilder<Pancake> {
    Pancake::builder().user_access_token(sandbox.user_token()).base_url(sandbox.url()).rate_limit(None)
}

/// `Display` and `Debug` of an error, which must never hold a token.
fn rendered(error: &pancake_sdk::Error) -> String {
    format!("{error} {error:?}")
}

#[tokio::test]
async fn each_page_uses_its_own_token_and_errors_name_the_page() {
    let env = env();
    let generated = env.pancake.generate_page_access_token().page_id(SECOND_PAGE).send().await.unwrap();
    let second = generated.page_access_token.clone().unwrap();

    // The client's own page token is wrong; the second page has a token of its own.
    let pancake = client(&env.sandbox)
        .page_access_token("not-the-token-of-any-page")
        .page_token_for(SECOND_PAGE, second.clone())
        .build()
        .unwrap();
    let tags = pancake.list_tags().page_id(SECOND_PAGE).send().await.unwrap();
    assert_eq!(tags.tags.len(), 6);

    // The API refuses it; a proxy on the way echoes the request, token and all.
    env.sandbox.inject(pancake_sandbox::FaultRule::next("echo-json=401")).unwrap();
    let echoed = pancake.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert_eq!(echoed.page_id(), Some(PAGE_ID));
    assert!(rendered(&echoed).contains("[REDACTED]"), "{echoed:?}");
    assert!(!rendered(&echoed).contains("not-the-token-of-any-page"), "{echoed:?}");
    let refused = pancake.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Api);
    assert_eq!(refused.api_error_kind(), Some(ApiErrorKind::InvalidToken));
    assert_eq!(refused.page_id(), Some(PAGE_ID));
    assert!(refused.to_string().contains(&format!("for page {PAGE_ID}")), "{refused}");
    assert!(!rendered(&refused).contains("not-the-token-of-any-page"), "{refused:?}");

    // A newer token replaces the page's previous one: the old one is reported renewed.
    env.pancake.generate_page_access_token().page_id(SECOND_PAGE).send().await.unwrap();
    let renewed = pancake.list_tags().page_id(SECOND_PAGE).send().await.unwrap_err();
    assert_eq!(renewed.api_error_kind(), Some(ApiErrorKind::TokenRenewedOrNoPermission));
    assert_eq!(renewed.page_id(), Some(SECOND_PAGE));
    assert!(!rendered(&renewed).contains(&second), "{renewed:?}");
}

#[tokio::test]
async fn a_provider_answers_tokens_as_pages_come_and_they_are_redacted() {
    let env = env();
    let second = env.pancake.generate_page_access_token().page_id(SECOND_PAGE).send().await.unwrap();
    let second = second.page_access_token.clone().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let store = second.clone();
    let pancake = client(&env.sandbox)
        .page_token_provider(move |page| {
            log.lock().unwrap().push(page.to_string());
            (page == SECOND_PAGE).then(|| store.clone())
        })
        .build()
        .unwrap();
    pancake.list_tags().page_id(SECOND_PAGE).send().await.unwrap();
    assert_eq!(*asked.lock().unwrap(), [SECOND_PAGE]);

    // No token for the first page: refused before sending, naming it.
    let missing = pancake.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::MissingCredential);
    assert_eq!(missing.page_id(), Some(PAGE_ID));
    assert!(missing.to_string().contains(PAGE_ID), "{missing}");

    // A server that echoes the provided token back: the error shows it redacted.
    env.sandbox.inject(pancake_sandbox::FaultRule::next("echo-json=400")).unwrap();
    let echoed = pancake.list_tags().page_id(SECOND_PAGE).send().await.unwrap_err();
    assert!(!rendered(&echoed).contains(&second), "{echoed:?}");
    assert!(rendered(&echoed).contains("[REDACTED]"), "{echoed:?}");
    assert_eq!(
        env.sandbox.requests().iter().filter(|r| r["path"].as_str().unwrap().contains(PAGE_ID)).count(),
        0
    );
}

#[tokio::test]
async fn a_generated_token_is_redacted_by_the_client_that_made_it() {
    let env = env();
    let admin = client(&env.sandbox).build().unwrap();
    let generated = admin.generate_page_access_token().page_id(SECOND_PAGE).send().await.unwrap();
    let token = generated.page_access_token.clone().unwrap();

    // A later request carries the token in a value, and a proxy echoes that request back.
    env.sandbox.inject(pancake_sandbox::FaultRule::next("echo-json=400")).unwrap();
    let echoed = admin
        .get_multi_page_user_statistics()
        .page_ids(format!("{PAGE_ID},{token}"))
        .date_range("01/09/2026 00:00:00 - 07/09/2026 23:59:59")
        .send()
        .await
        .unwrap_err();
    let shown = rendered(&echoed);
    assert!(shown.contains("[REDACTED]"), "{echoed:?}");
    assert!(!shown.contains(&token), "{echoed:?}");
}
