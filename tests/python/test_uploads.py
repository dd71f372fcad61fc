"""Uploads: a file (bytes or a path) goes up as multipart, its content id is then sent; a file
over the documented limit is refused before anything is sent, naming the limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import pancake_sdk
from conftest import PAGE_ID, Sandbox

INBOX = f"{PAGE_ID}_6100000000010003"


def test_an_upload_of_bytes_is_sent_by_its_content_id(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    uploaded = pancake.upload_content(page_id=PAGE_ID, file=b"\xff\xd8\xff\xe0jpeg", filename="áo thun.jpg")
    assert uploaded["attachment_type"] == "PHOTO"
    sent = pancake.send_message_v2(
        page_id=PAGE_ID, conversation_id=INBOX, action="reply_inbox", content_ids=[uploaded["id"]]
    )
    assert sent["success"] is True
    upload, send = sandbox.requests()
    assert upload["body"]["file"] == {"file_name": "áo thun.jpg", "content_type": "image/jpeg", "size": 8}
    assert send["body"]["content_ids"] == [uploaded["id"]]


def test_an_upload_of_a_path_reads_the_file(tmp_path: Path, sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    document = tmp_path / "bảng giá.pdf"
    document.write_bytes(b"%PDF-1.7 price list")
    uploaded = pancake.upload_content(page_id=PAGE_ID, file=document)
    assert uploaded["attachment_type"] == "DOCUMENT"
    assert sandbox.requests()[0]["body"]["file"] == {"file_name": "bảng giá.pdf", "content_type": "application/pdf", "size": 19}
    with pytest.raises(pancake_sdk.ValidationError) as missing:
        pancake.upload_content(page_id=PAGE_ID, file=tmp_path / "nothing-here.png")
    assert missing.value.field == "file"


def test_async_uploads_too(sandbox: Sandbox, async_pancake: pancake_sdk.AsyncPancake) -> None:
    uploaded = asyncio.run(async_pancake.upload_content(page_id=PAGE_ID, file=bytearray(b"GIF89a"), filename="hi.gif"))
    assert uploaded["attachment_type"] == "PHOTO"


def test_an_oversized_video_is_refused_before_sending(sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    clip = bytes(15 * 1024 * 1024 + 1)
    with pytest.raises(pancake_sdk.ValidationError) as refused:
        pancake.upload_content(page_id=PAGE_ID, file=clip, filename="clip.mp4")
    assert refused.value.field == "file"
    assert "over the 15 MiB limit" in str(refused.value)
    with pytest.raises(pancake_sdk.ValidationError) as facebook:
        pancake.upload_content(page_id=PAGE_ID, file=clip, filename="clip.mp4", platform="facebook")
    assert "limit of facebook" in str(facebook.value) and "shopee 30 MiB" in str(facebook.value)
    with pytest.raises(TypeError):
        pancake.upload_content(page_id=PAGE_ID, file=12345)  # type: ignore[arg-type]
    assert sandbox.requests() == [], "nothing was sent"


def test_media_are_uploaded_and_sent_in_one_step(tmp_path: Path, sandbox: Sandbox, pancake: pancake_sdk.Pancake) -> None:
    photo = tmp_path / "ao.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 photo")
    sent = pancake.send_message_v2_media(
        page_id=PAGE_ID, conversation_id=INBOX, files=[photo, b"%PDF-1.7"], platform="facebook"
    )
    assert sent["success"] is True
    requests = sandbox.requests()
    assert [r["operation_id"] for r in requests] == ["upload_content", "upload_content", "send_message_v2"]
    assert len(requests[2]["body"]["content_ids"]) == 2

    sandbox.reset()
    with pytest.raises(pancake_sdk.ValidationError) as too_many:
        pancake.send_message_v2_media(page_id=PAGE_ID, conversation_id=INBOX, files=[b"a", b"b"])
    assert too_many.value.field == "content_ids" and "at most 1" in str(too_many.value)
    with pytest.raises(TypeError):
        pancake.send_message_v2_media(page_id=PAGE_ID, conversation_id=INBOX, files=b"one file")  # type: ignore[arg-type]
    assert sandbox.requests() == [], "nothing was uploaded"


def test_async_media_too(sandbox: Sandbox, async_pancake: pancake_sdk.AsyncPancake) -> None:
    sent = asyncio.run(
        async_pancake.send_message_v2_media(page_id=PAGE_ID, conversation_id=INBOX, files=[b"GIF89a"], platform="instagram")
    )
    assert sent["success"] is True
