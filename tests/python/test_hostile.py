"""Hostile inputs, hostile servers and busy processes: no crash, no route change, bounded
memory, no token in any rendered text, and a clean exit whatever ran before it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List

import pytest

import pancake_sdk
from conftest import INBOX, PAGE_ID, PAGE_TOKEN, USER_TOKEN, Sandbox

TOKENS = (PAGE_TOKEN, USER_TOKEN)


def client(sandbox: Sandbox, **settings: Any) -> pancake_sdk.Pancake:
    options: Dict[str, Any] = {"rate_limit": False, "max_retries": 0}
    options.update(settings)
    return pancake_sdk.Pancake(PAGE_TOKEN, USER_TOKEN, base_url=sandbox.url, **options)


def test_ids_that_are_not_one_path_segment_are_refused(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    for page_id, conversation_id, field in [("..", "..", "page_id"), (".", INBOX, "page_id"), (PAGE_ID, "..", "conversation_id")]:
        with pytest.raises(pancake_sdk.ValidationError) as raised:
            pancake.send_message(page_id=page_id, conversation_id=conversation_id, action="reply_inbox", message="hi")
        assert raised.value.field == field
    assert sandbox.requests() == [], "nothing may be sent"
    # Separators stay inside the segment.
    for page_id in ["a/b", "..\\..", "%2e%2e"]:
        with pytest.raises(pancake_sdk.PancakeSDKError):
            pancake.list_tags(page_id=page_id)
        path = sandbox.requests()[-1]["path"]
        assert path.startswith("/api/public_api/v1/pages/") and path.endswith("/tags") and path.count("/") == 6, path


def test_deep_cyclic_and_out_of_range_arguments_raise_a_validation_error(sandbox: Sandbox, botcake: pancake_sdk.Botcake) -> None:
    deep: Dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    cyclic: List[Any] = []
    cyclic.append(cyclic)
    cases: List[tuple[Any, str]] = [
        ({"version": "v2", "content": {"messages": [deep]}}, "nested deeper"),
        ({"version": "v2", "content": {"messages": cyclic}}, "contains itself"),
        ({"version": "v2", "content": {"messages": [{"n": float("inf")}]}}, "finite"),
        ({"version": "v2", "content": {"messages": [{"n": float("nan")}]}}, "finite"),
        ({"version": "v2", "content": {"messages": [{"n": 2**70}]}}, "64-bit"),
        ({"version": "v2", "content": {"messages": [{1: "x"}]}}, "not a str"),
        ({"version": "v2", "content": {"messages": [{"n": object()}]}}, "cannot be sent"),
    ]
    for data, why in cases:
        with pytest.raises(pancake_sdk.ValidationError) as raised:
            botcake.send_content(page_id=PAGE_ID, psid="6100000000000001", data=data)
        assert why in str(raised.value), raised.value
        assert raised.value.field is not None and raised.value.field.startswith("body.data.content.messages"), raised.value.field
    assert sandbox.requests() == []


def test_conversion_runs_none_of_the_callers_code(sandbox: Sandbox, botcake: pancake_sdk.Botcake) -> None:
    class EndlessList(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            while True:
                yield {}

    class MutatingKey(str):
        def __str__(self) -> str:
            data.clear()
            return "x"

        __hash__ = str.__hash__

    data: Dict[Any, Any] = {"version": "v2", "content": {"messages": EndlessList([{"type": "text", "text": "hi"}])}}
    data[MutatingKey("k")] = 1
    # The endless `__iter__` and the mutating `__str__` never run: the stored items are sent.
    botcake.send_content(page_id=PAGE_ID, psid="6100000000000001", data=data)
    sent = sandbox.requests()[-1]["body"]["data"]
    assert sent["content"]["messages"] == [{"type": "text", "text": "hi"}] and sent["k"] == 1, sent


def test_a_huge_or_endless_answer_raises_the_size_error(sandbox: Sandbox) -> None:
    pancake = client(sandbox)
    sandbox.fault("huge-body=1073741824")
    with pytest.raises(pancake_sdk.ResponseTooLargeError) as raised:
        pancake.list_tags(page_id=PAGE_ID)
    assert raised.value.limit == 32 * 1024 * 1024 and raised.value.status_code == 200
    small = client(sandbox, max_response_bytes=1024 * 1024)
    sandbox.fault("endless-body")
    with pytest.raises(pancake_sdk.ResponseTooLargeError):
        small.list_tags(page_id=PAGE_ID)


def test_a_gigabyte_answer_keeps_the_process_small(sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "huge.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import resource, urllib.request, json
            import pancake_sdk
            url = {sandbox.url!r}
            def fault(text):
                request = urllib.request.Request(url + "/_sandbox/faults", data=json.dumps({{"fault": text}}).encode(), method="POST")
                urllib.request.urlopen(request).read()
            client = pancake_sdk.Pancake({PAGE_TOKEN!r}, base_url=url, rate_limit=False, deadline=20.0)
            client.list_tags(page_id={PAGE_ID!r})
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            for text in ("huge-body=1073741824", "endless-body"):
                fault(text)
                try:
                    client.list_tags(page_id={PAGE_ID!r})
                except pancake_sdk.ResponseTooLargeError:
                    pass
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(before, after)
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = (int(n) for n in done.stdout.split())
    assert (after - before) / 1024 < 100, f"the peak grew by {(after - before) / 1024:.0f} MiB"


def test_no_exception_shows_a_token_the_server_echoed(sandbox: Sandbox) -> None:
    pancake = client(sandbox)
    for fault in ["echo=502", "echo-json=401", "echo-json=200", "echo=200"]:
        for call in (lambda: pancake.list_tags(page_id=PAGE_ID), pancake.list_pages):
            sandbox.fault(fault)
            with pytest.raises(pancake_sdk.APIError) as raised:
                call()
            error = raised.value
            shown = "\n".join(str(part) for part in (str(error), repr(error), error.body, error.api_message, error.args))
            assert not any(token in shown for token in TOKENS), shown
            assert "[REDACTED]" in shown, shown
            assert error.raw_body is not None and any(token.encode() in error.raw_body for token in TOKENS)
    sandbox.fault("echo=502")
    with pytest.raises(pancake_sdk.OutcomeUnknownError) as unknown:
        pancake.send_message(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="hi")
    assert not any(token in f"{unknown.value} {unknown.value!r} {unknown.value.body}" for token in TOKENS)


def test_a_call_never_outlives_its_deadline(sandbox: Sandbox) -> None:
    pancake = client(sandbox, timeout=0.8, deadline=1.2, max_retries=5)
    sandbox.fault("latency=3000", times=10)
    started = time.monotonic()
    with pytest.raises(pancake_sdk.APITimeoutError):
        pancake.list_tags(page_id=PAGE_ID)
    assert time.monotonic() - started < 1.2 + 0.4
    sandbox.fault("latency=3000", times=10)
    started = time.monotonic()
    with pytest.raises(pancake_sdk.APITimeoutError):
        pancake.list_tags(page_id=PAGE_ID, deadline=0.5)
    assert time.monotonic() - started < 0.5 + 0.4


def test_each_call_is_logged_to_the_pancake_sdk_logger(sandbox: Sandbox, pancake: pancake_sdk.Pancake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pancake_sdk")
    pancake_sdk._native.reset_log_cache()
    pancake.list_tags(page_id=PAGE_ID)
    pancake.list_pages()
    records = [r for r in caplog.records if r.name == "pancake_sdk"]
    text = "\n".join(r.getMessage() for r in records)
    assert any(r.levelno == logging.INFO for r in records) and any(r.levelno == logging.DEBUG for r in records), text
    for expected in ['operation="list_tags"', "method=GET", 'route="/api/public_api/v1/pages/{page_id}/tags"', "status=200", "attempt=1"]:
        assert expected in text, text
    for secret in (PAGE_ID, PAGE_TOKEN, USER_TOKEN, "access_token"):
        assert secret not in text, text


THREADS_ASYNCIO_FORK = """
import asyncio, os, sys, threading
import pancake_sdk
if {pinned}:
    os.sched_setaffinity(0, {{0}})
