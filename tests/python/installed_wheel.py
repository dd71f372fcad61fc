"""A new user's first calls with an installed wheel, run by `cargo xtask test` in a fresh venv of
every Python from 3.9 to 3.13 on the machine (outside the repository, so the wheel is what is
imported): a sync call, an async call, a walk over a list, and a refused token.

Usage: python installed_wheel.py SANDBOX_BINARY
Written for Python 3.9: no syntax or library newer than that.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pancake_sdk

PAGE_ID = "105000000000001"


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"installed wheel on Python {sys.version.split()[0]}: {what}")


def calls(url: str) -> None:
    client = pancake_sdk.Pancake("sandbox-page-token", "sandbox-user-token", base_url=url, rate_limit=False)
    pages = client.list_pages()
    check(PAGE_ID in [page["id"] for page in pages["pages"]], f"list_pages answered {pages!r}")
    conversations = list(client.iter_conversations(page_id=PAGE_ID, since=0, until=2_000_000_000))
    check(len(conversations) == 150, f"the walk gave {len(conversations)} conversations, not 150")

    async def tags() -> int:
        async_client = pancake_sdk.AsyncPancake("sandbox-page-token", base_url=url, rate_limit=False)
        answer = await async_client.list_tags(page_id=PAGE_ID)
        return len(answer["tags"])

    check(asyncio.run(tags()) > 0, "the async call listed no tags")

    refused = pancake_sdk.Pancake("not-a-token", base_url=url, rate_limit=False)
    try:
        refused.list_tags(page_id=PAGE_ID)
    except pancake_sdk.AuthenticationError as error:
        check("not-a-token" not in str(error), "the error shows the token")
    else:
        check(False, "a wrong token was not refused")


def main() -> None:
    package = Path(pancake_sdk.__file__).resolve()
    check("site-packages" in package.parts, f"pancake_sdk was imported from {package}, not the venv")
    check(bool(pancake_sdk.__version__), "no __version__")
    sandbox = subprocess.Popen(
        [sys.argv[1], "--port", "0", "--epoch", "1759276800"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sandbox.stdout is not None
        first = sandbox.stdout.readline().strip()
        check(first.startswith("listening on "), f"the sandbox said {first!r}")
        calls(first[len("listening on ") :])
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    print(f"Python {sys.version.split()[0]}: pancake_sdk {pancake_sdk.__version__} from {package.parent.parent}: ok")


if __name__ == "__main__":
    main()
