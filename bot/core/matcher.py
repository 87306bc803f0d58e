"""Ranking questions against the knowledge base.

Every entry is indexed by the stems of its phrasings, keywords and title. A question is
scored against each entry by three signals, all in [0, 1]:

* ``phrase``: the best IDF-weighted overlap with one phrasing of the entry. IDF is
  BM25's (documents are entries), so a rare word such as "twibbon" or "ktp" counts far
  more than "asn" or "boleh", which nearly every entry contains.
* ``cover``: the IDF-weighted share of the question's words that the entry knows at all
  (phrasings + keywords + title). Words the knowledge base has never seen count against
  every entry, which is what pushes salary or recruitment questions to ``no_match``.
* ``fuzzy``: rapidfuzz similarity between the normalised question and the best phrasing,
  which rescues word order and typos the token correction missed.

Before scoring, a word whose stem the knowledge base does not know is rescued when it can
be: the informal suffix "-in" is read as "-kan" ("dikumpulin" -> "dikumpulkan" -> "kumpul"),
then a typo is corrected to the closest known *word* (not stem: stemming a misspelt word
gives garbage) within a small edit distance ("palson" -> "paslon", "pemenagan" ->
"pemenangan").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Final, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.models import Entry, KnowledgeBase
from bot.core.normalize import Normalizer, unique

Status = Literal["answered", "ambiguous", "no_match"]


@dataclass(frozen=True, slots=True)
class Weights:
    """Every tunable number of the matcher, in one place.

    The values were chosen on ../shared/eval/dev.yaml (grid search over the thresholds and
    the blend, see ``tests/test_matcher_quality.py``) and then checked, unchanged, on the
    project's own held-out set ``tests/data/questions.yaml``.
    """

    # Blend of the three signals; sums to 1. The phrasing overlap carries most of the
    # evidence; coverage protects against off-topic questions; fuzzy breaks ties on typos.
    phrase: float = 0.50
    cover: float = 0.35
    fuzzy: float = 0.15
    # How much the query side counts in the phrasing overlap (the rest is the phrasing
    # side): a short question fully inside a long phrasing is still a good match.
    query_side: float = 0.7
    # An unknown word weighs as much as a word of this document frequency: rare enough to
    # matter, but a question with one unexpected word can still be answered.
    unknown_df: float = 1.0
    # Below this score there is no relevant entry at all.
    min_score: float = 0.42
    # At or above this score, with the margin below, the top entry is answered.
    answer_score: float = 0.55
    # The top entry must lead the runner-up by this much to be answered alone.
    margin: float = 0.06
    # Suggestions within this distance of the top score are offered when ambiguous.
    suggest_window: float = 0.15
    max_suggestions: int = 3
    # Typo correction: words shorter than this are never corrected (too many short words
    # are one edit apart: "main"/"makin"); one edit (OSA: a transposition is one edit) is
    # allowed, two from ``typo_two_edits_len`` letters on. The first letter must match:
    # people rarely mistype it, and it stops "kabar" becoming "akbar".
    typo_min_len: int = 5
    typo_two_edits_len: int = 8


DEFAULT_WEIGHTS: Final = Weights()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry with its score for a question."""

    entry: Entry
    score: float
    phrase: float
    cover: float
    fuzzy: float
    best_question: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of matching one question."""

    status: Status
    query: str
    tokens: tuple[str, ...]
    candidates: tuple[Candidate, ...]  # best first; for ambiguous: the suggestions

    @property
    def entry(self) -> Entry | None:
        """The answering entry, when answered."""
        return self.candidates[0].entry if self.status == "answered" else None

    @property
    def score(self) -> float:
        """The top score (0 when nothing scored)."""
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True, slots=True)
class _Phrasing:
    tokens: frozenset[str]
    text: str  # normalised tokens joined, for fuzzy comparison
    original: str


@dataclass(frozen=True, slots=True)
class _IndexedEntry:
    entry: Entry
    vocabulary: frozenset[str]
    phrasings: tuple[_Phrasing, ...]


class Matcher:
    """Ranks knowledge-base entries for a question; deterministic and thread-safe to read."""

    def __init__(
        self,
        kb: KnowledgeBase,
        normalizer: Normalizer | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> None:
        self.kb = kb
        self.normalizer = normalizer or Normalizer(kb.lexicon)
        self.weights = weights
        indexed: list[_IndexedEntry] = []
        df: Counter[str] = Counter()
        # surface word -> the stems it stands for; typo correction compares surface words
        surface: dict[str, tuple[str, ...]] = {}
        for entry in kb.entries:
            phrasings = []
            vocabulary: set[str] = set()
            sources = [*entry.questions, *entry.keywords, entry.title]
            for i, text in enumerate(sources):
                pairs = self.normalizer.pairs(text)
                for word, stem in pairs:
                    surface.setdefault(word, (stem,))
                toks = unique(stem for _, stem in pairs)
                vocabulary.update(toks)
                if i < len(entry.questions) + len(entry.keywords) and toks:
                    phrasings.append(_Phrasing(frozenset(toks), " ".join(toks), text))
            indexed.append(_IndexedEntry(entry, frozenset(vocabulary), tuple(phrasings)))
            df.update(vocabulary)
        self._entries = tuple(indexed)
        n = max(len(indexed), 1)
        self._idf = {t: _bm25_idf(n, d) for t, d in df.items()}
        self._unknown_idf = _bm25_idf(n, weights.unknown_df)
        for variant, canonical in self.normalizer.synonym_targets().items():
            stems = tuple(self.normalizer.stem(t) for t in canonical)
            if all(t in self._idf for t in stems):
                surface.setdefault(variant, stems)
        self._surface = {w: t for w, t in surface.items() if len(w) >= weights.typo_min_len}
        self._surface_words = sorted(self._surface)
        self._df = df

    # -- public API -----------------------------------------------------------------

    def tokens(self, question: str) -> tuple[str, ...]:
        """The question's meaningful stems, with unknown words rescued where possible."""
        out: list[str] = []
        for word, stem in self.normalizer.pairs(question):
            out.extend(self._known(word, stem))
        return tuple(unique(out))

    def match(self, question: str) -> MatchResult:
        """Match one question: answered, ambiguous (with suggestions) or no_match."""
        tokens = self.tokens(question)
        ranked = self.rank(tokens)
        w = self.weights
        if not ranked or ranked[0].score < w.min_score:
            return MatchResult("no_match", question, tokens, ())
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if top.score >= w.answer_score and top.score - runner_up >= w.margin:
            return MatchResult("answered", question, tokens, (top,))
        close = [
            c
            for c in ranked[: w.max_suggestions]
            if c.score >= w.min_score and top.score - c.score <= w.suggest_window
        ]
        return MatchResult("ambiguous", question, tokens, tuple(close))

    def search(self, question: str, limit: int = 10) -> list[Candidate]:
        """The best entries for a keyword search (inline mode): no thresholds but a floor."""
        ranked = self.rank(self.tokens(question))
        return [c for c in ranked if c.score >= self.weights.min_score / 2][:limit]

    def _known(self, word: str, stem: str) -> tuple[str, ...]:
        if stem in self._idf or not word.isalpha():
            return (stem,)
        if word.endswith("in") and len(word) >= 6:
            informal = self.normalizer.stem(word[:-2] + "kan")
            if informal in self._idf:
                return (informal,)
        corrected = self.correct_word(word)
        return corrected if corrected is not None else (stem,)

    def correct_word(self, word: str) -> tuple[str, ...] | None:
        """The stems of the closest known word within the allowed edits, or None."""
        w = self.weights
        if len(word) < w.typo_min_len:
            return None
        max_edits = 2 if len(word) >= w.typo_two_edits_len else 1
        found = process.extract(
            word, self._surface_words, scorer=OSA.distance, score_cutoff=max_edits, limit=8
        )
        best: tuple[int, float, str] | None = None
        for candidate, distance, _ in found:
            if candidate[0] != word[0]:
                continue
            # closest first; among equals, the word whose stems are most common
            weight = -sum(self._df.get(t, 0) for t in self._surface[candidate])
            key = (int(distance), weight, candidate)
            if best is None or key < best:
                best = key
        return self._surface[best[2]] if best else None

    def rank(self, tokens: tuple[str, ...]) -> list[Candidate]:
        """All entries with a positive score for these (normalised) tokens, best first."""
        if not tokens:
            return []
        w = self.weights
        weight = {t: self._idf.get(t, self._unknown_idf) for t in tokens}
        query_weight = sum(weight.values())
        query_set = frozenset(tokens)
        query_text = " ".join(tokens)
        out: list[Candidate] = []
        for item in self._entries:
            known = query_set & item.vocabulary
            if not known:
                continue
            cover = sum(weight[t] for t in known) / query_weight
            best_phrase = 0.0
            best_fuzzy = 0.0
            best_text = item.entry.canonical_question
            for p in item.phrasings:
                shared = query_set & p.tokens
                if shared:
                    matched = sum(weight[t] for t in shared)
                    phrasing_weight = sum(self._idf[t] for t in p.tokens)
                    overlap = matched / (
                        w.query_side * query_weight + (1 - w.query_side) * phrasing_weight
                    )
                    if overlap > best_phrase:
                        best_phrase, best_text = overlap, p.original
                best_fuzzy = max(best_fuzzy, fuzz.token_sort_ratio(query_text, p.text) / 100)
            score = w.phrase * best_phrase + w.cover * cover + w.fuzzy * best_fuzzy
            out.append(Candidate(item.entry, score, best_phrase, cover, best_fuzzy, best_text))
        # Ties are broken by id so that results never depend on dict or file order.
        out.sort(key=lambda c: (-c.score, c.entry.id))
        return out


def _bm25_idf(n_docs: int, df: float) -> float:
    """BM25's inverse document frequency (always positive)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