url, page = sys.argv[1], sys.argv[2]
sync = pancake_sdk.Pancake("sandbox-page-token", base_url=url, rate_limit=False)
aio = pancake_sdk.AsyncPancake("sandbox-page-token", base_url=url, rate_limit=False)
def work():
    for _ in range(3):
        sync.list_tags(page_id=page)
threads = [threading.Thread(target=work) for _ in range(16)]
for t in threads:
    t.start()
async def main():
    await asyncio.gather(*(aio.list_tags(page_id=page) for _ in range(16)))
asyncio.run(main())
for t in threads:
    t.join()
child = os.fork()
if child == 0:
    sync.list_tags(page_id=page)
    sys.exit(0)
_, status = os.waitpid(child, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
"""

ASYNC_EXIT = """
import asyncio, os, sys
import pancake_sdk
if {pinned}:
    os.sched_setaffinity(0, {{0}})
url, page = sys.argv[1], sys.argv[2]
client = pancake_sdk.AsyncPancake("sandbox-page-token", base_url=url, rate_limit=False)
async def main():
    await asyncio.gather(*(client.list_tags(page_id=page) for _ in range(64)))
asyncio.run(main())
"""


@pytest.mark.parametrize("scenario", ["threads_asyncio_fork", "async_exit"])
@pytest.mark.parametrize("pinned", [False, True], ids=["any-cpu", "one-cpu"])
def test_busy_processes_exit_cleanly_every_time(sandbox: Sandbox, tmp_path: Path, scenario: str, pinned: bool) -> None:
    source = THREADS_ASYNCIO_FORK if scenario == "threads_asyncio_fork" else ASYNC_EXIT
    script = tmp_path / f"{scenario}.py"
    script.write_text(source.format(pinned=pinned))

    def run(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script), sandbox.url, PAGE_ID], capture_output=True, text=True, timeout=120
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(run, range(50)))
    failed = [r for r in runs if r.returncode != 0]
    assert not failed, f"{len(failed)} of 50 runs failed; first: exit {failed[0].returncode}\n{failed[0].stderr[-2000:]}"


def test_docstrings_and_stubs_list_every_value_of_a_body_variant() -> None:
    for method in (pancake_sdk.Pancake.send_message, pancake_sdk.AsyncPancake.send_message):
        doc = method.__doc__ or ""
        action = next(line for line in doc.splitlines() if line.strip().startswith("action:"))
        assert "private_replies" in action and "reply_inbox" in action, action
