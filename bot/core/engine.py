"""The question-answering engine shared by the console, the CLI and the Telegram bot."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from bot.core.asker import detect_status
from bot.core.conversation import Turn
from bot.core.followup import FollowUpKind, FollowUpReader
from bot.core.matcher import (
    DEFAULT_WEIGHTS,
    Candidate,
    Matcher,
    MatchResult,
    Weights,
    split_sentences,
)
from bot.core.models import Entry, KnowledgeBase
from bot.core.render import (
    Focus,
    Reply,
    render_entry,
    render_result,
    render_smalltalk,
    render_sources,
    render_status_prompt,
)
from bot.core.safety import SafetyNet
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
    # The small-talk kind when the message was a greeting, thanks or "ok", not a question
    # ("status" for a message that only names the asker's status, with nothing to refer
    # to): the result is then no_match and the reply a friendly one; it is not logged.
    smalltalk: str | None = None
    # The asker's status (pppk, cpns, ...) given or named in the question; the card puts
    # that status's note first.
    status: str | None = None
    # How the previous turn was used: None for a question read on its own, else the
    # follow-up kind (see bot/core/followup.py) that took its entry from the conversation.
    followup: FollowUpKind | None = None
    # What the conversation remembers after this answer (``Engine.converse``).
    turn: Turn | None = None

    @property
    def loggable(self) -> bool:
        """Whether this is a question for the query log: small talk ("makasih", "halo")
        is not something to review."""
        return self.smalltalk is None


# When a follow-up read alone and read joined to the previous question are answered with
# different entries, the joined reading must lead by this much (its score minus the alone
# entry's score on the joined text). Chosen on the follow-up turns of the blind tuning
# conversations (tests/data/real_tuning_conversations.yaml) with the learned ranker: between
# 0.25 (the joined reading's widest lead where the alone one was right) and 0.35 (its
# narrowest lead where it was right).
JOINED_LEAD: Final = 0.30


def _with_earlier(turn: Turn | None, previous: Turn | None) -> Turn | None:
    """``turn`` with the turn before it to go back to: ``previous`` when it was about
    another entry, else what ``previous`` itself kept."""
    if turn is None or previous is None:
        return turn
    if previous.entry_id and previous.entry_id != turn.entry_id:
        return replace(turn, earlier=replace(previous, earlier=None))
    return replace(turn, earlier=previous.earlier if turn.entry_id else None)


class Engine:
    """Matches questions and renders replies over one immutable knowledge base."""

    def __init__(self, kb: KnowledgeBase, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.kb = kb
        self.matcher = Matcher(kb, weights=weights)
        self.smalltalk = SmallTalk(kb.lexicon, self.matcher.normalizer)
        self._followups = FollowUpReader(self.matcher.normalizer, detect_status)
        # A forbidden act named in the question never gets a permissive answer first.
        self.safety = SafetyNet(kb, self.matcher.token_sequence)

    def ask(self, question: str, status: str | None = None) -> Answer:
        """Match a question (``bounded`` to about ``MAX_QUESTION_CHARS``) and render it.

        ``status`` is the asker's (see ``bot.core.asker``); when None it is detected from
        the question.
        """
        question = bounded(question)
        kind = self.smalltalk.kind(question)
        if kind is not None:
            return Answer(MatchResult("no_match", question, (), ()), render_smalltalk(kind), kind)
        result = self.safety.apply(self.matcher.match(question))
        status = status or detect_status(question)
        return Answer(result, render_result(result, self.kb, status=status), status=status)

    def converse(self, question: str, previous: Turn | None = None) -> Answer:
        """Answer ``question`` as the next turn of a conversation whose last turn was
        ``previous``; the answer's ``turn`` is what the conversation remembers next.

        A follow-up (bot/core/followup.py) after an answered turn is read in context: a
        question about the sanction or the legal basis, or one that only names the asker's
        status, gets the previous entry again (sanction or legal basis first); an elliptical
        one is matched joined to the previous question, unless it is answered well on its
        own. Small talk, out-of-scope questions and standalone questions are never taken
        over by the context. In order: a status with nothing before it is noted; small
        talk and a reaction without a question keep the context; a sanction question that
        clearly names another act gets that act; a sanction or legal question that names a
        sibling entry gets it; then the previous entry again, or the joined reading.
        """
        answer = self._converse(bounded(question), previous)
        return replace(answer, turn=_with_earlier(answer.turn, previous))

    def _converse(self, question: str, previous: Turn | None) -> Answer:
        """``converse`` without keeping the turn before the last (``Turn.earlier``)."""
        if (
            previous is not None
            and previous.earlier is not None
            and self._followups.returns(question)
        ):
            # "balik ke yg tadi, hadirnya aja sanksinya apa?": the subject before the last.
            previous = replace(previous.earlier, status=previous.status)
            question = self._followups.without_pointer(question) or question
        named = detect_status(question)
        status = named or (previous.status if previous else None)
        alone = self.ask(question, status=status)
        context = self.kb.get(previous.entry_id) if previous and previous.entry_id else None
        kind = self._followups.kind(question)
        if named is not None and context is None and alone.smalltalk is None and kind == "status":
            return self._status_noted(question, named)
        if previous is None or alone.smalltalk is not None:
            return self._remember(alone, question, status, previous)
        focus_asked = self._followups.focus(question)
        if kind in ("elliptical", "short") and not alone.result.tokens:
            # "lah kok gitu", "oh gitu ya": a reaction, no question; the context stays.
            reaction = Answer(alone.result, render_smalltalk("oke"), "oke", status)
            return self._remember(reaction, question, status, previous)
        if context is not None and focus_asked is not None and kind != "status":
            named_act = self._sanction_of_named_act(question, context, kind, focus_asked, status)
            if named_act is not None:
                return named_act
        own_entry = alone.result.entry
        if (
            kind == "short"
            and context is not None
            and (own_entry is None or own_entry.verdict == "info")
            and self._followups.punishment(question)
        ):
            # "langsung dipecat?", "masuk hukuman berat gak?": a few words on the punishment
            # of what was just answered; alone they read as the general sanctions entry.
            kind = "sanction"
        if (
            kind in ("sanction", "legal")
            and context is not None
            and own_entry is not None
            and own_entry != context
            and own_entry.category == context.category
        ):
            # "kalau sanksi pidananya?" after the disciplinary sanctions: the sibling entry it
            # names on its own, not the sanction of the one before.
            return self._remember(alone, question, status, previous)
        if kind in ("sanction", "legal", "status") and context is not None:
            focus: Focus = kind if kind != "status" else None
            if len(previous.offered) > 1:
                # The previous turn only offered entries: the sanction of which one? Answer
                # when the question joined to it now reads clearly, else offer them again.
                joined = f"{previous.text} {question}"
                together = self.safety.apply(self.matcher.match(joined, by_sentence=False))
                if together.status == "answered" and together.entry is not None:
                    answered = replace(together, query=question)
                    return self._again(answered, together.entry, previous, kind, focus, status)
                return self._reoffer(question, previous, kind, status)
            result = self._answered(question, context, previous.text)
            return self._again(result, context, previous, kind, focus, status)
        own = alone.result
        if kind is None or (kind == "short" and not self._mostly_known(own.tokens)):
            return self._remember(alone, question, status, previous)
        joined = f"{previous.text} {question}"
        ranked_together = self.matcher.match(joined, by_sentence=False)
        together = replace(self.safety.apply(ranked_together), query=question)
        focus = focus_asked
        top_candidate = ranked_together.candidates[0].entry if ranked_together.candidates else None
        other_subject = bool(self.matcher.offtopic_words(own.tokens))
        if (
            context is not None
            and focus is not None
            and top_candidate == context
            and not other_subject
        ):
            # "atasan saya bisa kena apa?", "sanksinya buat bupati apa?", "langsung dipecat?":
            # about the sanction of what was just answered, even where alone it would read
            # as another subject (non-political discipline)
            answered = replace(
                together, status="answered", candidates=ranked_together.candidates[:1]
            )
            return self._again(answered, context, previous, kind, focus, status)
        if context is not None and own.entry == context:
            return self._remember(alone, question, status, previous)
        if kind == "short" and own.status == "answered":
            # A few words that answer well alone, without "kalau"/"terus" leaning on what
            # came before ("lapor asn yg kampanye ke mana"), are a new question.
            return self._remember(alone, question, status, previous)
        if own.offtopic is not None:
            # Declined alone. A follow-up that leans on what came before ("kalau di hari
            # libur?" after a campaign question) or asks what it costs, without a word of
            # another subject, is taken in context when the joined reading is answered;
            # "kalau gajinya?" is not, nor a few words that stand alone on an out-of-scope
            # subject ("tps saya di mana ya?" after a question on voting).
            if (
                (kind == "elliptical" or (kind == "short" and focus_asked is not None))
                and not other_subject
                and together.status == "answered"
                and together.offtopic is None
            ):
                answer = Answer(
                    together,
                    render_result(together, self.kb, status=status),
                    followup=kind,
                    status=status,
                )
                return self._remember(answer, joined, status, previous)
            return self._remember(alone, question, status, previous)
        in_context = Answer(
            together, render_result(together, self.kb, status=status), followup=kind, status=status
        )
        if self._joined_wins(together, own, joined):
            return self._remember(in_context, joined, status, previous)
        if own.status == "answered":
            return self._remember(alone, question, status, previous)
        if (
            together.status == "ambiguous"
            and context is not None
            and not previous.offered
            and ranked_together.candidates[0].entry == context
            and together.candidates[0].entry == context
            and kind in ("elliptical", "short")
        ):
            # Unsure in general, but the conversation was answered with ``context`` and the
            # follow-up joined to it still ranks it first: it is about the same subject. The
            # matcher must rank it first, not only the safety net (which puts a forbidden act
            # first), and the safety net must not have put another act before it.
            sure = replace(together, status="answered", candidates=together.candidates[:1])
            answer = Answer(
                sure, render_result(sure, self.kb, status=status), followup=kind, status=status
            )
            return self._remember(answer, joined, status, previous)
        if together.candidates:
            return self._remember(in_context, joined, status, previous)
        if context is not None and kind == "elliptical":
            return self._offer(context, question, own.tokens, previous, kind, status, joined)
        return self._remember(alone, question, status, previous)

    def _status_noted(self, question: str, status: str) -> Answer:
        """ "kalau saya pppk?" with nothing before it: not a question yet. The status is
        noted and the question asked for; the next one is answered for that status."""
        reply = render_status_prompt(status)
        noted = Answer(MatchResult("no_match", question, (), ()), reply, "status", status)
        return replace(noted, turn=Turn(question, None, status))

    def _sanction_of_named_act(
        self,
        question: str,
        context: Entry,
        kind: FollowUpKind | None,
        focus: Focus,
        status: str | None,
    ) -> Answer | None:
        """ "kalau pasang baliho di depan rumah, hukumannya apa?" after another subject: the
        sanction (or legal basis: ``focus``) of the act it names, when that act alone,
        without the asking words, is answered clearly by another entry than ``context``;
        else None."""
        act_text = self._followups.without_asking(question)
        act = self.safety.apply(self.matcher.match(act_text)) if act_text else None
        entry = act.entry if act is not None and act.status == "answered" else None
        if act is None or entry is None or entry == context:
            return None
        reply = render_entry(entry, self.kb, status=status, focus=focus)
        turn = Turn(question, entry.id, status)
        return Answer(replace(act, query=question), reply, followup=kind, status=status, turn=turn)

    def _reoffer(
        self, question: str, previous: Turn, kind: FollowUpKind, status: str | None
    ) -> Answer:
        """The previous turn's suggestions once more, for a follow-up that needs one of
        them chosen first ("hukumannya apa?" after "Maksud Anda")."""
        entries = [e for e in (self.kb.get(i) for i in previous.offered) if e is not None]
        offer = tuple(self._candidate(e, previous.text) for e in entries)
        result = MatchResult("ambiguous", question, self.matcher.tokens(question), offer)
        answer = Answer(result, render_result(result, self.kb), followup=kind, status=status)
        return replace(answer, turn=replace(previous, status=status))

    def _offer(
        self,
        context: Entry,
        question: str,
        tokens: tuple[str, ...],
        previous: Turn,
        kind: FollowUpKind,
        status: str | None,
        joined: str,
    ) -> Answer:
        """Neither reading is sure, but the conversation is about ``context``: offer it
        ("Maksud Anda") rather than a dead end."""
        offer = (self._candidate(context, previous.text),)
        result = MatchResult("ambiguous", question, tokens, offer)
        answer = Answer(result, render_result(result, self.kb), followup=kind, status=status)
        return self._remember(answer, joined, status, previous)

    def _again(
        self,
        result: MatchResult,
        entry: Entry,
        previous: Turn,
        kind: FollowUpKind | None,
        focus: Focus,
        status: str | None,
    ) -> Answer:
        """The previous turn's entry once more, for a follow-up about it."""
        reply = render_entry(entry, self.kb, status=status, focus=focus)
        turn = Turn(previous.text, entry.id, status)
        return Answer(result, reply, followup=kind, status=status, turn=turn)

    def _mostly_known(self, tokens: tuple[str, ...]) -> bool:
        """Whether most of these tokens are words the knowledge base knows: a short message
        of unknown words ("resep rendang", "matur nuwun sanget") is a new subject."""
        return 2 * len(self.matcher.unknown(tokens)) < len(tokens)

    def _joined_wins(self, together: MatchResult, own: MatchResult, joined: str) -> bool:
        """Whether the follow-up joined to the previous question is the better reading.

        Both may be answered with different entries: "kalau cuma di grup keluarga?" after
        a question about liking posts is about sharing in a family group, not about digital
        literacy, whereas "terus boleh pakai mobil dinas?" after a spouse question is about
        state facilities. The joined reading wins when its entry leads the alone reading's
        entry, scored on the joined text, by ``JOINED_LEAD``.
        """
        if together.status != "answered":
            return False
        if own.entry is None or together.entry is None or own.entry.id == together.entry.id:
            return True
        ranked = self.matcher.rank_text(joined)
        rival = next((c.score for c in ranked if c.entry == own.entry), 0.0)
        return together.score - rival >= JOINED_LEAD

    def _remember(
        self, answer: Answer, text: str, status: str | None, previous: Turn | None
    ) -> Answer:
        """``answer`` with the turn to remember: the entry answered, or the first one
        offered ("Maksud Anda": a follow-up is most likely about it); small talk keeps the
        previous turn (a "makasih" does not end the conversation); a question that got no
        answer ends the context."""
        result = answer.result
        if answer.smalltalk is not None and previous is not None:
            turn = replace(previous, status=status)
        elif result.status == "ambiguous" and result.candidates:
            offered = tuple(c.entry.id for c in result.candidates)
            turn = Turn(text, offered[0], status, offered)
        elif result.status != "no_match" and result.candidates:
            turn = Turn(text, result.candidates[0].entry.id, status)
        else:
            turn = Turn(text, None, status)
        return replace(answer, turn=turn)

    def _answered(self, question: str, entry: Entry, context_text: str) -> MatchResult:
        """A result answering ``entry`` for a follow-up, scored as for the context text."""
        top = self._candidate(entry, context_text)
        return MatchResult("answered", question, self.matcher.tokens(question), (top,))

    def _candidate(self, entry: Entry, context_text: str) -> Candidate:
        """``entry`` as a candidate, with its score for the context text."""
        ranked = self.matcher.rank_text(context_text)
        found = next((c for c in ranked if c.entry.id == entry.id), None)
        return found or Candidate(entry, 1.0, 0.0, 0.0, 0.0, entry.canonical_question)

    def chose(self, entry_id: str, previous: Turn | None) -> Turn | None:
        """The turn to remember after the user picked ``entry_id`` (a suggestion or a
        related entry): follow-ups then refer to it."""
        entry = self.kb.get(entry_id)
        if entry is None:
            return previous
        status = previous.status if previous else None
        return Turn(entry.canonical_question, entry.id, status)

    def show(self, entry_id: str, status: str | None = None) -> Reply | None:
        """The answer card of one entry (for the asker's ``status``), or None for an
        unknown id."""
        entry = self.kb.get(entry_id)
        return render_entry(entry, self.kb, status=status) if entry else None

    def sources(self, entry_id: str) -> Reply | None:
        """The '📚 Sumber' reply of one entry, or None for an unknown id."""
        entry = self.kb.get(entry_id)
        return render_sources(entry) if entry else None
