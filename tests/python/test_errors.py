"""Each way a call can fail raises its own exception; tokens never show."""

from __future__ import annotations

import asyncio
import warnings

import pytest

import pancake_sdk
from conftest import INBOX, PAGE_ID, PAGE_TOKEN, USER_TOKEN, Sandbox

SECRET = "tok-SECRET-9c2d"


def fast(sandbox: Sandbox, **settings: object) -> pancake_sdk.Pancake:
    options: dict[str, object] = {"rate_limit": False, "timeout": 0.5}
    options.update(settings)
    return pancake_sdk.Pancake(PAGE_TOKEN, USER_TOKEN, base_url=sandbox.url, **options)  # type: ignore[arg-type]


def test_bad_inputs_raise_a_validation_error_naming_the_field(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    cases = [
        ("page_number", lambda: pancake.list_page_customers(page_id=PAGE_ID, since=0, until=1, page_number=0)),
        ("page_size", lambda: pancake.list_posts(page_id=PAGE_ID, since=0, until=1, page_number=1, page_size=31)),
        ("since", lambda: pancake.list_page_customers(page_id=PAGE_ID, since=5, until=1, page_number=1)),
        ("date_range", lambda: pancake.get_user_statistics(page_id=PAGE_ID, date_range="last week")),
        ("page_id", lambda: pancake.list_tags(page_id="")),
        ("message", lambda: pancake.send_message(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="hi", content_url="https://i.ibb.co/x.png")),
        ("body", lambda: pancake.send_message(page_id=PAGE_ID, conversation_id=INBOX, action="private_replies", message="hi")),
    ]
    for field, call in cases:
        with pytest.raises(pancake_sdk.ValidationError) as raised:
            call()
        assert raised.value.field == field, (field, raised.value)
        assert isinstance(raised.value, ValueError)
    assert sandbox.requests() == [], "nothing was sent"


def test_a_missing_token_fails_at_the_first_call_that_needs_it(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANCAKE_USER_ACCESS_TOKEN", raising=False)
    client = pancake_sdk.Pancake(PAGE_TOKEN, base_url=sandbox.url)
    assert client.list_tags(page_id=PAGE_ID)["success"]
    with pytest.raises(pancake_sdk.MissingCredentialError) as raised:
        client.list_pages()
    assert raised.value.operation == "list_pages"


def test_tokens_come_from_the_environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANCAKE_PAGE_ACCESS_TOKEN", PAGE_TOKEN)
    monkeypatch.setenv("PANCAKE_USER_ACCESS_TOKEN", USER_TOKEN)
    monkeypatch.setenv("BOTCAKE_ACCESS_TOKEN", PAGE_TOKEN)
    assert pancake_sdk.Pancake(base_url=sandbox.url).list_pages()["success"]
    assert pancake_sdk.Botcake(base_url=sandbox.botcake_url).get_tools(page_id=PAGE_ID)["success"]


@pytest.mark.parametrize(
    ("fault", "exception", "status"),
    [
        ("status=400", pancake_sdk.BadRequestError, 400),
        ("status=403", pancake_sdk.AuthenticationError, 403),
        ("status=404", pancake_sdk.NotFoundError, 404),
        ("rate-limit", pancake_sdk.RateLimitError, 429),
        ("status=500", pancake_sdk.InternalServerError, 500),
        ("html-502", pancake_sdk.InternalServerError, 502),
        ("status=503", pancake_sdk.InternalServerError, 503),
        ("malformed-json", pancake_sdk.APIResponseValidationError, 200),
    ],
)
def test_a_read_raises_by_status(sandbox: Sandbox, fault: str, exception: type, status: int) -> None:
    sandbox.fault(fault, "list_tags", times=10)
    with pytest.raises(exception) as raised:
        fast(sandbox, max_retries=1).list_tags(page_id=PAGE_ID)
    assert raised.value.status_code == status
    assert isinstance(raised.value, pancake_sdk.APIError)


def test_connection_and_timeout_errors(sandbox: Sandbox) -> None:
    sandbox.fault("latency=2000", "list_tags", times=10)
    with pytest.raises(pancake_sdk.APITimeoutError):
        fast(sandbox, max_retries=0).list_tags(page_id=PAGE_ID)
    sandbox.fault("drop", "list_tags", times=10)
    with pytest.raises(pancake_sdk.APIConnectionError):
        fast(sandbox, max_retries=0).list_tags(page_id=PAGE_ID)


def test_reads_are_retried_through_a_transient_fault(sandbox: Sandbox) -> None:
    sandbox.fault("status=503", "list_tags", times=1)
    assert len(fast(sandbox).list_tags(page_id=PAGE_ID)["tags"]) == 6
    assert len(sandbox.requests()) == 2


@pytest.mark.parametrize(
    ("code", "kind"),
    [(100, "invalid_token"), (102, "missing_token"), (103, "session_expired"), (105, "token_renewed_or_no_permission"),
     (121, "subscription_problem"), (122, "subscription_expired"), (10, "outside_messaging_window"), (551, "outside_messaging_window")],
)
def test_api_errors_carry_their_code(sandbox: Sandbox, code: int, kind: str) -> None:
    sandbox.fault(f"api-error={code}", "list_tags")
    with pytest.raises(pancake_sdk.APIError) as raised:
        fast(sandbox).list_tags(page_id=PAGE_ID)
    assert type(raised.value) is pancake_sdk.APIError, "success:false at HTTP 200"
    assert (raised.value.error_code, raised.value.kind, raised.value.status_code) == (code, kind, 200)
    assert raised.value.api_message


def test_an_api_error_with_an_error_status_is_also_that_status(sandbox: Sandbox) -> None:
    sandbox.fault("api-error=100@401", "list_tags")
    with pytest.raises(pancake_sdk.AuthenticationError) as raised:
        fast(sandbox).list_tags(page_id=PAGE_ID)
    assert (raised.value.error_code, raised.value.kind) == (100, "invalid_token")


@pytest.mark.parametrize("fault", ["latency=2000", "status=500", "html-502", "status=503", "truncated", "drop"])
def test_a_send_whose_answer_is_lost_raises_outcome_unknown_and_is_sent_once(sandbox: Sandbox, fault: str) -> None:
    sandbox.fault(fault, "send_message", times=10)
    with pytest.raises(pancake_sdk.OutcomeUnknownError) as raised:
        fast(sandbox).send_message(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="Dạ")
    assert raised.value.operation == "send_message"
    assert "may have been delivered" in str(raised.value)
    assert len(sandbox.journal()) == 1
    assert len(sandbox.requests()) == 1


def test_a_refused_send_sent_nothing(sandbox: Sandbox) -> None:
    sandbox.fault("rate-limit=1", "send_message", times=10)
    with pytest.raises(pancake_sdk.RateLimitError):
        fast(sandbox).send_message(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="Dạ")
    assert sandbox.journal() == [] and len(sandbox.requests()) == 1


def test_a_success_with_an_error_code_warns(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    sandbox.fault("warning=121", "send_message")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = pancake.send_message(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="Dạ")
    assert answer["success"] is True and answer["error_code"] == 121
    (warning,) = [w.message for w in caught if isinstance(w.message, pancake_sdk.APIWarning)]
    assert isinstance(warning, pancake_sdk.APIWarning)
    assert (warning.error_code, warning.kind) == (121, "subscription_problem")


def test_async_calls_raise_the_same_exceptions(sandbox: Sandbox, async_pancake: pancake_sdk.AsyncPancake) -> None:
    sandbox.fault("drop", "send_message", times=10)

    async def run() -> None:
        with pytest.raises(pancake_sdk.OutcomeUnknownError):
            await async_pancake.send_message(page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", message="Dạ")
        with pytest.raises(pancake_sdk.ValidationError):
            await async_pancake.list_tags(page_id="")

    asyncio.run(run())
    assert len(sandbox.journal()) == 1


def test_an_answer_that_is_no_json_raises_the_validation_error_sync_and_async(sandbox: Sandbox) -> None:
    # The answer's JSON is checked by the pass that makes its Python objects.
    sandbox.fault("malformed-json", "list_tags", times=2)
    with pytest.raises(pancake_sdk.APIResponseValidationError) as sync:
        fast(sandbox, max_retries=0).list_tags(page_id=PAGE_ID)

    async def run() -> pancake_sdk.APIResponseValidationError:
        client = pancake_sdk.AsyncPancake(PAGE_TOKEN, base_url=sandbox.url, rate_limit=False, max_retries=0)
        with pytest.raises(pancake_sdk.APIResponseValidationError) as raised:
            await client.list_tags(page_id=PAGE_ID)
        return raised.value

    for error in (sync.value, asyncio.run(run())):
        assert error.status_code == 200
        assert error.body.startswith('{"'), error.body  # the half answer the server sent


def test_tokens_never_show(sandbox: Sandbox) -> None:
    client = pancake_sdk.Pancake(SECRET, SECRET, base_url=sandbox.url, max_retries=0, timeout=0.5)
    assert SECRET not in repr(client)
    errors: list[BaseException] = []
    for call in (lambda: client.list_tags(page_id=PAGE_ID), lambda: client.list_pages()):
        with pytest.raises(pancake_sdk.PancakeSDKError) as raised:
            call()
        errors.append(raised.value)
    offline = pancake_sdk.Pancake(SECRET, base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(pancake_sdk.APIConnectionError) as raised:
        offline.list_tags(page_id=PAGE_ID)
    errors.append(raised.value)
    for error in errors:
        for text in (str(error), repr(error), repr(vars(error))):
            assert SECRET not in text, text


def test_every_error_kind_of_the_sdk_has_its_own_exception() -> None:
    from pancake_sdk import _exceptions, _native

    assert len(_native.ERROR_KINDS) == len(set(_native.ERROR_KINDS)) >= 11
    for kind in _native.ERROR_KINDS:
        error = _exceptions._from_native(kind, "m", {"status_code": 500})
        assert type(error) is not pancake_sdk.PancakeSDKError, kind
    assert type(_exceptions._from_native("a_kind_from_the_future", "m", {})) is pancake_sdk.PancakeSDKError
