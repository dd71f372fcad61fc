"""Clients are shared between threads, release the GIL while waiting, and work after fork."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pancake_sdk
from conftest import PAGE_ID, Sandbox


def test_threads_share_one_client(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: len(pancake.list_tags(page_id=PAGE_ID)["tags"]), range(32)))
    assert counts == [6] * 32
    assert len(sandbox.requests()) == 32


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
