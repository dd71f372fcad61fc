"""Fixtures: a sandbox server (the `pancake-sandbox` binary) per test, and clients for it."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import pancake_sdk

ROOT = Path(__file__).resolve().parents[2]
PAGE_ID = "105000000000001"
INBOX = "105000000000001_6100000000010003"
PAGE_TOKEN = "sandbox-page-token"
USER_TOKEN = "sandbox-user-token"
# The tests pin the sandbox's data to the year from 2025-10-01 (its default follows today).
FIXED_EPOCH = 1_759_276_800


class Sandbox:
    """A running `pancake-sandbox` on 127.0.0.1."""

    def __init__(self, *extra: str) -> None:
        binary = os.environ.get("PANCAKE_SANDBOX_BIN", str(ROOT / "target" / "debug" / "pancake-sandbox"))
        self.process = subprocess.Popen([binary, "--port", "0", "--epoch", str(FIXED_EPOCH), *extra], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        assert first.startswith("listening on "), first
        self.url = first.removeprefix("listening on ")
        self.botcake_url = self.url + "/api/public_api/v1"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def fault(self, fault: str, operation_id: str | None = None, times: int = 1) -> None:
        self._request("POST", "/_sandbox/faults", {"fault": fault, "operation_id": operation_id, "times": times})

    def journal(self) -> List[Dict[str, Any]]:
        return list(self._request("GET", "/_sandbox/journal")["entries"])

    def requests(self) -> List[Dict[str, Any]]:
        return list(self._request("GET", "/_sandbox/requests")["requests"])

    def reset(self) -> None:
        """Forgets every write, the journal and the request log."""
        self._request("POST", "/_sandbox/reset", {})


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    server = Sandbox()
    yield server
    server.stop()


@pytest.fixture
def pancake(sandbox: Sandbox) -> pancake_sdk.Pancake:
    return pancake_sdk.Pancake(PAGE_TOKEN, USER_TOKEN, base_url=sandbox.url, rate_limit=False)


@pytest.fixture
def botcake(sandbox: Sandbox) -> pancake_sdk.Botcake:
    return pancake_sdk.Botcake(PAGE_TOKEN, base_url=sandbox.botcake_url)


@pytest.fixture
def async_pancake(sandbox: Sandbox) -> pancake_sdk.AsyncPancake:
    return pancake_sdk.AsyncPancake(PAGE_TOKEN, USER_TOKEN, base_url=sandbox.url, rate_limit=False)


@pytest.fixture
def async_botcake(sandbox: Sandbox) -> pancake_sdk.AsyncBotcake:
    return pancake_sdk.AsyncBotcake(PAGE_TOKEN, base_url=sandbox.botcake_url)


def calls() -> List[Dict[str, Any]]:
    """The table of one call per operation that every binding replays."""
    return list(json.loads((ROOT / "tests" / "calls.json").read_text())["calls"])


def keyword_arguments(args: Dict[str, Any]) -> Dict[str, Any]:
    """A call's arguments as the Python methods take them: parameters and body fields alike, and
    an upload's file as bytes with its name and MIME type."""
    kwargs = {key: value for key, value in args.items() if key not in ("body", "file")}
    kwargs.update(args.get("body", {}))
    if "file" in args:
        file = args["file"]
        kwargs.update(file=file["text"].encode(), filename=file["name"], mime_type=file["mime_type"])
    return kwargs


def snapshot(operation: str) -> Dict[str, Any]:
    """The request the Rust client put on the wire for this call (its insta snapshot)."""
    text = (ROOT / "tests" / "rust" / "snapshots" / f"operations__{operation}.snap").read_text()
    return dict(json.loads(text.split("---", 2)[2]))


def on_the_wire(sandbox: Sandbox) -> Dict[str, Any]:
    """The last request the sandbox received, in the snapshots' form (tokens named, host and
    SDK version normalised); the User-Agent, which differs by language, is checked apart."""
    request = sandbox.requests()[-1]

    def redact(text: str) -> str:
        return text.replace(PAGE_TOKEN, "[page token]").replace(USER_TOKEN, "[user token]")

    headers = []
    for name, value in request["headers"]:
        if name == "host":
            value = "127.0.0.1:[port]"
        if name == "user-agent":
            assert value.startswith("pancake-sdk-python/"), value
            value = "pancake-sdk-rust/[version]"
        headers.append(f"{name}: {redact(value)}")
    return {
        "operation_id": request["operation_id"],
        "method": request["method"],
        "path": request["path"],
        "query": [f"{key}={redact(value)}" for key, value in request["query"]],
        "headers": headers,
        "body": request["body"],
    }
