"""The exceptions of the SDK: one base, `PancakeSDKError`, and a class for each kind of failure.

    PancakeSDKError
    ├── ValidationError (also a ValueError): refused before anything was sent; `.field` names it
    ├── MissingCredentialError: the client has no token of the kind the operation needs
    └── APIError: `.status_code`, `.body`, `.raw_body`, `.error_code`, `.api_message`, `.kind`
        ├── APIConnectionError: no (complete) answer
        │   └── APITimeoutError: a timeout, or the call's deadline passed
        ├── ResponseTooLargeError: the answer was larger than `max_response_bytes`
        ├── OutcomeUnknownError: a send may have been delivered although it failed
        ├── APIResponseValidationError: a success whose body does not decode
        ├── PaginationError: a list's server repeated a page
        └── APIStatusError: an error status
            ├── BadRequestError (400)
            ├── AuthenticationError (401, 403)
            ├── NotFoundError (404)
            ├── RateLimitError (429)
            └── InternalServerError (5xx)

`success: false` at HTTP 200 is an `APIError` itself. A success that carries an `error_code`
is not an exception: it emits an `APIWarning`. No exception or warning ever shows a token of
the client: `str()`, `repr()`, `.body` and `.api_message` are redacted, server text included.
Only `.raw_body` holds the answer's bytes exactly as they came, and it may hold what the server
echoed of the request, the token included: do not log it as it is.
"""

from __future__ import annotations

# `typing` is not loaded at run time: `import pancake_sdk` stays light (type checkers read this).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

_KINDS = {
    100: "invalid_token",
    102: "missing_token",
    103: "session_expired",
    105: "token_renewed_or_no_permission",
    121: "subscription_problem",
    122: "subscription_expired",
    10: "outside_messaging_window",
    551: "outside_messaging_window",
}


def error_kind(code: Optional[int]) -> Optional[str]:
    """The name of a known `error_code` (`invalid_token`, `session_expired`, ...), `other` for
    an unknown one, None without a code."""
    if code is None:
        return None
    return _KINDS.get(code, "other")


class PancakeSDKError(Exception):
    """Every error the SDK raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(PancakeSDKError, ValueError):
    """An input was refused before any request was sent."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


class MissingCredentialError(PancakeSDKError):
    """The client holds no token of the kind this operation needs."""

    def __init__(
        self, message: str, operation: Optional[str] = None, token: Optional[str] = None, page_id: Optional[str] = None
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.token = token
        self.page_id = page_id
        """For a page token: the page that has none."""


class APIError(PancakeSDKError):
    """A failed call to the API."""

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        body: Any = None,
        raw_body: Optional[bytes] = None,
        error_code: Optional[int] = None,
        api_message: Optional[str] = None,
        page_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.page_id = page_id
        """The page the call addressed; for a token error, the page whose token is invalid or
        was renewed."""
        self.status_code = status_code
        self.body = body
        """The answer's body (JSON for an API error, else text), the client's tokens redacted."""
        self.raw_body = raw_body
        """The answer's bytes exactly as they came: may hold what the server echoed, tokens
        included."""
        self.error_code = error_code
        self.api_message = api_message

    @property
    def kind(self) -> Optional[str]:
        """The name of the `error_code`, e.g. `invalid_token`; None without one."""
        return error_kind(self.error_code)


class APIConnectionError(APIError):
    """The request could not be sent, or no complete answer came back."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ResponseTooLargeError(APIError):
    """The answer's body was larger than the client's `max_response_bytes`; reading stopped
    there. The request reached the server: a send may have been carried out."""

    def __init__(self, message: str, *, limit: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class OutcomeUnknownError(APIError):
    """A send (POST) failed after it left: it may have been carried out (a message may have
    been delivered). The SDK never retries it; check before sending again."""

    def __init__(self, message: str, *, operation: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.operation = operation


class APIResponseValidationError(APIError):
    """A successful answer (2xx) whose body does not decode into the spec's shape. The server
    accepted the call: for a send, it went out; do not send it again."""


class PaginationError(APIError):
    """A list's pages did not add up (the server repeated a page); iteration stopped."""


class APIStatusError(APIError):
    """The API answered an error status."""


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401 or 403: a missing, wrong, expired or renewed token, or no permission."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many calls (Pancake allows 5 per page per second)."""


class InternalServerError(APIStatusError):
    """HTTP 5xx."""


class APIWarning(UserWarning):
    """A success that came with an `error_code` (e.g. 121, a subscription problem): the call
    went through, and the API flagged something."""

    def __init__(self, error_code: int, message: Optional[str]) -> None:
        super().__init__(f"API warning {error_code}: {message or 'no message'}")
        self.error_code = error_code
        self.api_message = message

    @property
    def kind(self) -> Optional[str]:
        """The name of the `error_code`."""
        return error_kind(self.error_code)


def _status_class(status: Optional[int]) -> type[APIError]:
    if status is None or status < 400:
        return APIError
    if status == 400:
        return BadRequestError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return InternalServerError
    return APIStatusError


def _from_native(kind: str, message: str, details: Dict[str, Any]) -> PancakeSDKError:
    """The exception for an error of the native module (called by it): `kind` is the name of
    the SDK's `ErrorKind` (an unknown kind, from a newer native module, is a `PancakeSDKError`)."""
    status = details.get("status_code")
    common: Dict[str, Any] = {"status_code": status, "body": details.get("body"), "raw_body": details.get("raw_body")}
    if kind == "invalid_request":
        return ValidationError(message, details.get("field"))
    if kind == "missing_credential":
        return MissingCredentialError(message, details.get("operation"), details.get("token"), details.get("page_id"))
    if kind in ("timeout", "deadline"):
        return APITimeoutError(message)
    if kind == "too_large":
        return ResponseTooLargeError(message, limit=details.get("limit"), **common)
    if kind == "transport":
        return APIConnectionError(message)
    if kind == "outcome_unknown":
        return OutcomeUnknownError(message, operation=details.get("operation"), **common)
    if kind == "decode":
        return APIResponseValidationError(message, **common)
    if kind == "pagination":
        return PaginationError(message)
    if kind in ("api", "status"):
        cls = _status_class(status)
        if kind == "status" and cls is APIError:
            cls = APIStatusError  # an error status below 400 (a redirect): still a status error
        return cls(
            message,
            error_code=details.get("error_code"),
            api_message=details.get("api_message"),
            page_id=details.get("page_id"),
            **common,
        )
    return PancakeSDKError(message)
