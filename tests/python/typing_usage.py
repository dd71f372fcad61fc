"""Typical use of the package, checked by `mypy --strict` (not run by pytest): the stubs and the
generated annotations must describe the clients, their methods, arguments and answers."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import List, Optional

import pancake_sdk
from pancake_sdk.types import botcake, pancake


def names(client: pancake_sdk.Pancake, page_id: str) -> List[str]:
    found: List[str] = []
    for customer in client.iter_page_customers(page_id=page_id, since=dt.datetime(2025, 1, 1), until=dt.date(2026, 1, 1)):
        name: Optional[str] = customer.get("name")
        if name is not None:
            found.append(name)
    return found


def latest_snippet(client: pancake_sdk.Pancake, page_id: str) -> Optional[str]:
    answer: pancake.ConversationsResponse = client.list_conversations(
        page_id=page_id, since=0, until=2_000_000_000, page_number=1, order_by="updated_at"
    )
    conversations = answer.get("conversations", [])
    return conversations[0].get("snippet") if conversations else None


def reply(client: pancake_sdk.Pancake, page_id: str, conversation_id: str) -> Optional[str]:
    try:
        sent = client.send_message(page_id=page_id, conversation_id=conversation_id, action="reply_inbox", message="Dạ")
    except pancake_sdk.OutcomeUnknownError as error:
        print("maybe delivered:", error.operation)
        return None
    except pancake_sdk.APIError as error:
        print(error.status_code, error.error_code, error.kind)
        return None
    return sent.get("id")


def flows(client: pancake_sdk.Botcake, page_id: str) -> List[int]:
    answer: botcake.FlowsResponse = client.get_flows_by_path(page_id=page_id, path=[1561, 1564])
    return [flow["id"] for flow in answer.get("data", {}).get("flows", []) if "id" in flow]


async def tags(page_id: str) -> int:
    async with pancake_sdk.AsyncPancake("page-token", base_url="http://127.0.0.1:8080") as client:
        answer = await client.list_tags(page_id=page_id)
        count = len(answer.get("tags", []))
        async for message in client.iter_messages(page_id=page_id, conversation_id="c", customer_id="u"):
            count += len(message.get("attachments", []))
        stats = await client.get_user_statistics(page_id=page_id, date_range=(dt.datetime(2025, 10, 1), dt.datetime(2025, 10, 31)))
        return count + len(stats.get("data", {}).get("users", {}))


def webhook_texts(receiver: pancake_sdk.webhooks.WebhookReceiver) -> list[str]:
    texts: list[str] = []
    for event in receiver.events(timeout=1.0):
        if event.event_type == "messaging":
            texts.append(event.data.get("message", {}).get("message", ""))
        health: pancake_sdk.webhooks.WebhookHealth = receiver.health()
        if health["at_risk"]:
            break
    return texts


if __name__ == "__main__":
    asyncio.run(tags("105000000000001"))
