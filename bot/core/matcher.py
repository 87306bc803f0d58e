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

Long (about 900 lines) but one idea, ranking a question against the index: the index, the
four signals, the question part of a story and the decision all read the same private
index state; ``Weights`` and the decision functions sit beside them because
scripts/tune.py replays the decision exactly as ``Matcher.match`` makes it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.learned import (
    TOPIC_PREFIX,
    LearnedModel,
    build_both,
    model_for_texts,
    training_texts,
)
from bot.core.models import Entry, KnowledgeBase, OffTopic
from bot.core.normalize import NORMALIZE_VERSION, Normalizer, knowledge_words, unique

Status = Literal["answered", "ambiguous", "no_match"]
# The raw words of a whole text and of its question part (empty: none).
RawWords = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Weights:
    """Every tunable number of the matcher, in one place.

    The values were chosen by ``scripts/tune.py`` on ../shared/eval/dev.yaml,
    tests/data/tuning.yaml, tuning2.yaml, tuning3.yaml and the five blind real-style sets
    tests/data/real_tuning.yaml, real_tuning2.yaml, real_tuning3.yaml, real_tuning6.yaml and
    real_tuning7.yaml (3,755 questions, 873 out of scope; the real-style labels reviewed
    against the entries, tests/data/README.md). The learned ranker's two models train on the
    knowledge base and the labelled examples of knowledge/contoh.yaml, which include the
    questions of those sets but dev.yaml (out-of-scope ones with a topic the ranker chose,
    tests/data/oos-topics/) and those of 24 blind writers of sessions 6 and 7 (session 7's
    first six wrote mostly near misses out of scope, with their topics): the decision
    inputs of each file come from models trained without that file's questions
    (cross-fitting), so the decision models (logistic regressions; an out-of-scope question
    weighs 3) are fitted as if every question were new. The blend, the raw-word share and
    the thresholds are a grid search
    for the most correct answers plus a third of the right suggestions, with at most 2%
    wrong answers overall and 2.5% in any new set, at least 94% of out-of-scope questions
    declined, and each older set within one point of its earlier top-1 and with no more
    wrong answers than before; decisions as ``Engine.ask`` makes them, the safety net
    included (a permissive answer to a question naming a forbidden act becomes
    suggestions). real_tuning2.yaml (weighted towards neighbouring subjects) is the binding
    set: below answer_p 0.65 its wrong answers pass 2.5%. The values are then checked,
    unchanged, on the held-out sets (``tests/core/test_matcher_quality.py``).
    """

    # Blend of the three signals; sums to 1. The phrasing overlap carries most of the
    # evidence; coverage protects against off-topic questions; fuzzy similarity helps
    # with word order and typos the correction missed.
    phrase: float = 0.05
    cover: float = 0.15
    fuzzy: float = 0.10
    # The learned ranker (bot/core/learned.py), as ``learned_signal`` of its margin; 0
    # switches it off (no model is trained or loaded then).
    learned: float = 0.70
    # The learned margin is this share of a second model's, trained on the raw words (before
    # synonyms, stemming and typo correction: what normalising loses, such as "dilaporin"
    # beside "lapor", it keeps), and the rest the token model's. 0: the token model alone
    # (the raw-word model is then not trained).
    raw_share: float = 0.5
    # How much the query side counts in the phrasing overlap (the rest is the phrasing
    # side): a short question fully inside a long phrasing is still a good match.
    query_side: float = 0.6
    # An unknown word weighs as much as a word of this document frequency: rare enough to
    # matter, but a question with one unexpected word can still be answered.
    unknown_df: float = 2.0
    # An unknown word that is an ordinary dictionary word ("gaji", "helm") weighs like a
    # word of this frequency; acronyms, slang and leftover typos ("skd", "wkwk") use
    # ``unknown_df``. The search found dictionary words the better sign of another subject.
    unknown_word_df: float = 0.5
    # A word of the lexicon's off-topic list (gaji, formasi, ...) that no entry uses weighs
    # this many times the rarest known word: one such word sinks every entry.
    offtopic_factor: float = 2.0
    # Below this score there is no relevant entry at all (no signal: the plain reply).
    min_score: float = 0.20
    # Hard floors of an answer (with the decision models, the answer model decides above
    # them; the search left them at their lowest).
    answer_score: float = 0.20
    # The top entry must lead the runner-up by this much to be answered alone (the answer
    # model also judges the lead: one of its features).
    margin: float = 0.02
    # An out-of-scope topic (knowledge/luar-cakupan.yaml) declines the question when its
    # score reaches the top entry's plus this (and ``topic_floor``): at 0.0 a topic that
    # ties with the best entry declines (declining is the safe side of a close call).
    offtopic_lead: float = 0.0
    # A message of several sentences is scored as this share of its question part (the
    # last asking sentence, see ``Matcher.question_part``) and the rest of the whole text:
    # the story is context, the question says what is asked.
    question_part: float = 0.3
    # The decision models (logistic, over DECISION_FEATURES; fitted by scripts/tune.py):
    # the answer model estimates that the top entry is right, the scope model that the
    # question is in scope with the right entry among the best three. Empty: ``decide``.
    answer_model: tuple[float, ...] = (
        1.1313, 1.4261, -2.7578, 3.8891, 2.3565, -0.8916, 2.0353, -0.1271,
        -1.4359, 0.3237, 0.6739, -0.301, 0.7418, -0.4002, -4.1516,
    )  # fmt: skip
    scope_model: tuple[float, ...] = (
        1.8588, -0.4418, -2.8753, 4.734, 3.5518, -1.627, 1.2442, -0.6241,
        -1.3705, 0.5939, 1.1256, -0.8844, 1.1902, -0.4796, -4.3731,
    )  # fmt: skip
    answer_p: float = 0.65
    # The answer model's bar for one sentence of a longer message (the sentence rule:
    # a sentence answered alone, and agreeing with the whole, answers it). At 1.0 the rule
    # is off (it was until session 7: it added more wrong answers than right ones before
    # the training examples of the last two rounds).
    sentence_p: float = 0.9
    suggest_p: float = 0.20
    # An out-of-scope topic is named in the reply (and stops the sentence rule) only from
    # this score on, and when it is within ``offtopic_lead`` of the top entry.
    topic_floor: float = 0.30
    # Suggestions within this distance of the top score are offered when ambiguous.
    suggest_window: float = 0.15
    max_suggestions: int = 3
    # Typo correction: words shorter than this are never corrected, nor are dictionary
    # words or their derivations ("main" is not a typo of "makin"). One edit is allowed
    # (OSA: a transposition is one edit), two from ``typo_two_edits_len`` letters on. The
    # first letter must match: people rarely mistype it, and it stops "kabar" -> "akbar".
    typo_min_len: int = 4
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
    learned: float = 0.0  # the learned ranker's signal in [0, 1] (see learned_signal)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of matching one question."""

    status: Status
    query: str
    tokens: tuple[str, ...]
    candidates: tuple[Candidate, ...]  # best first; for ambiguous: the suggestions
    # For no_match: the out-of-scope topic the question is closest to, if any.
    offtopic: OffTopic | None = None

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
    weight: float = 0.0  # the sum of its tokens' IDF, set once the IDF is known
    index: int = 0  # position in the matcher's flat list of phrasing texts


