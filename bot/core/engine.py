"""The question-answering engine shared by the console, the CLI and the Telegram bot."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.matcher import DEFAULT_WEIGHTS, Matcher, MatchResult, Weights
from bot.core.models import KnowledgeBase
from bot.core.render import Reply, render_entry, render_result, render_smalltalk
from bot.core.safety import SafetyNet
from bot.core.smalltalk import SmallTalk

# Questions are matched on this many characters at most: a pasted essay costs no more
# than a long question, and the meaning of a question is in its first sentences.
MAX_QUESTION_CHARS = 500


def bounded(question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """The first ``limit`` characters, without a word cut in half at the end."""
    if len(question) <= limit:
        return question
    head = question[:limit]
    if not question[limit].isspace() and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head


@dataclass(frozen=True, slots=True)
class Answer:
    """A match with its rendered reply."""

    result: MatchResult
    reply: Reply
    # The small-talk kind when the message was a greeting, thanks or "ok", not a question:
    # the result is then no_match and the reply a friendly one; it is not logged.
    smalltalk: str | None = None


class Engine:
    """Matches questions and renders replies over one immutable knowledge base."""

    def __init__(self, kb: KnowledgeBase, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.kb = kb
        self.matcher = Matcher(kb, weights=weights)
        self.smalltalk = SmallTalk(kb.lexicon, self.matcher.normalizer)
        # A forbidden act named in the question never gets a permissive answer first.
        self.safety = SafetyNet(kb, self.matcher.tokens)

    def ask(self, question: str) -> Answer:
        """Match a question (bounded to its first ``MAX_QUESTION_CHARS``) and render it."""
        question = bounded(question)
        kind = self.smalltalk.kind(question)
        if kind is not None:
            return Answer(MatchResult("no_match", question, (), ()), render_smalltalk(kind), kind)
        result = self.safety.apply(self.matcher.match(question))
        return Answer(result, render_result(result, self.kb))

    def show(self, entry_id: str) -> Reply | None:
        """The answer card of one entry, or None for an unknown id."""
        entry = self.kb.get(entry_id)
        return render_entry(entry, self.kb) if entry else None
