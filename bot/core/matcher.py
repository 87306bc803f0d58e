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

Unknown words are first corrected to the closest vocabulary word when rapidfuzz finds one
that is similar enough (typos such as "kampnye" or "twibon").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Final, Literal

from rapidfuzz import fuzz, process

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
    # Typo correction: minimum rapidfuzz ratio (0-100) to replace an unknown word by a
    # vocabulary word, and the shortest word we try to correct.
    typo_ratio: float = 80.0
    typo_min_len: int = 4


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
        for entry in kb.entries:
            phrasings = []
            vocabulary: set[str] = set()
            sources = [*entry.questions, *entry.keywords, entry.title]
            for i, text in enumerate(sources):
                toks = unique(self.normalizer.tokens(text))
                vocabulary.update(toks)
                if i < len(entry.questions) + len(entry.keywords) and toks:
                    phrasings.append(_Phrasing(frozenset(toks), " ".join(toks), text))
            indexed.append(_IndexedEntry(entry, frozenset(vocabulary), tuple(phrasings)))
            df.update(vocabulary)
        self._entries = tuple(indexed)
        n = max(len(indexed), 1)
        self._idf = {t: _bm25_idf(n, d) for t, d in df.items()}
        self._unknown_idf = _bm25_idf(n, weights.unknown_df)
        self._vocabulary = sorted(self._idf)

    # -- public API -----------------------------------------------------------------

    def match(self, question: str) -> MatchResult:
        """Match one question: answered, ambiguous (with suggestions) or no_match."""
        tokens = tuple(self.correct(unique(self.normalizer.tokens(question))))
        ranked = self.rank(tokens)
        w = self.weights
        if not ranked or ranked[0].score < w.min_score:
            return MatchResult("no_match", question, tokens, tuple(ranked[:0]))
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
        tokens = tuple(self.correct(unique(self.normalizer.tokens(question))))
        return [c for c in self.rank(tokens) if c.score >= self.weights.min_score / 2][:limit]

    def correct(self, tokens: list[str]) -> list[str]:
        """Replace unknown words by the closest vocabulary word when it is close enough."""
        w = self.weights
        out = []
        for token in tokens:
            if token in self._idf or len(token) < w.typo_min_len or not token.isalpha():
                out.append(token)
                continue
            best = process.extractOne(
                token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=w.typo_ratio
            )
            out.append(best[0] if best else token)
        return out

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