@dataclass(frozen=True, slots=True)
class _IndexedEntry:
    """An entry, or an out-of-scope topic indexed the same way (``entry`` is then None)."""

    entry: Entry | None
    topic: OffTopic | None
    vocabulary: frozenset[str]
    phrasings: tuple[_Phrasing, ...]
    unless: frozenset[str] = frozenset()  # a topic's ``unless`` words, normalised


@dataclass(frozen=True, slots=True)
class _Scored:
    item: _IndexedEntry
    score: float
    phrase: float
    cover: float
    fuzzy: float
    best_text: str
    learned: float = 0.0


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
        norm = self.normalizer
        # Words typo correction may turn a misspelt word into: every word of the entries
        # and of the lexicon (corrected before synonyms, so "negri" -> "negeri" -> "asn").
        known_words = norm.lexicon_words() | kb.lexicon.offtopic
        cleaned_sources: list[str] = []
        entry_vocabulary: set[str] = set()
        documents: list[tuple[Entry | None, OffTopic | None, list[str], int]] = [
            (e, None, [*e.questions, *e.keywords, e.title], len(e.questions) + len(e.keywords))
            for e in kb.entries
        ]
        # Out-of-scope topics are indexed like entries: a question about salary then finds
        # its nearest document among the salary examples rather than among the entries.
        documents += [(None, t, [*t.questions, t.title], len(t.questions)) for t in kb.offtopics]
        for entry, topic, sources, n_phrasings in documents:
            phrasings = []
            vocabulary: set[str] = set()
            for i, text in enumerate(sources):
                raw = norm.raw_words(text)
                known_words.update(raw)
                if entry is not None:
                    cleaned_sources.append(f" {' '.join(raw)} ")
                toks = unique(norm.tokens(text))
                vocabulary.update(toks)
                if i < n_phrasings and toks:
                    phrasings.append(_Phrasing(frozenset(toks), " ".join(toks), text))
            if not phrasings:
                continue
            unless = frozenset(t for w in topic.unless for t in norm.tokens(w)) if topic else None
            indexed.append(
                _IndexedEntry(
                    entry, topic, frozenset(vocabulary), tuple(phrasings), unless or frozenset()
                )
            )
            df.update(vocabulary)
            if entry is not None:
                entry_vocabulary.update(vocabulary)
        n = max(len(indexed), 1)
        self._idf = {t: _bm25_idf(n, d) for t, d in df.items()}
        # Phrasing weights depend only on the IDF: computed once here, not per question.
        texts: list[str] = []
        weighted: list[_IndexedEntry] = []
        for item in indexed:
            phrasings = []
            for p in item.phrasings:
                weight = sum(self._idf[t] for t in p.tokens)
                phrasings.append(replace(p, weight=weight, index=len(texts)))
                texts.append(p.text)
            weighted.append(replace(item, phrasings=tuple(phrasings)))
        self._entries = tuple(weighted)
        # Every phrasing's tokens, sorted once: fuzz.ratio on these equals
        # fuzz.token_sort_ratio on the texts at half the cost (no sort per question).
        self._phrasing_sorted = [" ".join(sorted(t.split())) for t in texts]
        # Flat per-phrasing arrays for the scoring loop: owner (index into _entries), weight.
        self._phrasing_owner = [i for i, it in enumerate(self._entries) for _ in it.phrasings]
        self._phrasing_weight = [p.weight for it in self._entries for p in it.phrasings]
        self._phrasing_original = [p.original for it in self._entries for p in it.phrasings]
        postings: dict[str, list[int]] = {}
        for item in self._entries:
            for p in item.phrasings:
                for token in p.tokens:
                    postings.setdefault(token, []).append(p.index)
        self._postings = {t: tuple(ix) for t, ix in postings.items()}
        self._postings_array = {t: np.array(ix, dtype=np.intp) for t, ix in postings.items()}
        self._phrasing_weight_array = np.array(self._phrasing_weight, dtype=np.float64)
        self._unknown_idf = _bm25_idf(n, weights.unknown_df)
        self._unknown_word_idf = _bm25_idf(n, weights.unknown_word_df)
        self._offtopic_idf = weights.offtopic_factor * _bm25_idf(n, 1)
        single = {w for w in kb.lexicon.offtopic if " " not in w}
        self._offtopic = frozenset(norm.stem(w) for w in single) | single
        # Multi-word off-topic phrases ("uang pensiun") are found in the cleaned text; a
        # phrase that an entry itself uses ("di luar jam kerja") is not off-topic.
        phrases = {" ".join(norm.raw_words(p)) for p in kb.lexicon.offtopic if " " in p}
        used_text = "\n".join(cleaned_sources)  # each source is padded with spaces
        self._offtopic_phrases = tuple(sorted(p for p in phrases if f" {p} " not in used_text))
        # Topics that decline by who the question is about (OffTopic.subjects).
        self._subject_rules = tuple(
            (
                t,
                tuple(tuple(norm.raw_words(x)) for x in t.subjects),
                frozenset(tok for w in t.unless for tok in norm.tokens(w)),
            )
            for t in kb.offtopics
            if t.subjects
        )
        self._single = {
            item.entry.id: {p.tokens for p in item.phrasings if len(p.tokens) == 1}
            for item in self._entries
            if item.entry is not None
        }
        self._df = df
        self._entry_vocabulary = frozenset(entry_vocabulary)
        self._known_words = frozenset(w for w in known_words if w.isalpha())
        self._typo_targets = sorted(
            w for w in self._known_words if len(w) >= weights.typo_min_len - 1
        )
        self._corrections: dict[str, str] = {}
        self._topic_index = {
            f"{TOPIC_PREFIX}{it.topic.id}": i
            for i, it in enumerate(self._entries)
            if it.topic is not None
        }
        self._entry_index = {
            it.entry.id: i for i, it in enumerate(self._entries) if it.entry is not None
        }
        self.learned: LearnedModel | None = None
        self.learned_raw: LearnedModel | None = None
        if weights.learned > 0:
            self.learned, self.learned_raw = learned_models(kb, norm, weights.raw_share > 0)

    # -- public API -----------------------------------------------------------------

    def tokens(self, question: str) -> tuple[str, ...]:
        """The question's meaningful stems, with misspelt and unknown words rescued, each
        once.

        An off-topic phrase in the question adds a marker token that no entry knows.
        """
        return tuple(unique(self.token_sequence(question)))

    def token_sequence(self, question: str) -> list[str]:
        """``tokens`` in the order of the text, repeats kept (the safety net reads which
        words stand together)."""
        norm = self.normalizer
        out: list[str] = []
        if self._offtopic_phrases:
            cleaned = f" {' '.join(norm.raw_words(question))} "
            out.extend(
                f"{_OFFTOPIC_MARK}{p}" for p in self._offtopic_phrases if f" {p} " in cleaned
            )
        for word in norm.words(question, correct=self.correct_word):
            if norm.is_stopword(word):
                continue
            stem = norm.stem(word)
            out.append(stem if stem in self._idf else self._rescue(word, stem))
        return out

    def raw(self, text: str) -> tuple[str, ...]:
        """The raw-word model's input for a text: its cleaned words, each once."""
        return tuple(unique(self.normalizer.raw_words(text))) if self.learned_raw else ()

    def match(self, question: str, *, by_sentence: bool = True) -> MatchResult:
        """Match one question: answered, ambiguous (with suggestions) or no_match.

        A message of several sentences is first matched whole. When that is not conclusive
        (no answer, and no out-of-scope topic either), each sentence is matched on its own:
        people tell a story and then ask ("... Tadi atasan minta kami datang. Boleh gak?").
        A sentence's answer is taken only when it is one of the two entries the whole text
        ranks highest, so the story still has to agree with it. ``by_sentence`` False: the
        whole only (a follow-up joined to the question before it, whose own sentence would
        answer the earlier question again).
        """
        tokens = self.tokens(question)
        about = self._subject_topic(question, tokens)
        if about is not None:
            return MatchResult("no_match", question, tokens, (), about)
        sentences = split_sentences(question)
        focus, raw = self.question_part(question, sentences)
        whole, ranked = self._match_tokens(question, tokens, focus, raw=raw)
        if whole.status == "answered" or whole.offtopic is not None:
            return whole
        if len(sentences) < 2 or self.weights.sentence_p >= 1.0 or not by_sentence:
            return whole  # one sentence, or the sentence rule is off
        agree = {c.entry.id for c in ranked[:2]}
        best: MatchResult | None = None
        for sentence in sentences:
            part, _ = self._match_tokens(
                question, self.tokens(sentence), sentence=True, raw=(self.raw(sentence), ())
            )
            if (
                part.entry is not None
                and part.entry.id in agree
                and (best is None or part.score > best.score)
            ):
                best = part
        return replace(best, tokens=tokens) if best else whole

    def question_part(
        self, question: str, sentences: Sequence[str]
    ) -> tuple[tuple[str, ...] | None, RawWords]:
        """The tokens of the question part of a message of several sentences (None: one
        sentence, or no tokens) and the raw words of the whole message and of that part.

        The question part is the last sentence that asks ("?"), else the last sentence;
        with the sentence before it when it is only a few words ("Boleh gak?").
        """
        whole = self.raw(question)
        if len(sentences) < 2:
            return None, (whole, ())
        asking = [i for i, x in enumerate(sentences) if "?" in x]
        last = asking[-1] if asking else len(sentences) - 1
        text = sentences[last]
        focus = self.tokens(text)
        if len(focus) < _SHORT_QUESTION and last > 0:
            text = f"{sentences[last - 1]} {text}"
            focus = self.tokens(text)
        if not focus:
            return None, (whole, ())
        return focus, (whole, self.raw(text))

    def score_text(self, question: str) -> tuple[tuple[str, ...], list[Candidate]]:
        """The question's tokens and every entry's candidate, best first, scored as
        ``match`` scores them (the question part of a story weighed in); no decision."""
        tokens = self.tokens(question)
        focus, raw = self.question_part(question, split_sentences(question))
        return tokens, self._candidates(self._scored(tokens, focus, raw))

    def rank_text(self, text: str) -> list[Candidate]:
        """``rank`` of a text's tokens, with the raw-word model's view of the text."""
        return self._candidates(self._score(self.tokens(text), self.raw(text)))

    def score_of(self, entry_id: str, question: str) -> float:
        """The combined score of one entry for a question (0 when it shares nothing)."""
        _, ranked = self.score_text(question)
        return next((c.score for c in ranked if c.entry.id == entry_id), 0.0)

    def _scored(
        self, tokens: tuple[str, ...], focus: tuple[str, ...] | None, raw: RawWords = ((), ())
    ) -> list[_Scored]:
        """``_score(tokens)``, blended with the scores of the question part when given;
        ``raw``: the raw words of the whole and of the question part (see ``raw``)."""
        whole = self._score(tokens, raw[0])
        alpha = self.weights.question_part
        if not focus or alpha <= 0 or focus == tokens:
            return whole
        part = {id(s.item): s for s in self._score(focus, raw[1])}
        out = []
        for s in whole:
            q = part.pop(id(s.item), None)
            score = (1 - alpha) * s.score + alpha * (q.score if q else 0.0)
            out.append(replace(s, score=score))
        out.extend(replace(q, score=alpha * q.score) for q in part.values())
        return out

    def _match_tokens(
        self,
        question: str,
        tokens: tuple[str, ...],
        focus: tuple[str, ...] | None = None,
        *,
        sentence: bool = False,
        raw: RawWords = ((), ()),
    ) -> tuple[MatchResult, list[Candidate]]:
        """The outcome for these tokens (and question part), with the ranked entries it
        was decided on; ``sentence``: one sentence of a longer message (``sentence_p``)."""
        scored = self._scored(tokens, focus, raw)
        ranked = self._candidates(scored)
        best_topic = max(
            (s for s in scored if s.item.topic is not None),
            key=lambda s: (s.score, s.item.topic.id if s.item.topic else ""),
            default=None,
        )
        w = self.weights
        inputs = self._decision_inputs(scored, ranked, best_topic, tokens)
        top, offtopic = inputs.top, inputs.offtopic
        status = decide_with(inputs, replace(w, answer_p=w.sentence_p) if sentence else w)
        if status == "no_match":
            # Name the out-of-scope topic when it is a real match, for a pointer elsewhere.
            topic = (
                best_topic.item.topic
                if best_topic and offtopic >= w.topic_floor and offtopic >= top + w.offtopic_lead
                else None
            )
            return MatchResult("no_match", question, tokens, (), topic), ranked
        if status == "answered" and (len(tokens) > 1 or self._names(ranked[0].entry, tokens[0])):
            return MatchResult("answered", question, tokens, (ranked[0],)), ranked
        close = [c for c in ranked[: w.max_suggestions] if top - c.score <= w.suggest_window]
        return MatchResult("ambiguous", question, tokens, tuple(close)), ranked

    def decision_inputs(
        self,
        tokens: tuple[str, ...],
        focus: tuple[str, ...] | None = None,
        raw: RawWords = ((), ()),
    ) -> DecisionInputs:
        """What the answer / suggest / decline decision is made on, for these tokens (and
        question part): scripts/tune.py fits the decision models on these."""
        scored = self._scored(tokens, focus, raw)
        best_topic = max(
            (s for s in scored if s.item.topic is not None),
            key=lambda s: (s.score, s.item.topic.id if s.item.topic else ""),
            default=None,
        )
        return self._decision_inputs(scored, self._candidates(scored), best_topic, tokens)

    def _decision_inputs(
        self,
        scored: list[_Scored],
        ranked: list[Candidate],
        best_topic: _Scored | None,
        tokens: tuple[str, ...],
    ) -> DecisionInputs:
        top = ranked[0] if ranked else None
        score = top.score if top else 0.0
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        offtopic = best_topic.score if best_topic else 0.0
        # The learned ranker's own view: its best class, and how far it leads the next.
        by_learned = sorted(scored, key=lambda s: -s.learned)
        first = by_learned[0] if by_learned else None
        learned_gap = (
            first.learned - (by_learned[1].learned if len(by_learned) > 1 else 0.0)
            if first
            else 0.0
        )
        # The hand-built signals' own view: their best entry without the learned signal.
        by_hand = max(
            (s for s in scored if s.item.entry is not None),
            key=lambda s: s.score - self.weights.learned * s.learned,
            default=None,
        )
        features = (
            score,
            score - runner_up,
            offtopic,
            score - offtopic,
            top.learned if top else 0.0,
            best_topic.learned if best_topic else 0.0,
            learned_gap,
            float(first is not None and top is not None and first.item.entry is top.entry),
            float(first is not None and first.item.topic is not None),
            top.phrase if top else 0.0,
            top.cover if top else 0.0,
            top.fuzzy if top else 0.0,
            math.log1p(len(tokens)),
            float(by_hand is not None and top is not None and by_hand.item.entry is top.entry),
            1.0,
        )
        return DecisionInputs(
            features,
            score,
            runner_up,
            offtopic,
            tuple((c.entry.id, c.score) for c in ranked[: self.weights.max_suggestions]),
        )

    def _subject_topic(self, question: str, tokens: tuple[str, ...]) -> OffTopic | None:
        """The topic whose subjects open the question ("mahasiswa boleh ikut kampanye?",
        "sy pedagang, ..."), unless the question also names an ASN ("pns", "guru", ...)."""
        if not self._subject_rules:
            return None
        words = self.normalizer.raw_words(question)
        start = 0
        while start < len(words) and words[start] in _LEADING:
            start += 1
        query = frozenset(tokens) - self._denied(words)
        for topic, subjects, unless in self._subject_rules:
            if query & unless:
                continue
            for subject in subjects:
                if subject and tuple(words[start : start + len(subject)]) == subject:
                    return topic
        return None

    def _denied(self, words: list[str]) -> set[str]:
        """The tokens of words that only ever come right after a denial ("bukan pns",
        "udah bukan asn", "non asn", "pensiunan bidan pns"): an ASN word denied does not
        name an ASN. Empty, without tokenising anything, when the question denies
        nothing."""
        if _DENIAL.isdisjoint(words):
            return set()
        # The words right after a denial (two: "bukan pegawai negeri", "pensiunan bidan
        # pns"), read together so that a phrase keeps its meaning.
        inside = {
            j
            for i, word in enumerate(words)
            if word in _DENIAL
            for j in range(i + 1, min(i + 1 + _DENIED_WORDS, len(words)))
            if words[j] not in _DENIAL
        }
        runs: list[list[str]] = []
        for i in sorted(inside):
            if runs and i - 1 in inside:
                runs[-1].append(words[i])
            else:
                runs.append([words[i]])
        denied = {t for run in runs for t in self.normalizer.tokens(" ".join(run))}
        affirmed = {
            t
            for i, word in enumerate(words)
            if i not in inside and word not in _DENIAL
            for t in self.normalizer.tokens(word)
        }
        return denied - affirmed

    def rank_with_topic(self, tokens: tuple[str, ...]) -> tuple[list[Candidate], OffTopic | None]:
        """``rank(tokens)`` and the out-of-scope topic that declines them (if any), from one
        scoring pass."""
        result, ranked = self._match_tokens("", tokens)
        return ranked, result.offtopic

    def unknown(self, tokens: tuple[str, ...]) -> list[str]:
        """The tokens that no entry, topic or lexicon list knows."""
        return [t for t in tokens if t not in self._idf]

    def offtopic_words(self, tokens: tuple[str, ...]) -> list[str]:
        """The tokens from the lexicon's off-topic list ("gaji", "thr", phrases)."""
        return [t for t in tokens if t in self._offtopic or t.startswith(_OFFTOPIC_MARK)]

    def _names(self, entry: Entry, token: str) -> bool:
        """True when a phrasing or keyword of the entry is this one word ("twibbon").

        A one-word question is answered only then: "info" happens to occur in one entry's
        keywords ("info whatsapp"), but alone it does not say what the user wants to know,
        so it gets suggestions instead of a confident answer.
        """
        return frozenset((token,)) in self._single[entry.id]

    def search(self, question: str, limit: int = 10) -> list[Candidate]:
        """The best entries for a keyword search (inline mode): no thresholds but a floor."""
        ranked = self.rank_text(question)
        # Only entries that share a word with the query: a keyword search, not a guess.
        return [c for c in ranked if c.cover > 0 and c.score >= self.weights.min_score / 2][:limit]

    def _rescue(self, word: str, stem: str) -> str:
        """Informal morphology the stemmer does not know: "-in" for "-kan", and affixes
        around a word it has no dictionary entry for ("bermedsos", "dikumpulin")."""
        if word.endswith("in") and len(word) >= 6:
            informal = self.normalizer.stem(word[:-2] + "kan")
            if informal in self._idf:
                return informal
        # Spoken Indonesian drops "me-" but keeps its nasal: "nyusun" (susun), "nolak"
        # (tolak), "milih" (pilih), "ngumpul" (kumpul).
        for nasal, initial in _NASALS:
            if word.startswith(nasal) and len(word) - len(nasal) >= 3:
                base = initial + word[len(nasal) :]
                for candidate in (base, self.normalizer.stem(base), base.removesuffix("in")):
                    if candidate in self._idf:
                        return candidate
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4:
                rest = word[len(prefix) :]
                for suffix in _SUFFIXES:
                    core = rest[: len(rest) - len(suffix)] if suffix else rest
                    if rest.endswith(suffix) and len(core) >= 3:
                        for candidate in (core, self.normalizer.stem(core)):
                            if candidate in self._idf:
                                return candidate
        return stem

    def correct_word(self, word: str) -> str:
        """The closest known word within the allowed edits, or the word itself."""
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        corrected = self._closest(word)
        if len(self._corrections) < 100_000:
            self._corrections[word] = corrected
        return corrected

    def _closest(self, word: str) -> str:
        w = self.weights
        if (
            word in self._known_words
            or self.normalizer.is_place_word(word)
            or len(word) < w.typo_min_len
            or not word.isalpha()
            or self.normalizer.stem(word) in self._idf
            or self.normalizer.is_real_word(word)
            or self._rescue(word, "") != ""
        ):
            return word
        max_edits = 2 if len(word) >= w.typo_two_edits_len else 1
        found = process.extract(
            word, self._typo_targets, scorer=OSA.distance, score_cutoff=max_edits, limit=10
        )
        best: tuple[int, int, str] | None = None
        for candidate, distance, _ in found:
            # Same first letter, and never a shorter word than the shortest we correct
            # ("ndan" is not "nda").
            if candidate[0] != word[0] or len(candidate) < w.typo_min_len:
                continue
            # closest first; among equals, the word whose stem is most common in the entries
            key = (int(distance), -self._df.get(self.normalizer.stem(candidate), 0), candidate)
            if best is None or key < best:
                best = key
        return best[2] if best else word

    def _weight(self, token: str) -> float:
        if token not in self._entry_vocabulary and (
            token in self._offtopic or token.startswith(_OFFTOPIC_MARK)
        ):
            return self._offtopic_idf
        idf = self._idf.get(token)
        if idf is not None:
            return idf
        if self.normalizer.is_real_word(token):
            return self._unknown_word_idf
        return self._unknown_idf

    def rank(self, tokens: tuple[str, ...]) -> list[Candidate]:
        """All entries with a positive score for these (normalised) tokens, best first."""
        return self._candidates(self._score(tokens))

    def signals(
        self, tokens: tuple[str, ...]
    ) -> list[tuple[str, bool, float, float, float, float]]:
        """(id, is out-of-scope topic, phrase, cover, fuzzy, learned) of every scored
        document: the raw material scripts/tune.py blends under other weights."""
        return [
            (
                s.item.entry.id if s.item.entry else s.item.topic.id if s.item.topic else "",
                s.item.topic is not None,
                s.phrase,
                s.cover,
                s.fuzzy,
                s.learned,
            )
            for s in self._score(tokens)
        ]

    def _candidates(self, scored: list[_Scored]) -> list[Candidate]:
        out = [
            Candidate(s.item.entry, s.score, s.phrase, s.cover, s.fuzzy, s.best_text, s.learned)
            for s in scored
            if s.item.entry is not None
        ]
        # Ties are broken by id so that results never depend on dict or file order.
        out.sort(key=lambda c: (-c.score, c.entry.id))
        return out

    def _score(self, tokens: tuple[str, ...], raw: Sequence[str] = ()) -> list[_Scored]:
        """Every entry and out-of-scope topic that shares a word with the question (or that
        the learned ranker gives a positive signal); ``raw``: its raw words, for the
        raw-word model (without them the token model speaks alone)."""
        if not tokens:
            return []
        w = self.weights
        weight = {t: self._weight(t) for t in tokens}
        query_weight = sum(weight.values())
        query_set = frozenset(tokens)
        query_text = " ".join(sorted(tokens))
        # Fuzzy similarity (token sort ratio) to every phrasing in one call (rapidfuzz's C
        # loop, straight into an array).
        fuzzy = process.cdist(
            [query_text], self._phrasing_sorted, scorer=fuzz.ratio, dtype=np.float64
        )[0]
        # Matched weight per phrasing, through the inverted index: one bincount over the
        # postings of the question's words.
        postings = [(self._postings_array[t], weight[t]) for t in query_set if t in self._postings]
        n = len(self._phrasing_sorted)
        matched = np.zeros(n)
        if postings:
            index = np.concatenate([p for p, _ in postings])
            values = np.concatenate([np.full(len(p), v) for p, v in postings])
            matched += np.bincount(index, weights=values, minlength=n)
        overlap = matched / (
            w.query_side * query_weight + (1 - w.query_side) * self._phrasing_weight_array
        )
        learned = self._learned_signals(tokens, raw)
        out: list[_Scored] = []
        for i, item in enumerate(self._entries):
            known = query_set & item.vocabulary
            signal = learned.get(i, 0.0)
            if (not known and signal <= 0.0) or query_set & item.unless:
                continue
            cover = sum(weight[t] for t in known) / query_weight
            first, last = item.phrasings[0].index, item.phrasings[-1].index + 1
            # The best overlap of the entry's phrasings (the first one wins ties).
            best_index = first + int(np.argmax(overlap[first:last]))
            best_phrase = float(overlap[best_index])
            best_text = self._phrasing_original[best_index]
            best_fuzzy = float(fuzzy[first:last].max()) / 100
            score = (
                w.phrase * best_phrase + w.cover * cover + w.fuzzy * best_fuzzy + w.learned * signal
            )
            out.append(_Scored(item, score, best_phrase, cover, best_fuzzy, best_text, signal))
        return out

    def learned_margins(self, tokens: Sequence[str], raw: Sequence[str]) -> dict[str, float]:
        """The learned ranker's margin per class (entry ids, ``~``topic ids): the token
        model's, blended with the raw-word model's (``Weights.raw_share``) when there are
        raw words; empty when the ranker is off."""
        if self.learned is None:
            return {}
        margins = self.learned.scores(tokens)
        if raw and self.learned_raw is not None:
            share = self.weights.raw_share
            other = self.learned_raw.scores(raw)
            margins = {k: (1 - share) * v + share * other.get(k, v) for k, v in margins.items()}
        return margins

    def _learned_signals(self, tokens: Sequence[str], raw: Sequence[str]) -> dict[int, float]:
        """The learned ranker's signal per document index (entries and topics), from
        ``learned_margins``; none for a text without tokens."""
        if not tokens:
            return {}
        out: dict[int, float] = {}
        for label, margin in self.learned_margins(tokens, raw).items():
            index = self._topic_index.get(label)
            if index is None:
                index = self._entry_index.get(label)
            if index is not None:
                out[index] = learned_signal(margin)
        return out


