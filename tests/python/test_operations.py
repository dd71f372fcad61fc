"""Every operation, sync and async, against the sandbox: the answer comes back as plain data,
and the request on the wire is exactly the Rust client's (its insta snapshot)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import pancake_sdk
from conftest import PAGE_ID, Sandbox, calls, keyword_arguments, on_the_wire, snapshot

CALLS = calls()
IDS = [call["operation"] for call in CALLS]
BY_ID = {call["operation"]: call for call in CALLS}


def succeeded(answer: Any) -> bool:
    """An answer as the API gives it: an object that does not say `success: false`, or a list."""
    return isinstance(answer, list) or (isinstance(answer, dict) and answer.get("success", True) is True)


def test_the_table_covers_every_generated_method(sandbox: Sandbox) -> None:
    methods = {name for name in dir(pancake_sdk.Pancake) if not name.startswith("_")}
    methods |= {name for name in dir(pancake_sdk.Botcake) if not name.startswith("_")}
    assert set(IDS) <= methods
    declared = {operation["operation_id"] for operation in sandbox._request("GET", "/_sandbox/info")["operations"]}
    assert len(IDS) == len(set(IDS)) == len(declared) and set(IDS) == declared, "one call of every operation"
    for name in IDS:
        assert hasattr(pancake_sdk.AsyncPancake if name in dir(pancake_sdk.Pancake) else pancake_sdk.AsyncBotcake, name)


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_sync_call(call: dict[str, Any], sandbox: Sandbox, pancake: pancake_sdk.Pancake, botcake: pancake_sdk.Botcake) -> None:
    clients: dict[str, Any] = {"botcake": botcake, "pancake": pancake}
    for earlier in map(BY_ID.get, call.get("after", [])):
        getattr(clients[earlier["api"]], earlier["operation"])(**keyword_arguments(earlier["args"]))
    answer = getattr(clients[call["api"]], call["operation"])(**keyword_arguments(call["args"]))
    assert succeeded(answer), answer
    assert on_the_wire(sandbox) == snapshot(call["operation"])


@pytest.mark.parametrize("call", CALLS, ids=IDS)
def test_async_call(
    call: dict[str, Any],
    sandbox: Sandbox,
    async_pancake: pancake_sdk.AsyncPancake,
    async_botcake: pancake_sdk.AsyncBotcake,
) -> None:
    clients: dict[str, Any] = {"botcake": async_botcake, "pancake": async_pancake}

    async def run() -> Any:
        for earlier in map(BY_ID.get, call.get("after", [])):
            await getattr(clients[earlier["api"]], earlier["operation"])(**keyword_arguments(earlier["args"]))
        return await getattr(clients[call["api"]], call["operation"])(**keyword_arguments(call["args"]))

    answer = asyncio.run(run())
    assert succeeded(answer), answer
    assert on_the_wire(sandbox) == snapshot(call["operation"])


def test_answers_keep_fields_the_spec_does_not_know(pancake: pancake_sdk.Pancake) -> None:
    answer = pancake.list_page_customers(page_id="105000000000001", since=0, until=2_000_000_000, page_number=1)
    first = answer["customers"][0]
    assert first["loyalty_points"] == 0  # not in the spec
    assert "birthday" in first and first["birthday"] is None  # nulls kept too


def test_times_take_datetimes_and_dates(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    import datetime as dt

    utc = dt.timezone.utc
    pancake.get_page_statistics(
        page_id="105000000000001", since=dt.datetime(2025, 10, 1, tzinfo=utc), until=dt.datetime(2025, 10, 4, tzinfo=utc)
    )
    query = dict(sandbox.requests()[-1]["query"])
    assert (query["since"], query["until"]) == ("1759276800", "1759536000")
    pancake.get_user_statistics(page_id="105000000000001", date_range=(dt.datetime(2025, 10, 1), dt.datetime(2025, 10, 31, 23, 59, 59)))
    assert dict(sandbox.requests()[-1]["query"])["date_range"] == "01/10/2025 00:00:00 - 31/10/2025 23:59:59"
    pancake.get_new_customer_statistics(page_id="105000000000001", date_range=(dt.date(2025, 10, 1), dt.date(2025, 10, 3)))
    assert dict(sandbox.requests()[-1]["query"])["date_range"] == "01/10/2025 - 03/10/2025"


def test_list_pages_answers_the_flat_list_and_the_grouping(pancake: pancake_sdk.Pancake) -> None:
    pages = pancake.list_pages()
    flat = {page["id"]: page for page in pages["pages"]}
    assert flat[PAGE_ID]["avatar_url"].endswith(".jpg")
    assert PAGE_ID in pages["categorized"]["activated_page_ids"]
