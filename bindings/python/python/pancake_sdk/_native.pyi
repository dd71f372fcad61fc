"""Type stubs of the native module (Rust, through pyo3)."""

from typing import Any, Callable, Dict, List, Optional, Tuple, Union, final

__all__ = ["Completions", "ERROR_KINDS", "NativeClient", "NativeReceiver", "Pager", "Task", "__version__", "_shutdown", "parse_webhook", "reset_log_cache"]
__version__: str
ERROR_KINDS: list[str]

def _shutdown() -> None: ...
def reset_log_cache() -> None: ...

@final
class NativeClient:
    def __new__(
        cls,
        api: str,
        *,
        page_token: Optional[str] = None,
        user_token: Optional[str] = None,
        page_tokens: Optional[Dict[str, str]] = None,
        base_url: Optional[str] = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        deadline: float = 60.0,
        max_response_bytes: int = 33554432,
        max_retries: int = 3,
        rate_limit: bool = True,
    ) -> NativeClient: ...
    def call(
        self,
        operation: str,
        args: Dict[str, Any],
        timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        file: Optional[Tuple[Union[bytes, str], Optional[str], Optional[str], Optional[str]]] = None,
        media: Optional[
            Tuple[List[Tuple[Union[bytes, str], Optional[str], Optional[str], Optional[str]]], Optional[str]]
        ] = None,
    ) -> Tuple[Any, int, Optional[Tuple[int, Optional[str]]]]: ...
    def start(
        self,
        operation: str,
        args: Dict[str, Any],
        completions: Completions,
        id: int,
        timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        file: Optional[Tuple[Union[bytes, str], Optional[str], Optional[str], Optional[str]]] = None,
        media: Optional[
            Tuple[List[Tuple[Union[bytes, str], Optional[str], Optional[str], Optional[str]]], Optional[str]]
        ] = None,
    ) -> Task: ...
    def stream(
        self,
        operation: str,
        args: Dict[str, Any],
        timeout: Optional[float] = None,
        deadline: Optional[float] = None,
    ) -> Pager: ...

@final
class Task:
    def cancel(self) -> None: ...

@final
class Pager:
    def next(self) -> Any: ...
    def start_next(self, completions: Completions, id: int) -> Task: ...

@final
class Completions:
    def __new__(cls) -> Completions: ...
    def fileno(self) -> int: ...
    def drain(self) -> List[Tuple[int, Any]]: ...

def parse_webhook(body: bytes) -> Tuple[Dict[str, Any], Optional[int]]: ...

@final
class NativeReceiver:
    def __new__(cls, secret: str, reorder_window: float, max_body: int, queue: int) -> NativeReceiver: ...
    @property
    def max_body(self) -> int: ...
    def check(self, method: str, path: str) -> Optional[Tuple[int, str]]: ...
    def handle(self, method: str, path: str, body: bytes) -> Tuple[int, str]: ...
    def too_large(self) -> Tuple[int, str]: ...
    def next(self, timeout: float) -> Optional[Tuple[Dict[str, Any], Optional[int]]]: ...
    def start_next(self, timeout: float, done: Callable[[Any], object]) -> Task: ...
    def health(self) -> Dict[str, Any]: ...