_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def learned_models(
    kb: KnowledgeBase, normalizer: Normalizer, raw: bool = True
) -> tuple[LearnedModel | None, LearnedModel | None]:
    """The learned ranker's two models for this knowledge base: on the tokens, and (when
    ``raw``) on the raw words. Each is found by its texts' hash, and trained (the token
    model's words stemmed as knowledge-base words, kept on disk by bot/stemcache.py) only
    when no stored model fits; two that must be trained train side by side when a trainer
    runs them elsewhere (``learned.build_both``)."""
    texts = training_texts(kb)

    def on_tokens() -> LearnedModel | None:
        with knowledge_words():
            min_df = TOKEN_MIN_DF if len(texts) >= TOKEN_MIN_DF_FROM else 1
            return model_for_texts(texts, normalizer.tokens, normalizer.fingerprint, min_df)

    def on_words() -> LearnedModel | None:
        salt = f"raw-words/{NORMALIZE_VERSION}"
        return model_for_texts(texts, normalizer.raw_words, salt, RAW_MIN_DF)

    if not raw:
        return on_tokens(), None
    tokens, words = build_both(on_tokens, on_words)
    return tokens, words if tokens is not None else None


def split_sentences(text: str) -> list[str]:
    """The sentences of a message: split after '.', '!', '?' or a line break."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part.strip()]


def learned_signal(margin: float) -> float:
    """An SVM margin as a signal in [0, 1]: -1 (clearly not this class) and below give 0,
    +1 (clearly this class) and above give 1."""
    return min(1.0, max(0.0, 0.5 + margin / 2))


# The features of the decision models, in order (see Matcher._decision_inputs).
DECISION_FEATURES: Final = (
    "top score",
    "lead over the runner-up",
    "best out-of-scope topic's score",
    "top score minus the topic's",
    "learned signal of the top entry",
    "learned signal of the best topic",
    "learned ranker's lead over its second class",
    "learned ranker's best class is the top entry",
    "learned ranker's best class is a topic",
    "phrase of the top entry",
    "cover of the top entry",
    "fuzzy of the top entry",
    "log(1 + tokens)",
    "the hand-built signals' best entry is the top entry",
    "bias",
)


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """What one text's decision is made on."""

    features: tuple[float, ...]  # DECISION_FEATURES
    top: float
    runner_up: float
    offtopic: float
    ranked: tuple[tuple[str, float], ...]  # the best entries (id, score), at most three


