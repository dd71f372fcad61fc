"""Webhooks: the sandbox posts its events (some twice, some out of order) to the receiver served
by a real WSGI server on loopback; each comes out once, conversation updates in version order.
The ASGI app, the parser and hostile bodies are checked too."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Iterator, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

import pancake_sdk
from pancake_sdk.webhooks import WebhookError, WebhookEvent, WebhookReceiver, parse_event

from conftest import PAGE_ID, Sandbox

SECRET = "whsec-py-4c1d8e0b7a3f"
INBOX = "105000000000001_6100000000010003"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def served() -> Iterator[Tuple[WebhookReceiver, str]]:
    """A receiver behind wsgiref on 127.0.0.1, and its base URL."""
    receiver = WebhookReceiver(SECRET, reorder_window=0.8, max_body=64 * 1024)
    server: WSGIServer = make_server("127.0.0.1", 0, receiver.wsgi_app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _post(url: str, body: bytes, method: str = "POST") -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _delivered(sandbox: Sandbox) -> dict[str, Any]:
    for _ in range(200):
        report: dict[str, Any] = sandbox._request("GET", "/_sandbox/webhooks")
        if report["queued"] > 0 and report["queued"] == report["delivered"]:
            return report
        time.sleep(0.025)
    raise AssertionError(f"the sandbox did not deliver: {report}")


def test_each_sandbox_event_is_received_once_in_version_order(
    sandbox: Sandbox, pancake: pancake_sdk.Pancake, served: Tuple[WebhookReceiver, str]
) -> None:
    receiver, base = served
    url = f"{base}/hooks/pancake/{SECRET}"
    sandbox._request("POST", "/_sandbox/webhooks", {"url": url, "duplicate_every": 2, "reorder": True})

    pancake.send_message_v2(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="Dạ còn ạ")
    pancake.tag_conversation(page_id=PAGE_ID, conversation_id=INBOX, action="add", tag_id="5")
    pancake.tag_conversation(page_id=PAGE_ID, conversation_id=INBOX, action="remove", tag_id="5")
    pancake.mark_conversation_read(page_id=PAGE_ID, conversation_id=INBOX)
    for event_type in ("post", "subscription", "connect_status", "page_rating"):
        sandbox._request("POST", "/_sandbox/webhooks/emit", {"event_type": event_type, "page_id": PAGE_ID})
    report = _delivered(sandbox)
    events = list(receiver.events(timeout=1.5))

    deliveries = report["deliveries"]
    assert len(deliveries) > 9, "the sandbox repeated some"
    assert all(d["status"] == 200 for d in deliveries)
    sent = [d["version"] for d in deliveries if d["version"] is not None]
    assert any(a > b for a, b in zip(sent, sent[1:])), f"delivered out of order: {sent}"
    assert SECRET not in json.dumps(report)

    types = sorted(e.event_type for e in events)
    assert types == sorted(
        ["messaging", "conversation", "conversation", "conversation", "conversation", "post", "subscription", "connect_status", "page_rating"]
    ), types
    assert [e.version for e in events if e.event_type == "conversation"] == [101, 102, 103, 104]
    messaging = next(e for e in events if e.event_type == "messaging")
    assert messaging.data["message"]["message"] == "Dạ còn ạ" and messaging.page_id == PAGE_ID
    unknown = next(e for e in events if e.event_type == "page_rating")
    assert not unknown.is_known and unknown.request_id
    assert all(e.is_known for e in events if e is not unknown)
    health = receiver.health()
    assert health["failures"] == 0 and health["requests"] >= 10
    assert SECRET not in repr(receiver)


def test_the_receiver_answers_what_is_not_a_delivery(served: Tuple[WebhookReceiver, str]) -> None:
    receiver, base = served
    url = f"{base}/hooks/{SECRET}"
    assert _post(f"{base}/hooks/whsec-py-4c1d8e0b7a3e", b'{"event_type":"post"}') == (404, "not found")
    assert _post(f"{base}/", b'{"event_type":"post"}')[0] == 404
    hostile = [
        (b"x" * (200 * 1024), 413, "larger than 65536 bytes"),
        (b"[" * 50_000, 400, "body: not JSON"),
        (b'{"a":' * 5_000 + b"}" * 5_000, 400, "body: not JSON"),
        (b"[1, 2]", 400, "not a JSON object"),
        (json.dumps({"event_type": 7, "token": SECRET}).encode(), 400, "event_type"),
        (b"\xff\xfe\x00", 400, "body: not JSON"),
    ]
    for body, status, says in hostile:
        got, text = _post(url, body)
        assert got == status, text
        assert says in text and SECRET not in text and len(text) < 300, text
    assert _post(url, b'{"event_type":"post","page_id":"1","data":{}}') == (200, "ok")
    event = receiver.next(timeout=2)
    assert event is not None and event.event_type == "post"
    health = receiver.health()
    assert (health["requests"], health["failures"], health["strays"], health["at_risk"]) == (7, 6, 2, False)


def test_the_asgi_app_orders_conversation_updates_and_drops_repeats() -> None:
    receiver = WebhookReceiver(SECRET, reorder_window=0.3)

    def update(version: int, request_id: str) -> bytes:
        return json.dumps(
            {
                "event_type": "conversation",
                "page_id": PAGE_ID,
                "request_id": request_id,
                "data": {"conversation": {"id": "c1", "version": version}},
            }
        ).encode()

    async def deliver(body: bytes, path: str = f"/hooks/{SECRET}") -> int:
        chunks = [body[: len(body) // 2], body[len(body) // 2 :]]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await receiver.asgi_app({"type": "http", "method": "POST", "path": path}, receive, send)
        return int(sent[0]["status"])

    async def scenario() -> list[WebhookEvent]:
        assert await deliver(update(3, "r3")) == 200
        assert await deliver(update(1, "r1")) == 200
        assert await deliver(update(1, "r1")) == 200, "a repeat is acknowledged"
        assert await deliver(update(2, "r2")) == 200
        assert await deliver(update(9, "r9"), path="/hooks/not-the-secret-at-all") == 404
        return [event async for event in receiver.aevents(timeout=0.8)]

    events = asyncio.run(scenario())
    assert [e.version for e in events] == [1, 2, 3]


def test_the_asgi_app_refuses_large_bodies_and_leaves_a_departed_client_alone() -> None:
    receiver = WebhookReceiver(SECRET, max_body=1024)
    path = f"/hooks/{SECRET}"

    async def deliver(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await receiver.asgi_app({"type": "http", "method": "POST", "path": path}, receive, send)
        return sent

    chunk = {"type": "http.request", "body": b"x" * 600, "more_body": True}
    last = {"type": "http.request", "body": b"x" * 600, "more_body": False}
    sent = asyncio.run(deliver([chunk, dict(chunk), last]))
    assert sent[0]["status"] == 413 and b"1024" in sent[1]["body"]
    assert asyncio.run(deliver([chunk, {"type": "http.disconnect"}])) == [], "nobody to answer"
    assert receiver.health()["failures"] == 1


def test_a_cancelled_async_wait_loses_no_event() -> None:
    receiver = WebhookReceiver(SECRET, reorder_window=0)
    body = json.dumps({"event_type": "post", "page_id": PAGE_ID, "data": {"post": {"id": "p1"}}}).encode()

    async def scenario() -> WebhookEvent | None:
        waiting = asyncio.ensure_future(receiver.next_async())
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert receiver.handle("POST", f"/hooks/{SECRET}", body) == (200, "ok")
        return await receiver.next_async(timeout=2)

    event = asyncio.run(scenario())
    assert event is not None and event.data["post"]["id"] == "p1"
    assert receiver.next(timeout=0.1) is None, "handed out once"


def test_events_are_typed_and_unknown_fields_kept() -> None:
    body = {
        "event_type": "connect_status",
        "page_id": "100000000000001",
        "request_id": "792aab1b-0000-0000-0000-000000000000",
        "timestamp": 1784255157,
        "data": {"connect_status": "disconnected", "page_id": "100000000000001"},
        "field_of_2027": {"nested": [1, 2]},
    }
    event = parse_event(json.dumps(body))
    assert event.is_known and event.event_type == "connect_status"
    assert event.json["field_of_2027"] == {"nested": [1, 2]}
    assert parse_event(b'{"event_type": "order_created"}').is_known is False
    # A known type whose fields changed type is still an event (the Rust side reads it untyped).
    changed = parse_event(b'{"event_type":"conversation","page_id":"1","data":{"conversation":{"version":"high"}}}')
    assert changed.is_known and changed.version is None, "no integer version to order it by"
    with pytest.raises(WebhookError, match="body: not JSON") as raised:
        parse_event(b'{"event_type": "post", "token": "' + SECRET.encode() + b'"')
    assert isinstance(raised.value, pancake_sdk.PancakeSDKError) and SECRET not in str(raised.value)
    with pytest.raises(ValueError, match="secret"):
        WebhookReceiver("short")
