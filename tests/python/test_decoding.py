"""An answer's JSON becomes what `json.loads` makes of it, whatever text a server sends: the
sandbox answers exact bytes (`body-hex`), and every result is compared with `json.loads`, key
order and types included. (Where `json.loads` is laxer than JSON, the SDK refuses as it always
did: lone surrogates, `NaN`, a byte-order mark; an integer beyond 64 bits becomes a float.)"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

import pancake_sdk
from conftest import PAGE_ID, PAGE_TOKEN, Sandbox


def client(sandbox: Sandbox) -> pancake_sdk.Pancake:
    return pancake_sdk.Pancake(PAGE_TOKEN, base_url=sandbox.url, rate_limit=False, max_retries=0)


def answer(sandbox: Sandbox, text: bytes, pancake: pancake_sdk.Pancake | None = None) -> Any:
    sandbox.fault("body-hex=" + text.hex(), "list_tags")
    return (pancake or client(sandbox)).list_tags(page_id=PAGE_ID)


def same(got: Any, text: bytes) -> None:
    """`got` equals `json.loads(text)`, with the same types and key order."""
    want = json.loads(text)
    assert got == want
    assert json.dumps(got) == json.dumps(want), text[:200]


def test_odd_but_valid_texts_decode_as_json_loads_does(sandbox: Sandbox) -> None:
    pancake = client(sandbox)
    texts = [
        b'{"a": "\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/", "b": "H\xc3\xa0 N\xe1\xbb\x99i", "\\u0061b": 1}',
        b'{"a": 1, "b": 2, "a": 3}',  # the last value, in the first place
        b'{"x": [{"z": 1, "a": 2}, {"z": 3, "a": 4}, {"a": 5, "z": 6}, {"z": 7, "a": 8, "z": 9}]}',
        b'  {"e": {}, "l": [], "n": null, "t": true, "f": false, "s": ""}  ',
        b'{"i": [0, -0, 1, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615]}',
        b'{"f": [0.0, -0.0, 1.5, -2.5e-3, 1e300, 5e-324, 1E2, 123456789.123456789]}',
        b'[1, "two", [3], {"four": 4}]',
        b'"just a string"',
        b"42",
        b'{"k' + b"y" * 100 + b'": "long key", "v": "' + b"w" * 1000 + b'"}',
        b"[" + b",".join(b'{"d": %d}' % i for i in range(130)) + b"]",
        b'{"deep": ' + b"[" * 100 + b"]" * 100 + b"}",
        b"[" * 127 + b"]" * 127,  # the deepest nesting read
        b'{"nul": "a\\u0000b", "dup": [{"a": 1, "a": 2}, {"a": 3, "a": 4}, {"a": 5}]}',
        # A repeated object of many keys.
        json.dumps([{f"key{i}": i for i in range(70)}] * 3).encode(),
    ]
    for text in texts:
        same(answer(sandbox, text, pancake), text)


def test_an_integer_beyond_64_bits_becomes_a_float(sandbox: Sandbox) -> None:
    got = answer(sandbox, b'{"n": 123456789012345678901234567890, "m": -99999999999999999999}')
    assert got == {"n": 1.2345678901234568e29, "m": -1e20}
    assert all(isinstance(v, float) for v in got.values())


def test_random_documents_decode_as_json_loads_does(sandbox: Sandbox) -> None:
    rng = random.Random(20261130)
    words = ["", "a", "male", "female", "Hà Nội", "Hải Phòng", "x" * 40, 'é"\\\n', "😀", "id", "\u1ec5" * 3]
    keys = ["a", "b", "id", "name", "gender", "é", 'k"q', "x" * 70, "notes"]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 4 or roll < 0.35:
            return rng.choice([None, True, False, 0, -1, 2**63, 2**64 - 1, -(2**63), 1.5, rng.choice(words), rng.choice(words)])
        if roll < 0.6:
            return [value(depth + 1) for _ in range(rng.randrange(6))]
        return {key: value(depth + 1) for key in rng.sample(keys, rng.randrange(7))}

    pancake = client(sandbox)
    for _ in range(150):
        document = {"tags": [value(0) for _ in range(rng.randrange(12))], "success": True}
        text = json.dumps(document, ensure_ascii=rng.random() < 0.5).encode()
        same(answer(sandbox, text, pancake), text)


def test_past_the_sharing_limits_every_value_still_decodes(sandbox: Sandbox) -> None:
    # More distinct keys than are shared, thousands of short values, hundreds of key sets.
    keys = json.dumps({f"k{i}": "v" for i in range(5000)}).encode()
    same(answer(sandbox, keys), keys)
    items = [{"id": f"c{i}", "gender": ["male", "female"][i % 2], f"k{i % 300}": i} for i in range(5000)]
    text = json.dumps({"customers": items}, separators=(",", ":")).encode()
    got = answer(sandbox, text)
    same(got, text)
    # Objects with the same keys are distinct: changing one changes no other.
    first, second = got["customers"][0], got["customers"][300]
    assert list(first) == list(second) and first is not second
    first["id"] = "changed"
    assert second["id"] == "c300" and answer(sandbox, text)["customers"][0]["id"] == "c0"


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": "\xff\xfe"}',  # not UTF-8
        b'{"a": "\\ud800"}',  # a lone surrogate
        b'{"a": 1} trailing',
        b'{"a": [1, 2}',
        b'{"a": 01}',
        b'{"a": "unterminated}',
        b'{"a": "tab\tinside"}',  # a control character in a string
        b"[" * 128 + b"]" * 128,  # deeper than the nesting limit
        b"[" * 200 + b"]" * 200,
        b"[" * 100_000,
        b"",
    ],
)
def test_a_text_that_is_no_json_raises_the_validation_error(sandbox: Sandbox, text: bytes) -> None:
    with pytest.raises(pancake_sdk.APIResponseValidationError) as raised:
        answer(sandbox, text)
    assert raised.value.status_code == 200


def test_the_refusal_names_the_place_and_the_next_answer_decodes(sandbox: Sandbox) -> None:
    pancake = client(sandbox)
    with pytest.raises(pancake_sdk.APIResponseValidationError, match="line 1 column 10"):
        answer(sandbox, b'{"a": 1} x', pancake)
    # A large answer that is no JSON, then good ones, on the same thread's parser.
    sandbox.fault("huge-body=2000000", "list_tags")
    with pytest.raises(pancake_sdk.APIResponseValidationError):
        pancake.list_tags(page_id=PAGE_ID)
    text = b'{"tags": [{"id": 1}, {"id": 2}]}'
    same(answer(sandbox, text, pancake), text)
    same(answer(sandbox, text, pancake), text)


def test_the_items_of_a_list_decode_alike_sync_and_async(sandbox: Sandbox) -> None:
    customers = [{"id": f"c{i}", "name": "Hà \u00e9", "n": i, "tags": [1.5, None, True]} for i in range(3)]
    text = json.dumps({"customers": customers, "total": 3, "success": True}).encode()
    want = json.loads(text)["customers"]
    window = {"page_id": PAGE_ID, "since": 1_759_276_800, "until": 1_759_276_900}
    sandbox.fault("body-hex=" + text.hex(), "list_page_customers")
    got = list(client(sandbox).iter_page_customers(**window))
    assert got == want and json.dumps(got) == json.dumps(want)

    async def run() -> Any:
        sandbox.fault("body-hex=" + text.hex(), "list_page_customers")
        pancake = pancake_sdk.AsyncPancake(PAGE_TOKEN, base_url=sandbox.url, rate_limit=False, max_retries=0)
        return [item async for item in pancake.iter_page_customers(**window)]

    got = asyncio.run(run())
    assert got == want and json.dumps(got) == json.dumps(want)


def test_the_async_client_decodes_alike(sandbox: Sandbox) -> None:
    items = [{"id": i, "name": "\u00e9", "x": [1.5, None, True]} for i in range(2000)]
    text = json.dumps({"tags": items}).encode()

    async def run() -> Any:
        pancake = pancake_sdk.AsyncPancake(PAGE_TOKEN, base_url=sandbox.url, rate_limit=False, max_retries=0)
        sandbox.fault("body-hex=" + text.hex(), "list_tags")
        got = await pancake.list_tags(page_id=PAGE_ID)
        sandbox.fault("body-hex=" + b'{"a": [1, 2}'.hex(), "list_tags")
        with pytest.raises(pancake_sdk.APIResponseValidationError, match="line 1 column 12"):
            await pancake.list_tags(page_id=PAGE_ID)
        return got

    same(asyncio.run(run()), text)
