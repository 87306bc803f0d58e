"""The question-answering engine shared by the console, the CLI and the Telegram bot."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from bot.core.asker import detect_status
from bot.core.conversation import Turn
from bot.core.followup import FollowUpKind, FollowUpReader
from bot.core.matcher import DEFAULT_WEIGHTS, Candidate, Matcher, MatchResult, Weights
from bot.core.models import Entry, KnowledgeBase
from bot.core.render import Focus, Reply, render_entry, render_result, render_smalltalk
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
    # How the previous turn was used: None for a question read on its own, else the
    # follow-up kind (see bot/core/followup.py) that took its entry from the conversation.
    followup: FollowUpKind | None = None
    # What the conversation remembers after this answer (``Engine.converse``).
    turn: Turn | None = None


# An elliptical follow-up that names a new situation fully ("kalau pasang stiker caleg di
# mobil?") is answered on its own when it scores at least this much alone.
OWN_ANSWER_SCORE: Final = 0.62


class Engine:
    """Matches questions and renders replies over one immutable knowledge base."""

    def __init__(self, kb: KnowledgeBase, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.kb = kb
        self.matcher = Matcher(kb, weights=weights)
        self.smalltalk = SmallTalk(kb.lexicon, self.matcher.normalizer)
        self._followups = FollowUpReader(self.matcher.normalizer, detect_status)

    def ask(self, question: str) -> Answer:
        """Match a question (bounded to its first ``MAX_QUESTION_CHARS``) and render it."""
        question = bounded(question)
        kind = self.smalltalk.kind(question)
        if kind is not None:
            return Answer(MatchResult("no_match", question, (), ()), render_smalltalk(kind), kind)
        result = self.matcher.match(question)
        return Answer(result, render_result(result, self.kb))

    def converse(self, question: str, previous: Turn | None = None) -> Answer:
        """Answer ``question`` as the next turn of a conversation whose last turn was
        ``previous``; the answer's ``turn`` is what the conversation remembers next.

        A follow-up (bot/core/followup.py) after an answered turn is read in context: a
        question about the sanction or the legal basis, or one that only names the asker's
        status, gets the previous entry again (sanction or legal basis first); an elliptical
        one is matched joined to the previous question, unless it is answered well on its
        own. Small talk, out-of-scope questions and standalone questions are never taken
        over by the context.
        """
        question = bounded(question)
        status = detect_status(question) or (previous.status if previous else None)
        alone = self.ask(question)
        if previous is None or alone.smalltalk is not None:
            return self._remember(alone, question, status, previous)
        kind = self._followups.kind(question)
        context = self.kb.get(previous.entry_id) if previous.entry_id else None
        if kind in ("sanction", "legal", "status") and context is not None:
            focus: Focus = kind if kind != "status" else None
            result = self._answered(question, context, previous.text)
            reply = render_entry(context, self.kb, focus=focus)
            turn = Turn(previous.text, context.id, status)
            return Answer(result, reply, followup=kind, turn=turn)
        own = alone.result
        if (
            kind is None
            or own.offtopic is not None
            or (kind == "short" and self.matcher.unknown(own.tokens))
        ):
            return self._remember(alone, question, status, previous)
        if own.entry is not None and (
            (context is not None and own.entry.id == context.id) or own.score >= OWN_ANSWER_SCORE
        ):
            return self._remember(alone, question, status, previous)
        joined = f"{previous.text} {question}"
        together = self.matcher.match(joined)
        if together.status == "answered" or (own.status != "answered" and together.candidates):
            answer = Answer(
                replace(together, query=question),
                render_result(together, self.kb),
                followup=kind,
            )
            return self._remember(answer, joined, status, previous)
        return self._remember(alone, question, status, previous)

    def _remember(
        self, answer: Answer, text: str, status: str | None, previous: Turn | None
    ) -> Answer:
        """``answer`` with the turn to remember: its entry, or the previous one for small
        talk and declined questions (a "makasih" does not end the conversation)."""
        entry = answer.result.entry
        if entry is not None:
            turn = Turn(text, entry.id, status)
        elif previous is not None:
            turn = replace(previous, status=status)
        else:
            turn = Turn(text, None, status)
        return replace(answer, turn=turn)

    def _answered(self, question: str, entry: Entry, context_text: str) -> MatchResult:
        """A result answering ``entry`` for a follow-up, scored as for the context text."""
        tokens = self.matcher.tokens(question)
        ranked = self.matcher.rank(self.matcher.tokens(context_text))
        found = next((c for c in ranked if c.entry.id == entry.id), None)
        top = found or Candidate(entry, 1.0, 0.0, 0.0, 0.0, entry.canonical_question)
        return MatchResult("answered", question, tokens, (top,))

    def chose(self, entry_id: str, previous: Turn | None) -> Turn | None:
        """The turn to remember after the user picked ``entry_id`` (a suggestion or a
        related entry): follow-ups then refer to it."""
        entry = self.kb.get(entry_id)
        if entry is None:
            return previous
        status = previous.status if previous else None
        return Turn(entry.canonical_question, entry.id, status)

    def show(self, entry_id: str) -> Reply | None:
        """The answer card of one entry, or None for an unknown id."""
        entry = self.kb.get(entry_id)
        return render_entry(entry, self.kb) if entry else None
