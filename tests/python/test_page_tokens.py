"""One client for many pages: a page token per page; errors name the page whose token is missing,
invalid or renewed, never the token."""

from __future__ import annotations

import pytest

import pancake_sdk
from conftest import PAGE_ID, USER_TOKEN, Sandbox

SECOND_PAGE = "105000000000002"


def test_each_page_uses_its_own_token(sandbox: Sandbox) -> None:
    admin = pancake_sdk.Pancake(user_access_token=USER_TOKEN, base_url=sandbox.url, rate_limit=False)
    second = admin.generate_page_access_token(page_id=SECOND_PAGE)["page_access_token"]
    client = pancake_sdk.Pancake(
        "not-the-token-of-any-page", page_tokens={SECOND_PAGE: second}, base_url=sandbox.url, rate_limit=False
    )
    assert len(client.list_tags(page_id=SECOND_PAGE)["tags"]) == 6

    sandbox.fault("echo-json=401")  # a proxy that echoes the request, token and all
    with pytest.raises(pancake_sdk.AuthenticationError) as echoed:
        client.list_tags(page_id=PAGE_ID)
    assert echoed.value.page_id == PAGE_ID
    shown = f"{echoed.value} {echoed.value!r} {echoed.value.body}"
    assert "[REDACTED]" in shown and "not-the-token-of-any-page" not in shown
    with pytest.raises(pancake_sdk.AuthenticationError) as invalid:
        client.list_tags(page_id=PAGE_ID)
    assert invalid.value.page_id == PAGE_ID
    assert invalid.value.error_code == 100
    assert "not-the-token-of-any-page" not in f"{invalid.value} {invalid.value!r}"

    admin.generate_page_access_token(page_id=SECOND_PAGE)
    with pytest.raises(pancake_sdk.AuthenticationError) as renewed:
        client.list_tags(page_id=SECOND_PAGE)
    assert (renewed.value.page_id, renewed.value.error_code) == (SECOND_PAGE, 105)
    assert second not in f"{renewed.value} {renewed.value!r} {renewed.value.body}"


def test_a_page_without_a_token_is_named_before_sending(sandbox: Sandbox) -> None:
    client = pancake_sdk.Pancake(page_tokens={SECOND_PAGE: "t"}, base_url=sandbox.url, rate_limit=False)
    with pytest.raises(pancake_sdk.MissingCredentialError) as missing:
        client.list_tags(page_id=PAGE_ID)
    assert missing.value.page_id == PAGE_ID
    assert PAGE_ID in str(missing.value)
    assert sandbox.requests() == []


def test_a_generated_token_is_redacted_by_the_client_that_made_it(sandbox: Sandbox) -> None:
    admin = pancake_sdk.Pancake(user_access_token=USER_TOKEN, base_url=sandbox.url, rate_limit=False)
    token = admin.generate_page_access_token(page_id=SECOND_PAGE)["page_access_token"]
    sandbox.fault("echo-json=400")  # a proxy echoes a later request that carries the token in a value
    with pytest.raises(pancake_sdk.APIError) as echoed:
        admin.get_multi_page_user_statistics(
            page_ids=f"{PAGE_ID},{token}", date_range="01/09/2026 00:00:00 - 07/09/2026 23:59:59"
        )
    shown = f"{echoed.value} {echoed.value!r} {echoed.value.body}"
    assert "[REDACTED]" in shown and token not in shown
