"""The Python front-ends of `cargo xtask bench`: times `--calls` calls of one operation through
one client and prints calls per second.

Clients: `pancake` (`pancake_sdk.Pancake`, in `--threads` threads) against `httpx`
(`httpx.Client`, the same), and `pancake-async` (`pancake_sdk.AsyncPancake`, `--in-flight`
calls at once) against `aiohttp`. Each call decodes the whole answer and counts its items.
The pages and dates are the replayed answers' (`bench/src/payloads.rs`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from typing import Any, Callable, Coroutine

TAGS_PAGE = "105000000000001"
CUSTOMERS_PAGE = "105000000000099"
SINCE = 1759276800
UNTIL = SINCE + 365 * 86400
PAGE_SIZE = 100


def paths(op: str) -> tuple[str, str]:
    """The request's path and query, and the answer's field of items."""
    if op == "tags":
        return f"/api/public_api/v1/pages/{TAGS_PAGE}/tags?", "tags"
    return (
        f"/api/public_api/v1/pages/{CUSTOMERS_PAGE}/page_customers"
        f"?since={SINCE}&until={UNTIL}&page_number=1&page_size={PAGE_SIZE}&",
        "customers",
    )


def sync_call(args: argparse.Namespace) -> Callable[[], int]:
    path, field = paths(args.op)
    if args.client == "httpx":
        import httpx

        http = httpx.Client()
        url = f"{args.url}{path}access_token={args.token}"
        return lambda: len(http.get(url).raise_for_status().json()[field])
    import pancake_sdk

    sdk = pancake_sdk.Pancake(page_access_token=args.token, base_url=args.url, rate_limit=False)
    if args.op == "tags":
        return lambda: len(sdk.list_tags(page_id=TAGS_PAGE)["tags"])
    return lambda: len(
        sdk.list_page_customers(
            page_id=CUSTOMERS_PAGE, since=SINCE, until=UNTIL, page_number=1, page_size=PAGE_SIZE
        )["customers"]
    )


def run_threads(call: Callable[[], int], calls: int, threads: int) -> None:
    failures: list[BaseException] = []

    def work(count: int) -> None:
        try:
            for _ in range(count):
                if call() == 0:
                    raise RuntimeError("a call answered no items")
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    share = [calls // threads + (1 if i < calls % threads else 0) for i in range(threads)]
    workers = [threading.Thread(target=work, args=(n,)) for n in share]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]


def time_sync(args: argparse.Namespace) -> float:
    call = sync_call(args)
    run_threads(call, max(args.calls // 10, args.threads), args.threads)
    started = time.perf_counter()
    run_threads(call, args.calls, args.threads)
    return args.calls / (time.perf_counter() - started)


async def async_calls(args: argparse.Namespace) -> float:
    path, field = paths(args.op)
    closing: Callable[[], Coroutine[Any, Any, None]]
    if args.client == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.in_flight))
        url = f"{args.url}{path}access_token={args.token}"

        async def call() -> int:
            async with session.get(url) as answer:
                answer.raise_for_status()
                return len((await answer.json())[field])

        closing = session.close
    else:
        import pancake_sdk

        sdk = pancake_sdk.AsyncPancake(page_access_token=args.token, base_url=args.url, rate_limit=False)

        async def call() -> int:
            if args.op == "tags":
                return len((await sdk.list_tags(page_id=TAGS_PAGE))["tags"])
            answer = await sdk.list_page_customers(
                page_id=CUSTOMERS_PAGE, since=SINCE, until=UNTIL, page_number=1, page_size=PAGE_SIZE
            )
            return len(answer["customers"])

        async def nothing() -> None:
            return None

        closing = nothing

    async def repeat(calls: int) -> None:
        left = [calls]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                if await call() == 0:
                    raise RuntimeError("a call answered no items")

        await asyncio.gather(*(worker() for _ in range(args.in_flight)))

    await repeat(max(args.calls // 10, args.in_flight))
    started = time.perf_counter()
    await repeat(args.calls)
    rate = args.calls / (time.perf_counter() - started)
    await closing()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", choices=["pancake", "httpx", "pancake-async", "aiohttp"], required=True)
    parser.add_argument("--op", choices=["tags", "customers"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", default="sandbox-page-token")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--in-flight", type=int, default=1)
    args = parser.parse_args()
    if args.client in ("pancake", "httpx"):
        rate = time_sync(args)
    else:
        rate = asyncio.run(async_calls(args))
    print(f"{rate:.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