_PHRASE: Final = DECISION_FEATURES.index("phrase of the top entry")
_COVER: Final = DECISION_FEATURES.index("cover of the top entry")


def probability(model: Sequence[float], features: Sequence[float]) -> float:
    """A logistic model's probability for these features."""
    z = sum(c * x for c, x in zip(model, features, strict=True))
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


def decide_with(inputs: DecisionInputs, w: Weights) -> Status:
    """The outcome: the hard floors of ``decide``, then the decision models.

    Without models (``w.answer_model`` empty) this is ``decide``. With them: no_match below
    ``min_score`` (no signal) or when an out-of-scope topic scores at least ``topic_floor``
    and within ``offtopic_lead`` of the top entry (a declining topic); answered when the
    top entry passes ``answer_score`` and ``margin`` and the answer model is sure enough
    it is right (``answer_p``); ambiguous when the scope model finds it likely enough that
    the right entry is among the suggestions (``suggest_p``); otherwise no_match.
    """
    if not inputs.features:
        return "no_match"
    if not w.answer_model or not w.scope_model:
        return decide(inputs.top, inputs.runner_up, inputs.offtopic, w)
    if inputs.top < w.min_score or (
        inputs.offtopic >= w.topic_floor and inputs.offtopic >= inputs.top + w.offtopic_lead
    ):
        return "no_match"
    if inputs.features[_PHRASE] == 0.0 and inputs.features[_COVER] == 0.0:
        # Not one word of the question in the top entry's phrasings or keywords: only the
        # learned ranker's guess speaks for it (in a small knowledge base, for any
        # question). No signal: the plain reply. No in-scope question of the tuning sets
        # comes here (cross-fitted), 19 of their out-of-scope ones do.
        return "no_match"
    if (
        inputs.top >= w.answer_score
        and inputs.top - inputs.runner_up >= w.margin
        and probability(w.answer_model, inputs.features) >= w.answer_p
    ):
        return "answered"
    if probability(w.scope_model, inputs.features) >= w.suggest_p:
        return "ambiguous"
    return "no_match"


