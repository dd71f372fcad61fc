"""The four clients: `Botcake`, `AsyncBotcake`, `Pancake`, `AsyncPancake`."""

from __future__ import annotations

# `typing` is not loaded at run time: `import pancake_sdk` stays light (type checkers read this).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping, Optional

from ._base import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    _Client,
    _token,
)
from ._operations import AsyncBotcakeOperations, AsyncPancakeOperations, BotcakeOperations, PancakeOperations


class _BotcakeSettings(_Client):
    """The constructor of both Botcake clients.

    Args:
        access_token: The page's Botcake API token (Settings -> API); defaults to the
            `BOTCAKE_ACCESS_TOKEN` environment variable. A missing token fails at the first call.
        base_url: In place of `https://botcake.io/api/public_api/v1` (a proxy, the sandbox).
        timeout: Seconds one request may take.
        connect_timeout: Seconds to establish a connection.
        deadline: Seconds a whole call may take, attempts, waits and backoff together.
        max_response_bytes: The largest answer body read (default 32 MiB); a larger one
            raises `ResponseTooLargeError`.
        max_retries: Retries of a read after a transient failure (0 disables).
    """

    _api = "botcake"

    def __init__(
        self,
        access_token: Optional[str] = None,
        *,
        base_url: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        super().__init__(
            _token(access_token, "BOTCAKE_ACCESS_TOKEN"),
            None,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            rate_limit=False,
        )


class _PancakeSettings(_Client):
    """The constructor of both Pancake clients.

    Args:
        page_access_token: The page token, for `/api/public_api/v1/...` operations; defaults to
            `PANCAKE_PAGE_ACCESS_TOKEN`.
        user_access_token: The user token, for `/api/v1/...` operations (`list_pages`,
            `send_message`, ...); defaults to `PANCAKE_USER_ACCESS_TOKEN`.
        page_tokens: Page tokens by page id, used for those pages' calls in place of
            `page_access_token`: one client serves many pages. Errors name the page whose token
            is missing, invalid or renewed (`.page_id`), never the token.
        base_url: In place of `https://pages.fm` (a proxy, the sandbox).
        timeout: Seconds one request may take.
        connect_timeout: Seconds to establish a connection.
        deadline: Seconds a whole call may take, attempts, waits and backoff together.
        max_response_bytes: The largest answer body read (default 32 MiB); a larger one
            raises `ResponseTooLargeError`.
        max_retries: Retries of a read after a transient failure (0 disables).
        rate_limit: Space calls to stay within 5 per page per second (shared by threads).
    """

    _api = "pancake"

    def __init__(
        self,
        page_access_token: Optional[str] = None,
        user_access_token: Optional[str] = None,
        *,
        page_tokens: Optional[Mapping[str, str]] = None,
        base_url: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_limit: bool = True,
    ) -> None:
        super().__init__(
            _token(page_access_token, "PANCAKE_PAGE_ACCESS_TOKEN"),
            _token(user_access_token, "PANCAKE_USER_ACCESS_TOKEN"),
            page_tokens=page_tokens,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            rate_limit=rate_limit,
        )


class Botcake(_BotcakeSettings, BotcakeOperations):
    """A Botcake client (see `_BotcakeSettings` for its arguments)."""


class AsyncBotcake(_BotcakeSettings, AsyncBotcakeOperations):
    """A Botcake client for asyncio: the same arguments and methods as `Botcake`, awaitable."""


class Pancake(_PancakeSettings, PancakeOperations):
    """A Pancake (pages.fm) client (see `_PancakeSettings` for its arguments)."""


class AsyncPancake(_PancakeSettings, AsyncPancakeOperations):
    """A Pancake client for asyncio: the same arguments and methods as `Pancake`, awaitable."""
