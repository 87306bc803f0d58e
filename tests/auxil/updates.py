"""Update builders for handler and processor unit tests (like PTB's tests/auxil/build_messages):
Telegram JSON in, a real ``telegram.Update`` out, no network and no bot."""

from __future__ import annotations

from typing import Any

from telegram import Update

BOT_ID = 777
BOT_USERNAME = "NetralBot"


def message_json(
    update_id: int,
    text: str | None,
    *,
    chat_id: int = 1,
    chat_type: str = "private",
    user_id: int = 1,
    entities: list[dict[str, Any]] | None = None,
    caption: bool = False,
    reply_to_bot: bool = False,
) -> dict[str, Any]:
    """The JSON of a message update (what getUpdates returns)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Sari"}
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    chat.update({"first_name": "Sari"} if chat_type == "private" else {"title": "Grup ASN"})
    message: dict[str, Any] = {"message_id": update_id, "date": 1_700_000_000, "chat": chat}
    message["from"] = user
    if text is not None:
        message["caption" if caption else "text"] = text
    if entities:
        message["caption_entities" if caption else "entities"] = entities
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 1,
            "date": 1_699_999_000,
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Netral"},
            "text": "jawaban sebelumnya",
        }
    return {"update_id": update_id, "message": message}


def message_update(update_id: int, text: str | None, **options: Any) -> Update:
    """A parsed message update; options as :func:`message_json`."""
    update = Update.de_json(message_json(update_id, text, **options), None)
    assert update is not None
    return update


def mention(text: str, name: str = BOT_USERNAME) -> list[dict[str, Any]]:
    """The mention entity of ``@name`` in ``text`` (UTF-16 offsets, as Telegram counts)."""
    start = text.index(f"@{name}")
    offset = len(text[:start].encode("utf-16-le")) // 2
    return [{"type": "mention", "offset": offset, "length": len(name) + 1}]
