"""Turning an answered question into a query-log record (shared by the bot and the console)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.engine import Answer
from bot.storage import QueryRecord, new_qid

# Text kept in the query log for one question: enough to review, bounded for the database.
MAX_LOGGED_CHARS = 2000


def question_record(
    text: str,
    answer: Answer,
    *,
    chat_type: str,
    user_key: str,
    source: str,
    elapsed_ms: float,
    qid: str | None = None,
) -> QueryRecord:
    """The log row for ``text`` and the engine's ``answer``."""
    result = answer.result
    return QueryRecord(
        qid=qid or new_qid(),
        time=datetime.now(UTC),
        chat_type=chat_type,
        user_key=user_key,
        text=text[:MAX_LOGGED_CHARS],
        status=result.status,
        entry_id=result.entry.id if result.entry else None,
        score=round(result.score, 4),
        suggestions=tuple(c.entry.id for c in result.candidates)
        if result.status == "ambiguous"
        else (),
        elapsed_ms=round(elapsed_ms, 2),
        source=source,
    )
