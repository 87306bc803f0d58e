"""Scoring follow-ups: conversations of two or more turns, each turn with its expected id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.conversation import Turn
from bot.core.engine import Engine
from bot.core.evaluate import Case, Report, evaluate
from bot.core.matcher import MatchResult

Conversation = Sequence[Case]


def evaluate_conversations(conversations: Iterable[Conversation], engine: Engine) -> Report:
    """Run each conversation through ``Engine.converse``; score the turns after the first.

    The first turn of each conversation only sets the context: the report is about what
    the follow-ups got, as a user in a chat would get them.
    """
    measured: list[tuple[Case, MatchResult]] = []
    for conversation in conversations:
        turn: Turn | None = None
        for i, case in enumerate(conversation):
            answer = engine.converse(case.question, turn)
            turn = answer.turn
            if i:
                measured.append((case, answer.result))
    results = iter(result for _, result in measured)
    ranked = iter(result for _, result in measured)
    return evaluate(
        [case for case, _ in measured],
        lambda _q: next(results),
        lambda _q: [c.entry.id for c in next(ranked).candidates],
    )