def decide(top: float, runner_up: float, offtopic: float, w: Weights) -> Status:
    """The outcome from the top entry's score, the runner-up's and the best out-of-scope
    topic's (0.0 when there is none); shared by ``Matcher.match`` and scripts/tune.py."""
    if top < w.min_score or offtopic >= top + w.offtopic_lead:
        return "no_match"
    if top >= w.answer_score and top - runner_up >= w.margin:
        return "answered"
    return "ambiguous"


# Words that may come before the subject of a question: "saya mahasiswa", "kalau pedagang".
_LEADING: Final = frozenset(
    [
        "sy",
        "saya",
        "aku",
        "gw",
        "gue",
        "ku",
        "kalau",
        "kalo",
        "klo",
        "kl",
        "apakah",
        "apa",
        "bagaimana",
        "gimana",
        "gmn",
        "misal",
        "jika",
        "bila",
        "min",
        "kak",
        "pak",
        "bu",
        "mas",
        "mbak",
        "bang",
        "halo",
        "hai",
        "permisi",
        "maaf",
        "mau",
        "tanya",
        "nanya",
        # Javanese, Sundanese and Betawi: "kulo mahasiswa, ...", "abdi pedagang, ..."
        "kulo",
        "kula",
        "abdi",
        "urang",
        "inyong",
        "aye",
        "gua",
        "ane",
        "nek",
        "menawi",
        "upami",
        "lamun",
        "punten",
        "nuwun",
        "sewu",
        # other regions' first persons: "sa petani, ...", "ambo pedagang, ..."
        "sa",
        "beta",
        "ambo",
        "awak",
        "ulun",
        "aing",
        "denai",
        "ini",
        # greetings and openings before the subject: "Selamat malam pak. Saya ibu rumah
        # tangga, ..."
        "selamat",
        "pagi",
        "siang",
        "sore",
        "malam",
        "assalamualaikum",
        "ass",
        "salam",
        "izin",
        "ijin",
        "mohon",
        "konsultasi",
        "bertanya",
        "numpang",
        "admin",
        "dear",
        "hi",
        "hello",
    ]
)

