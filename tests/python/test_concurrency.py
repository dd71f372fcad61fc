"""Clients are shared between threads, release the GIL while waiting, and work after fork."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import pancake_sdk
from conftest import PAGE_ID, PAGE_TOKEN, USER_TOKEN, Sandbox


def test_threads_share_one_client(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: len(pancake.list_tags(page_id=PAGE_ID)["tags"]), range(32)))
    assert counts == [6] * 32
    assert len(sandbox.requests()) == 32


def test_threads_share_the_clients_pacing() -> None:
    # Each thread drives its calls on its own connections, but the page's pacing is the client's.
    enforcing = Sandbox("--rate-limit", "5")
    try:
        client = pancake_sdk.Pancake(PAGE_TOKEN, base_url=enforcing.url, max_retries=0)
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda _: client.list_tags(page_id=PAGE_ID)["success"], range(12)))
        assert answers == [True] * 12, "a paced call met the sandbox's rate limit"

        unpaced = pancake_sdk.Pancake(PAGE_TOKEN, base_url=enforcing.url, max_retries=0, rate_limit=False)

        def refused(_: int) -> bool:
            try:
                unpaced.list_tags(page_id=PAGE_ID)
                return False
            except pancake_sdk.RateLimitError:
                return True

        with ThreadPoolExecutor(max_workers=12) as pool:
            assert any(pool.map(refused, range(12))), "without pacing the sandbox refuses some calls"
    finally:
        enforcing.stop()


def test_a_token_learned_on_one_thread_is_redacted_on_every_other(sandbox: Sandbox) -> None:
    admin = pancake_sdk.Pancake(user_access_token=USER_TOKEN, base_url=sandbox.url, rate_limit=False)
    with ThreadPoolExecutor(max_workers=1) as pool:
        token = pool.submit(lambda: admin.generate_page_access_token(page_id=PAGE_ID)["page_access_token"]).result()
    sandbox.fault("echo-json=400")  # a proxy echoes a request of this thread that carries it
    with pytest.raises(pancake_sdk.APIError) as echoed:
        admin.get_multi_page_user_statistics(
            page_ids=f"{PAGE_ID},{token}", date_range="01/09/2026 00:00:00 - 07/09/2026 23:59:59"
        )
    shown = f"{echoed.value} {echoed.value!r} {echoed.value.body}"
    assert "[REDACTED]" in shown and token not in shown


def test_the_gil_is_released_while_a_request_waits(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    sandbox.fault("latency=1500", "list_tags")
    finished = threading.Event()
    progress_while_waiting = []

    def slow() -> None:
        pancake.list_tags(page_id=PAGE_ID)
        finished.set()

    worker = threading.Thread(target=slow)
    worker.start()
    # Pure-Python work on this thread can only run while the other thread is not holding the GIL.
    while not finished.is_set() and len(progress_while_waiting) < 200:
        progress_while_waiting.append(sum(range(10_000)))
        threading.Event().wait(0.001)
    worker.join()
    assert len(progress_while_waiting) == 200, "this thread was blocked while the request waited"


def test_a_forked_child_can_use_the_client(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    assert pancake.list_tags(page_id=PAGE_ID)["success"]  # the parent's runtime and pool exist
    pid = os.fork()
    if pid == 0:
        try:
            ok = pancake.list_tags(page_id=PAGE_ID)["success"] is True
            ok = ok and sum(1 for _ in pancake.iter_posts(page_id=PAGE_ID, since=0, until=2_000_000_000)) == 75
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert pancake.list_tags(page_id=PAGE_ID)["success"], "the parent still works"


def test_an_iterator_made_before_fork_fails_clearly_in_the_child(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    walk = pancake.iter_posts(page_id=PAGE_ID, since=0, until=2_000_000_000)
    assert next(walk)["page_id"] == PAGE_ID  # the parent walks it
    pid = os.fork()
    if pid == 0:
        try:
            next(walk)
            os._exit(1)
        except pancake_sdk.PancakeSDKError as error:
            os._exit(0 if "before a fork" in str(error) else 3)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert next(walk)["page_id"] == PAGE_ID, "the parent's walk goes on"
