"""The export's peak memory, for `cargo xtask bench`: every customer of the sandbox's large
page written to a JSON Lines file, by the CLI (`--front cli`, its peak as a child process) or by
Python (`--front python`, `iter_page_customers` in this process). Prints the peak resident
memory in KiB, after checking that the file holds `--customers` records.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

LARGE_PAGE = "105000000000099"
SINCE = 1759276800
UNTIL = SINCE + 365 * 86400


def count(path: str) -> int:
    with open(path, "rb") as lines:
        return sum(1 for _ in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--front", choices=["cli", "python"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--token", default="sandbox-page-token")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "customers.jsonl")
        if args.front == "cli":
            subprocess.run(
                [
                    args.cli, "--base-url", args.url, "--page-token", args.token, "--rate-limit", "0",
                    "pancake", "export", "customers", "--page-id", LARGE_PAGE,
                    "--since", str(SINCE), "--until", str(UNTIL), "--output-file", out,
                ],
                check=True,
            )
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        else:
            import pancake_sdk

            client = pancake_sdk.Pancake(page_access_token=args.token, base_url=args.url, rate_limit=False)
            with open(out, "w", encoding="utf-8") as file:
                for customer in client.iter_page_customers(page_id=LARGE_PAGE, since=SINCE, until=UNTIL):
                    file.write(json.dumps(customer))
                    file.write("\n")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        written = count(out)
        if written != args.customers:
            sys.exit(f"memory.py: {written} records written, {args.customers} expected")
    print(peak)


if __name__ == "__main__":
    main()
