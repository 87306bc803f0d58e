"""A forbidden act never earns a permissive verdict.

The matcher scores overlap: "boleh pakai hak pilih sambil membagikan uang ke tetangga?"
shares more with the ``boleh`` entry on voting than with the ``dilarang`` entry on money
politics, and would open with "Boleh.". For this product that is the worst possible answer.

``SafetyNet`` is a small pure layer applied to a ``MatchResult`` after matching. Its act
vocabulary is derived from the knowledge base, not from a list in code: every keyword of a
``dilarang`` entry, normalised by the matcher exactly as questions are, is an *act cue* of
that entry, and so is every word that ``larangan`` in ``sinonim.yaml`` lists for it (single
words such as "kampanye" that the keywords only use inside phrases). When the result's best
entry is ``boleh`` or ``bersyarat`` and the question contains an act cue that the best entry
does not cover itself (its own phrasings and keywords do not hold all of the cue's words),
the result becomes "Maksud Anda" with the forbidden entries first and the permissive one
after them: the user sees the prohibition before any "boleh".

A cue of several words names the act only when its words stand together in the question
(within ``CUE_SLACK`` other words): "aktif di partai" is an act, "partai ... pns masih
aktif" is not; "izin keramaian" is not "izin ... ramai debat".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.core.matcher import Candidate, MatchResult
from bot.core.models import Entry, KnowledgeBase

PERMISSIVE = frozenset({"boleh", "bersyarat"})
FORBIDDEN = "dilarang"
# At most this many forbidden entries are offered before the permissive one.
MAX_FORBIDDEN_SUGGESTIONS = 2
# A cue's words may have at most this many other words between them in the question.
CUE_SLACK = 2


@dataclass(frozen=True, slots=True)
class Cue:
    """A forbidden act: the normalised words of one keyword of a ``dilarang`` entry."""

    words: frozenset[str]
    entry_id: str
    keyword: str


class SafetyNet:
    """Act cues of the knowledge base and the veto over match results."""

    def __init__(self, kb: KnowledgeBase, tokens: Callable[[str], Sequence[str]]) -> None:
        """``tokens``: the matcher's words of a text in order, repeats kept
        (``Matcher.token_sequence``)."""
        self._kb = kb
        self._tokens = tokens
        vocabulary: dict[str, frozenset[str]] = {}
        for entry in kb.entries:
            words: set[str] = set()
            for text in (*entry.questions, *entry.keywords):
                words.update(_plain(tokens(text)))
            vocabulary[entry.id] = frozenset(words)
        self._vocabulary = vocabulary
        cues: list[Cue] = []
        # Keywords that name a person, place, occasion or thing ("camat", "alun-alun",
        # "pernikahan"): they help to find the entry but are no act of their own.
        not_acts = {frozenset(_plain(tokens(p))) for p in kb.lexicon.not_acts}
        seen: set[tuple[frozenset[str], str]] = set()
        for entry in kb.entries:
            if entry.verdict != FORBIDDEN:
                continue
            extra = kb.lexicon.forbidden_acts.get(entry.id, ())
            for keyword in (*entry.keywords, *extra):
                cue = frozenset(_plain(tokens(keyword)))
                if not cue or (cue, entry.id) in seen or cue in not_acts or _lost(keyword, cue):
                    continue
                seen.add((cue, entry.id))
                cues.append(Cue(cue, entry.id, keyword))
        self.cues = tuple(cues)
        # The allowed acts (keywords of boleh / bersyarat entries: "hak pilih", "kpps").
        self._allowed = tuple(
            (frozenset(act), entry.id)
            for entry in kb.entries
            if entry.verdict in PERMISSIVE
            for keyword in entry.keywords
            if (act := _plain(tokens(keyword)))
        )

    def forbidden_acts(self, result: MatchResult) -> list[Cue]:
        """The cues in the question that the permissive best entry does not cover.

        A question that got nothing (and was not declined as another subject) but joins an
        allowed act (a keyword of a boleh or bersyarat entry) to forbidden ones with
        "sambil", "sekalian", ... ("boleh nyoblos sambil kampanye?") gets every forbidden
        cue that the allowed act's entry does not cover: no dead end, the prohibition first.
        """
        present = frozenset(result.tokens)
        together = _Together(lambda: self._tokens(result.query))
        if result.status == "no_match":
            named = {eid for words, eid in self._allowed if words <= present}
            if result.offtopic is not None or not named or not _compound(result.query):
                return []
            vocabularies = [self._vocabulary.get(eid, frozenset()) for eid in named]
            return [
                c
                for c in self.cues
                if c.words <= present
                and not any(c.words <= v for v in vocabularies)
                and together(c.words)
            ]
        best = result.candidates[0].entry if result.candidates else None
        if best is None or best.verdict not in PERMISSIVE:
            return []
        covered = self._vocabulary.get(best.id, frozenset())
        return [
            c
            for c in self.cues
            if c.words <= present and not c.words <= covered and together(c.words)
        ]

    def apply(self, result: MatchResult) -> MatchResult:
        """``result``, or "Maksud Anda" with the forbidden entries first when the question
        names a forbidden act that its permissive best entry does not cover."""
        acts = self.forbidden_acts(result)
        if not acts:
            return result
        # The entry whose cues cover most of the question's words comes first.
        weight: dict[str, int] = {}
        for cue in acts:
            weight[cue.entry_id] = weight.get(cue.entry_id, 0) + len(cue.words)
        ranked = {c.entry.id: c for c in result.candidates}
        order = sorted(weight, key=lambda eid: (-weight[eid], -_score(ranked.get(eid)), eid))
        forbidden: list[Candidate] = []
        for entry_id in order[:MAX_FORBIDDEN_SUGGESTIONS]:
            entry = self._kb.get(entry_id)
            if entry is not None:
                forbidden.append(ranked.get(entry_id) or _candidate(entry, result.score))
        permissive = [c for c in result.candidates if c.entry.verdict in PERMISSIVE][:1]
        if result.status == "no_match":
            permissive = []
        return MatchResult(
            "ambiguous",
            result.query,
            result.tokens,
            (*forbidden, *permissive),
            result.offtopic,
        )


def is_permissive_first(result: MatchResult) -> bool:
    """Whether a user would read a permissive verdict first: an answer with a ``boleh`` or
    ``bersyarat`` entry, or suggestions that start with one."""
    if result.status == "no_match" or not result.candidates:
        return False
    return result.candidates[0].entry.verdict in PERMISSIVE


# Words that join two acts in one question: "nyoblos *sambil* bagi amplop".
_COMPOUND = re.compile(r"\b(?:sambil|sekalian|sekaligus|sembari|seraya|plus|terus|lalu|while)\b")


def _compound(question: str) -> bool:
    return _COMPOUND.search(question.lower()) is not None


class _Together:
    """Whether a cue's words stand together in one question (its words read once, when a
    cue of several words first needs them)."""

    def __init__(self, sequence: Callable[[], Sequence[str]]) -> None:
        self._sequence = sequence
        self._words: Sequence[str] | None = None

    def __call__(self, words: frozenset[str]) -> bool:
        if len(words) < 2:
            return True
        if self._words is None:
            self._words = self._sequence()
        seq = self._words
        width = len(words) + CUE_SLACK
        return any(
            words <= set(seq[start : start + width]) for start, w in enumerate(seq) if w in words
        )


def _lost(keyword: str, cue: frozenset[str]) -> bool:
    """Whether normalising left one plain word of a longer keyword: its other words were
    stop words, and what made it an act went with them ("dari rumah ke rumah" -> "rumah",
    "calon perseorangan" -> "calon"). A phrase that a synonym makes one word ("mobil dinas"
    -> "randis") stays a cue."""
    words = keyword.lower().split()
    return len(words) > 1 and len(cue) == 1 and next(iter(cue)) in words


def _plain(tokens: Iterable[str]) -> list[str]:
    # The matcher's marker tokens (off-topic phrases) are not words of an act.
    return [t for t in tokens if t.isalnum()]


def _score(candidate: Candidate | None) -> float:
    return candidate.score if candidate is not None else 0.0


def _candidate(entry: Entry, score: float) -> Candidate:
    return Candidate(entry, score, 0.0, 0.0, 0.0, entry.canonical_question)
