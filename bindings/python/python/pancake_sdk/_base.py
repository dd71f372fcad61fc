"""What every client shares: the native client, calls (sync and async), iteration."""

from __future__ import annotations

import atexit
import os
import warnings
import weakref

from ._exceptions import APIWarning
from . import _native
from ._native import NativeClient

# `typing` and `asyncio` are not loaded at run time by `import pancake_sdk` (asyncio: by the
# first awaited call); type checkers read this.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from types import TracebackType
    from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

    _Self = TypeVar("_Self", bound="_Client")

    FileInput = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]
    """A file to upload: its bytes, or the path of a file (read by the SDK, without the GIL)."""

    _Upload = Tuple[FileInput, Optional[str], Optional[str], Optional[str]]
    _Media = Tuple[Sequence[FileInput], Optional[str]]
    _NativeFile = Tuple[Union[bytes, str], Optional[str], Optional[str], Optional[str]]

# Stop the SDK's runtime before the interpreter finalizes, so that no worker thread touches
# Python while it is torn down.
atexit.register(_native._shutdown)

def _data(data: FileInput) -> Union[bytes, str]:
    """A file as the native client takes it: its bytes, or its path as text."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    raise TypeError(f"a file is bytes or a path, not {type(data).__name__}")


def _file(upload: Optional[_Upload]) -> Optional[_NativeFile]:
    """The file of an upload, with its name, MIME type and platform."""
    if upload is None:
        return None
    data, filename, mime_type, platform = upload
    return (_data(data), filename, mime_type, platform)


def _files(media: Optional[_Media]) -> Optional[Tuple[List[_NativeFile], Optional[str]]]:
    """The files of a media send, and the page's platform."""
    if media is None:
        return None
    files, platform = media
    if isinstance(files, (bytes, bytearray, memoryview, str, os.PathLike)):
        raise TypeError("files is a list of files (bytes or paths), not one file")
    return ([(_data(data), None, None, None) for data in files], platform)

DEFAULT_TIMEOUT = 30.0
"""Seconds one request may take (each attempt)."""
DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to establish a connection."""
DEFAULT_DEADLINE = 60.0
"""Seconds a whole call may take: its attempts, waits and backoff together."""
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""The largest answer body read (32 MiB); a larger one raises `ResponseTooLargeError`."""
DEFAULT_MAX_RETRIES = 3
"""Retries of a read after a transient failure (a send is never retried once it left)."""


def _token(given: Optional[str], variable: str) -> Optional[str]:
    return given if given is not None else os.environ.get(variable) or None


def _without_none(args: Dict[str, Any]) -> Dict[str, Any]:
    cleaned = {key: value for key, value in args.items() if value is not None}
    body = cleaned.get("body")
    if isinstance(body, dict):
        cleaned["body"] = {key: value for key, value in body.items() if value is not None}
    return cleaned


def _warn(warning: Optional[Any]) -> None:
    if warning is not None:
        code, message = warning
        warnings.warn(APIWarning(code, message), stacklevel=4)


class _Client:
    """A client of one API; safe to share between threads (and usable after a fork)."""

    _api = ""

    def __init__(
        self,
        page_token: Optional[str],
        user_token: Optional[str],
        *,
        page_tokens: Optional[Mapping[str, str]] = None,
        base_url: Optional[str],
        timeout: float,
        connect_timeout: float,
        deadline: float,
        max_response_bytes: int,
        max_retries: int,
        rate_limit: bool,
    ) -> None:
        self.base_url = base_url
        self._native = NativeClient(
            self._api,
            page_token=page_token,
            user_token=user_token,
            page_tokens=dict(page_tokens or {}),
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            max_retries=max_retries,
            rate_limit=rate_limit,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def close(self) -> None:
        """Releases nothing yet (connections are pooled and closed with the process); kept so
        that clients work as context managers and with `contextlib.closing`."""


class _SyncClient(_Client):
    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        error: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def _call(
        self,
        operation: str,
        args: Dict[str, Any],
        timeout: Optional[float],
        deadline: Optional[float],
        upload: Optional[_Upload] = None,
        media: Optional[_Media] = None,
    ) -> Any:
        body, _status, warning = self._native.call(
            operation, _without_none(args), timeout, deadline, _file(upload), _files(media)
        )
        _warn(warning)
        return body

    def _iter(
        self, operation: str, args: Dict[str, Any], timeout: Optional[float], deadline: Optional[float]
    ) -> Iterator[Any]:
        pager = self._native.stream(operation, _without_none(args), timeout, deadline)

        def items() -> Iterator[Any]:
            while True:
                item = pager.next()
                if item is None:
                    return
                yield item

        return items()


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class _Completions:
    """The outcomes of one event loop's native background calls. The runtime's threads queue
    them (as bytes) and wake the loop through a socket; they become Python objects here, on the
    loop's thread, so that no runtime thread ever waits for the GIL."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._native = _native.Completions()
        self._pending: Dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        loop.add_reader(self._native.fileno(), self._drain)

    def _drain(self) -> None:
        for call, outcome in self._native.drain():
            future = self._pending.pop(call, None)
            if future is not None:
                _settle(future, outcome)

    async def wait(self, start: Any) -> Any:
        """Starts a native background call (`start(completions, id)`) and waits for it."""
        import asyncio

        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        call, self._next_id = self._next_id, self._next_id + 1
        self._pending[call] = future
        task = start(self._native, call)
        try:
            return await future
        except asyncio.CancelledError:
            task.cancel()
            self._pending.pop(call, None)
            raise


_loops: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Completions]" = weakref.WeakKeyDictionary()


async def _wait(start: Any) -> Any:
    """Runs a native background call and waits for its outcome on the running loop."""
    import asyncio

    loop = asyncio.get_running_loop()
    completions = _loops.get(loop)
    if completions is None:
        completions = _loops[loop] = _Completions(loop)
    return await completions.wait(start)


class _AsyncClient(_Client):
    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(
        self,
        kind: Optional[Type[BaseException]],
        error: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    async def _call(
        self,
        operation: str,
        args: Dict[str, Any],
        timeout: Optional[float],
        deadline: Optional[float],
        upload: Optional[_Upload] = None,
        media: Optional[_Media] = None,
    ) -> Any:
        cleaned, file, files = _without_none(args), _file(upload), _files(media)
        body, _status, warning = await _wait(
            lambda completions, call: self._native.start(
                operation, cleaned, completions, call, timeout, deadline, file, files
            )
        )
        _warn(warning)
        return body

    def _iter(
        self, operation: str, args: Dict[str, Any], timeout: Optional[float], deadline: Optional[float]
    ) -> AsyncIterator[Any]:
        pager = self._native.stream(operation, _without_none(args), timeout, deadline)

        async def items() -> AsyncIterator[Any]:
            while True:
                item = await _wait(pager.start_next)
                if item is None:
                    return
                yield item

        return items()
