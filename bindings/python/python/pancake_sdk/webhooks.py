"""Pancake's webhooks: typed events, and a receiver to mount in any Python web server.

    from pancake_sdk.webhooks import WebhookReceiver

    receiver = WebhookReceiver(secret=os.environ["PANCAKE_WEBHOOK_SECRET"])
    # Mount it: `receiver.wsgi_app` (Flask, Django, wsgiref) or `receiver.asgi_app` (Starlette,
    # FastAPI, uvicorn) at a URL whose last segment is the secret, e.g. /hooks/pancake/<secret>.
    for event in receiver.events():          # in a worker thread (or `async for ... aevents()`)
        if event.event_type == "messaging":
            print(event.data["message"]["message"])

The receiver is the Rust SDK's: it answers each delivery at once (200; 404 for a wrong secret;
400 for a body that is not an event; 413 past `max_body`) and does the work after answering,
where `events()` is read. It drops a repeated delivery (the same `request_id`, or the same
message or post with the same content) and a conversation update whose `version` is not newer
than one already handed out; updates of a conversation that arrive out of order within
`reorder_window` seconds come out in version order. `health()` counts its failed answers
against Pancake's suspension rule (over 80 % and at least 300 failures in 30 minutes); a
warning is logged (logger `pancake_sdk`) when they near it. The secret never appears in any
answer, log or `repr`.
"""

from __future__ import annotations

import collections
import time
from typing import TYPE_CHECKING, Any, Tuple, Awaitable, Callable, Iterable, Iterator, AsyncIterator, Optional, TypedDict, Union

from . import _native
from ._exceptions import PancakeSDKError
from ._webhook_events import EVENT_TYPES, PAYLOAD_SCHEMAS, EventType, Payload

if TYPE_CHECKING:
    import asyncio  # loaded by the first async wait, not by the import

__all__ = [
    "EVENT_TYPES",
    "EventType",
    "PAYLOAD_SCHEMAS",
    "Payload",
    "WebhookError",
    "WebhookEvent",
    "WebhookHealth",
    "WebhookReceiver",
    "parse_event",
]

_POLL = 0.25
"""Seconds each wait for an event lasts before Python checks for signals (Ctrl-C)."""

_Taken = Tuple[dict[str, Any], Optional[int]]
"""An event as the native receiver hands it over: its JSON and its version."""

_LONG = 3600.0
"""Seconds each background wait of `next_async(None)` lasts (it is cancellable throughout)."""

_DRAIN = 8 << 20
"""A body over `max_body` is still read (and dropped) up to this many bytes, so that the client
reads the 413 instead of a reset connection."""


class WebhookError(PancakeSDKError, ValueError):
    """A body that is not a webhook event; the message names the field, never the body."""


class WebhookEvent:
    """One webhook event: its type, page and payload, every field as sent (unknown ones kept).

    `json` is the whole payload (a `Payload` dict for the known `event_type`s); `is_known` is
    False for an `event_type` this SDK does not know, which is still an event, never an error.
    """

    __slots__ = ("json", "_version")

    def __init__(self, json: dict[str, Any], version: Optional[int] = None) -> None:
        self.json: dict[str, Any] = json
        self._version = version

    @property
    def event_type(self) -> str:
        """`messaging`, `conversation`, `post`, `subscription`, `connect_status`, or another."""
        return str(self.json.get("event_type", ""))

    @property
    def is_known(self) -> bool:
        """Whether the SDK knows this event type (see `EVENT_TYPES`)."""
        return self.event_type in EVENT_TYPES

    @property
    def page_id(self) -> Optional[str]:
        """The page the event happened on (`subscription` events have none)."""
        return self.json.get("page_id")

    @property
    def request_id(self) -> Optional[str]:
        """The delivery's id, for the events that carry one."""
        return self.json.get("request_id")

    @property
    def data(self) -> dict[str, Any]:
        """The event's `data`."""
        data = self.json.get("data")
        return data if isinstance(data, dict) else {}

    @property
    def payload(self) -> Payload:
        """The whole event, typed for type checkers as the known payloads' union."""
        return self.json  # type: ignore[return-value]

    @property
    def version(self) -> Optional[int]:
        """The version that orders this event among its object's updates (by the spec's rule:
        a `conversation` event's `data.conversation.version`; higher is newer), or None."""
        return self._version

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WebhookEvent) and other.json == self.json

    def __repr__(self) -> str:
        return f"WebhookEvent(event_type={self.event_type!r}, page_id={self.page_id!r})"


def parse_event(body: Union[bytes, str]) -> WebhookEvent:
    """Reads one delivery's body (JSON) into an event; raises `WebhookError` when it is not one
    (not JSON, not an object, no `event_type`, or a known type with fields of the wrong type)."""
    if isinstance(body, str):
        body = body.encode()
    try:
        return WebhookEvent(*_native.parse_webhook(body))
    except ValueError as error:
        raise WebhookError(str(error)) from None


class WebhookHealth(TypedDict):
    """A receiver's answers within Pancake's suspension window (30 minutes)."""

    requests: int
    failures: int
    strays: int
    """Requests to a wrong path or secret (404): not counted as failures, as anyone may make
    them. If every request is one, check the URL registered with Pancake."""
    failure_rate: float
    at_risk: bool
    """Over the rule's rate and at half its count: fix the endpoint before Pancake suspends it."""
    suspended: bool
    """The rule is met: Pancake would suspend the URL now."""


