"""`import pancake_sdk` loads what a sync call needs and no more: the types, the webhooks and
asyncio load on first use, `typing` never at run time, and `logging` with the first client
(the import's speed is measured in benchmarks, not here)."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_the_import_leaves_types_webhooks_and_asyncio_for_later() -> None:
    loaded = _loaded_after("import pancake_sdk\nclient = pancake_sdk.Pancake('t', base_url='http://127.0.0.1:9')")
    assert {"asyncio", "pancake_sdk.types", "pancake_sdk.webhooks"}.isdisjoint(loaded), sorted(
        m for m in loaded if m.startswith(("asyncio", "pancake_sdk"))
    )


def test_the_import_alone_loads_neither_typing_nor_logging() -> None:
    loaded = _loaded_after("import pancake_sdk")
    assert {"typing", "logging", "asyncio"}.isdisjoint(loaded), sorted(
        m for m in loaded if m in ("typing", "logging", "asyncio")
    )
    # The first client installs the bridge of the SDK's log records to `logging`.
    assert "logging" in _loaded_after("import pancake_sdk\npancake_sdk.Pancake('t', base_url='http://127.0.0.1:9')")


def test_lazy_parts_load_on_first_use() -> None:
    loaded = _loaded_after("import pancake_sdk\npancake_sdk.webhooks.WebhookEvent\npancake_sdk.types.pancake.Tag")
    assert {"pancake_sdk.types.pancake", "pancake_sdk.webhooks"} <= loaded
