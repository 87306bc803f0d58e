"""The question-answering engine shared by the console, the CLI and the Telegram bot."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.matcher import DEFAULT_WEIGHTS, Matcher, MatchResult, Weights, split_sentences
from bot.core.models import KnowledgeBase
from bot.core.render import Reply, render_entry, render_result, render_smalltalk
from bot.core.smalltalk import SmallTalk

# Questions are matched on about this many characters at most: a pasted essay costs no more
# than a long question. The meaning is kept, not the prefix: a long message keeps its first
# sentence (who is asking, the situation) and as many of its last sentences as fit, since
# people tell a story first and ask at the end.
MAX_QUESTION_CHARS = 500
# Of the budget, the opening keeps at most this many characters.
HEAD_CHARS = 150


def bounded(question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """The question within ``limit`` characters: the whole of it when it fits, else its
    first sentence (cut at a word to ``HEAD_CHARS``) and its last sentences, then the end
    of the last one when even that is too long. No word is cut in half."""
    if len(question) <= limit:
        return question
    sentences = split_sentences(question)
    head = _words_from_start(sentences[0], HEAD_CHARS) if len(sentences) > 1 else ""
    budget = limit - len(head) - 1 if head else limit
    tail: list[str] = []
    used = 0
    for sentence in reversed(sentences[1:] if head else sentences):
        if used + len(sentence) + 1 > budget:
            if not tail:
                tail.append(_words_from_end(sentence, budget))
            break
        tail.insert(0, sentence)
        used += len(sentence) + 1
    return " ".join(part for part in (head, *tail) if part)


def _words_from_start(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head.rsplit(" ", 1)[0] if not text[limit].isspace() and " " in head else head


def _words_from_end(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    return tail.split(" ", 1)[1] if not text[-limit - 1].isspace() and " " in tail else tail


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

    def ask(self, question: str) -> Answer:
        """Match a question (``bounded`` to about ``MAX_QUESTION_CHARS``) and render it."""
        question = bounded(question)
        kind = self.smalltalk.kind(question)
        if kind is not None:
            return Answer(MatchResult("no_match", question, (), ()), render_smalltalk(kind), kind)
        result = self.matcher.match(question)
        return Answer(result, render_result(result, self.kb))

    def show(self, entry_id: str) -> Reply | None:
        """The answer card of one entry, or None for an unknown id."""
        entry = self.kb.get(entry_id)
        return render_entry(entry, self.kb) if entry else None