class WebhookReceiver:
    """Receives Pancake's deliveries on a URL whose last path segment is `secret`.

    `reorder_window`: seconds a conversation update waits for older ones that are late (0: hand
    out at once and drop late older ones). `max_body`: the largest body read (413 past it).
    `queue`: events accepted but not yet read, at most (503 past it).
    """

    def __init__(
        self,
        secret: str,
        *,
        reorder_window: float = 1.0,
        max_body: int = 1 << 20,
        queue: int = 10_000,
    ) -> None:
        self._native = _native.NativeReceiver(secret, float(reorder_window), int(max_body), int(queue))
        # Events taken by a wait that was cancelled before it could hand them over.
        self._returned: collections.deque[_Taken] = collections.deque()

    def __repr__(self) -> str:
        return "WebhookReceiver(secret=[redacted])"

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, str]:
        """Answers one request: `(status, text)`. Never blocks; for servers of your own."""
        return self._native.handle(method, path, body)

    def health(self) -> WebhookHealth:
        """Its answers within Pancake's suspension window."""
        return self._native.health()  # type: ignore[return-value]

    def next(self, timeout: Optional[float] = None) -> Optional[WebhookEvent]:
        """The next event, waiting up to `timeout` seconds (None: until one comes); None when
        none came."""
        if self._returned:
            return WebhookEvent(*self._returned.popleft())
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _POLL if deadline is None else min(_POLL, max(0.0, deadline - time.monotonic()))
            taken = self._native.next(left)
            if taken is not None:
                return WebhookEvent(*taken)
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def events(self, timeout: Optional[float] = None) -> Iterator[WebhookEvent]:
        """Each event once, until none comes for `timeout` seconds (None: forever)."""
        while True:
            event = self.next(timeout)
            if event is None:
                return
            yield event

    async def next_async(self, timeout: Optional[float] = None) -> Optional[WebhookEvent]:
        """`next()` for asyncio: waits on the SDK's runtime, never blocking the event loop, and
        can be cancelled at any point without losing an event."""
        import asyncio

        if self._returned:
            return WebhookEvent(*self._returned.popleft())
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            wait = _LONG if deadline is None else max(0.0, deadline - loop.time())
            taken = await self._wait(loop, wait)
            if taken is not None:
                return WebhookEvent(*taken)
            if deadline is not None and loop.time() >= deadline:
                return None

    async def _wait(self, loop: asyncio.AbstractEventLoop, timeout: float) -> Optional[_Taken]:
        import asyncio

        future: asyncio.Future[Optional[_Taken]] = loop.create_future()

        def done(outcome: Any) -> None:
            try:
                loop.call_soon_threadsafe(self._settle, future, outcome)
            except RuntimeError:
                self._keep(outcome)  # the loop is closed: keep the event for the next read

        task = self._native.start_next(timeout, done)
        try:
            return await future
        except asyncio.CancelledError:
            task.cancel()
            raise

    def _settle(self, future: asyncio.Future[Optional[_Taken]], outcome: Any) -> None:
        if future.done():
            self._keep(outcome)  # cancelled after the event was taken: not lost
        elif isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def _keep(self, outcome: Any) -> None:
        if isinstance(outcome, tuple):
            self._returned.append(outcome)

    async def aevents(self, timeout: Optional[float] = None) -> AsyncIterator[WebhookEvent]:
        """`events()` for asyncio."""
        while True:
            event = await self.next_async(timeout)
            if event is None:
                return
            yield event

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The receiver as a WSGI application (mount it where the path ends with the secret)."""
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        answer = self._native.check(method, path)
        if answer is None:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > self._native.max_body:
                if 0 < length <= _DRAIN:
                    stream = environ["wsgi.input"]
                    while length > 0:
                        read = len(stream.read(min(length, 1 << 16)))
                        if read == 0:
                            break
                        length -= read
                answer = self._native.too_large()
            else:
                body = environ["wsgi.input"].read(length) if length else b""
                answer = self._native.handle(method, path, body)
        status, text = answer
        start_response(f"{status} {_REASONS.get(status, 'Status')}", [("Content-Type", "text/plain; charset=utf-8")])
        return [text.encode()]

    async def asgi_app(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """The receiver as an ASGI application (mount it where the path ends with the secret)."""
        if scope.get("type") == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope.get("type") != "http":
            return
        method, path = scope.get("method", "GET"), scope.get("path", "")
        answer = self._native.check(method, path)
        if answer is None:
            chunks: list[bytes] = []
            size, more = 0, True
            while more and size <= _DRAIN:
                message = await receive()
                if message.get("type") == "http.disconnect":
                    return  # the client left: there is no one to answer
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= self._native.max_body:
                    chunks.append(chunk)
                more = message.get("more_body", False)
            if size > self._native.max_body:
                answer = self._native.too_large()
            else:
                answer = self._native.handle(method, path, b"".join(chunks))
        status, text = answer
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain; charset=utf-8")]}
        )
        await send({"type": "http.response.body", "body": text.encode()})


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 503: "Service Unavailable"}