# Words that deny the word after them: "saya kepala desa (bukan PNS)".
_DENIAL: Final = frozenset(
    {"bukan", "bkn", "non", "tidak", "tdk", "nggak", "gak", "ga", "kagak"}
    # no longer: "pensiunan pns", "mantan asn" do not name an ASN either
    | {"pensiunan", "purnabakti", "purnatugas", "mantan", "eks", "retired"}
)

# The raw-word model leaves out features seen in only one training text (typos, names):
# half the features (51k of 115k) and the same ranking on the real-style tuning sets.
RAW_MIN_DF: Final = 2
# So does the token model since session 7 (22,451 examples): 171k features became 72k, for
# the bot's memory while it receives newly trained models (304 -> 257 MB), at 0.001 of the
# tuning objective (0.964 -> 0.963, top-1 95.3 -> 95.2% cross-fitted). Only from
# TOKEN_MIN_DF_FROM training texts: in a small knowledge base most features are seen once,
# and leaving them out would leave the model next to nothing.
TOKEN_MIN_DF: Final = 2
TOKEN_MIN_DF_FROM: Final = 5_000

# How many words after a denial word it denies.
_DENIED_WORDS: Final = 2

# A question sentence with fewer tokens than this is read with the sentence before it.
_SHORT_QUESTION: Final = 3

# Prefix of the marker token for an off-topic phrase (cannot come out of normalisation).
_OFFTOPIC_MARK: Final = "~"

# Affixes tried around words the stemmer cannot resolve (informal or new words).
_PREFIXES: Final = ("ber", "ter", "di", "me", "mem", "men", "meng", "nge", "ke", "se", "ng")
_SUFFIXES: Final = ("", "nya", "kan", "an", "in", "i")
_NASALS: Final = (("ny", "s"), ("ng", "k"), ("n", "t"), ("m", "p"))


def _bm25_idf(n_docs: int, df: float) -> float:
    """BM25's inverse document frequency (always positive)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
