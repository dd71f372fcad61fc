"""Iterators walk every page, sync and async, and stop."""

from __future__ import annotations

import asyncio

import pytest

import pancake_sdk
from conftest import PAGE_ID, PAGE_TOKEN, Sandbox

LARGE = "105000000000099"


def test_every_customer_of_a_large_page_once() -> None:
    server = Sandbox("--large-page-customers", "10200")
    try:
        client = pancake_sdk.Pancake(PAGE_TOKEN, base_url=server.url, rate_limit=False)
        psids = [c["psid"] for c in client.iter_page_customers(page_id=LARGE, since=0, until=2_000_000_000)]
        assert len(psids) == 10_200 == len(set(psids))
        assert len(server.requests()) == 102, "102 full pages; `total` says there is no 103rd"
    finally:
        server.stop()


def test_async_iteration_walks_the_same_items(async_pancake: pancake_sdk.AsyncPancake, pancake: pancake_sdk.Pancake) -> None:
    async def collect() -> list[str]:
        return [c["id"] async for c in async_pancake.iter_conversations(page_id=PAGE_ID, since=0, until=2_000_000_000)]

    ids = asyncio.run(collect())
    assert len(ids) == 150 == len(set(ids))
    assert ids == [c["id"] for c in pancake.iter_conversations(page_id=PAGE_ID, since=0, until=2_000_000_000)]


def test_messages_posts_and_call_logs(pancake: pancake_sdk.Pancake) -> None:
    messages = list(pancake.iter_messages(page_id=PAGE_ID, conversation_id=f"{PAGE_ID}_6100000000010003", customer_id="cus-01-3"))
    assert [m["id"] for m in messages] == [f"m_3_{n}" for n in range(53, -1, -1)]
    assert len(list(pancake.iter_posts(page_id=PAGE_ID, since=0, until=2_000_000_000))) == 75
    assert len(list(pancake.iter_call_logs(page_id=PAGE_ID, id="sip-pkg-1"))) == 45


def test_a_repeated_page_stops_iteration_with_an_error(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    sandbox.fault("repeat-page", "list_page_customers", times=100)
    seen = 0
    with pytest.raises(pancake_sdk.PaginationError):
        for _ in pancake.iter_page_customers(page_id=PAGE_ID, since=0, until=2_000_000_000):
            seen += 1
    assert seen == 100, "the first page (100 customers), once"


def test_a_missing_list_mid_walk_is_an_error_not_an_end(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    walk = pancake.iter_page_customers(page_id=PAGE_ID, since=0, until=2_000_000_000)
    first = [next(walk) for _ in range(100)]  # the first page
    assert len(first) == 100
    sandbox.fault("null-lists", "list_page_customers")
    with pytest.raises(pancake_sdk.PaginationError):
        list(walk)


def test_the_v2_cursor_and_the_export_offset(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    ids = [c["id"] for c in pancake.iter_conversations_v2(page_id=PAGE_ID)]
    assert len(ids) == 150 == len(set(ids))
    cursors = [dict(r["query"]).get("last_conversation_id") for r in sandbox.requests()]
    assert cursors == [None, ids[59], ids[119]], "each call after the last id of the one before"
    inboxes = list(pancake.iter_conversations_v2(page_id=PAGE_ID, types=["INBOX"]))
    assert len(inboxes) == 120 and all(c["type"] == "INBOX" for c in inboxes)
    exported = [c["id"] for c in pancake.iter_export_conversations_from_ads(page_id=PAGE_ID, since=0, until=2_000_000_000, action="conversations_from_ads")]
    assert len(exported) == 50 == len(set(exported))
