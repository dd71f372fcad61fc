"""Clients for the Pancake (pages.fm) and Botcake public APIs; every request runs in Rust.

    from pancake_sdk import Pancake

    client = Pancake(page_access_token="...")
    for customer in client.iter_page_customers(page_id="...", since=0, until=1_800_000_000):
        print(customer["name"])

Clients: `Botcake`, `Pancake` (sync) and `AsyncBotcake`, `AsyncPancake` (asyncio). Answers are
plain dicts of the JSON the server sent, every field kept; `pancake_sdk.types` describes them.
Errors are subclasses of `PancakeSDKError` (see `pancake_sdk._exceptions`); none shows a token.
Each call logs to the `logging` logger `pancake_sdk` (INFO: one line per call; DEBUG: one per
attempt), with the operation, method, route template, attempt, status and duration, never an id,
a query or a token. Levels are read once: after changing them, call
`pancake_sdk._native.reset_log_cache()`.

`pancake_sdk.webhooks` reads Pancake's webhook events and receives them (WSGI or ASGI).
"""

from __future__ import annotations

from ._client import AsyncBotcake, AsyncPancake, Botcake, Pancake
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    APIWarning,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    MissingCredentialError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    PancakeSDKError,
    RateLimitError,
    ResponseTooLargeError,
    ValidationError,
)
from ._native import __version__

# `typing` is not loaded at run time: `import pancake_sdk` stays light (type checkers read this).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from . import types as types, webhooks as webhooks


def __getattr__(name: str) -> Any:
    # `types` and `webhooks` load on first use: `import pancake_sdk` stays light.
    if name in ("types", "webhooks"):
        import importlib

        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "APIWarning",
    "AsyncBotcake",
    "AsyncPancake",
    "AuthenticationError",
    "BadRequestError",
    "Botcake",
    "InternalServerError",
    "MissingCredentialError",
    "NotFoundError",
    "OutcomeUnknownError",
    "Pancake",
    "PaginationError",
    "PancakeSDKError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ValidationError",
    "__version__",
    "types",
    "webhooks",
]
