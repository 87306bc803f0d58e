"""Benchmark: the matcher beside naive baselines, on every question set, in one run.

For each set: top-1 (the first answer is an expected entry, over in-scope questions),
wrong (answered with a wrong entry, or an out-of-scope question answered, over all
questions), right answer or right suggestion (in scope), recall@3 and out-of-scope
declined. The baselines:

* ``rapidfuzz``: ``process.extractOne`` (WRatio) of the cleaned question over every
  phrasing; answers that phrasing's entry when the similarity reaches 80, else declines.
* ``bm25``: plain BM25 (k1=1.5, b=0.75) over the phrasings' tokens (the matcher's
  normalisation); always answers the best phrasing's entry.
* ``learned``: the learned ranker alone (bot/core/learned.py): answers its best class, or
  declines when that is an out-of-scope topic.
* ``matcher``: what users get (``Engine.ask``).

Run: ``.venv/bin/python benchmarks/bench_baselines.py [EXTRA.yaml ...]`` or
``pytest -m benchmark -s benchmarks/bench_baselines.py``. Prints figures, asserts nothing
about them.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.core.engine import Engine
from bot.core.evaluate import Case
from bot.core.learned import TOPIC_PREFIX
from bot.core.matcher import Matcher
from bot.core.normalize import basic_clean
from bot.knowledge import require_knowledge
from bot.knowledge.evalset import load_cases

ROOT = Path(__file__).resolve().parent.parent
# Sets no model was trained on: the tuning sets are training examples of the learned
# ranker since session 6 (tests/data/README.md), so their figures would measure memory.
SETS = [
    ROOT.parent / "shared" / "eval" / "dev.yaml",
    ROOT / "tests" / "data" / "questions.yaml",
    ROOT / "tests" / "data" / "questions2.yaml",
    # the blind real-style held-out sets
    ROOT / "tests" / "data" / "real_heldout.yaml",
    ROOT / "tests" / "data" / "real_heldout2.yaml",
]

# (status, ids best first): status "answered", "ambiguous" (ids offered) or "no_match".
Outcome = tuple[str, list[str]]


@dataclass
class Figures:
    ins: int = 0
    oos: int = 0
    correct: int = 0
    wrong: int = 0
    suggested: int = 0
    recall3: int = 0
    declined: int = 0

    def add(self, case: Case, outcome: Outcome, ranked: list[str]) -> None:
        status, ids = outcome
        if case.expect:
            self.ins += 1
            self.recall3 += bool(case.expect & set(ranked[:3]))
            if status == "answered":
                if ids[0] in case.expect:
                    self.correct += 1
                else:
                    self.wrong += 1
            elif status == "ambiguous" and case.expect & set(ids):
                self.suggested += 1
        else:
            self.oos += 1
            if status == "no_match":
                self.declined += 1
            elif status == "answered":
                self.wrong += 1

    def row(self, name: str) -> str:
        ins, n = max(self.ins, 1), max(self.ins + self.oos, 1)
        return (
            f"  {name:10} top-1 {self.correct / ins:6.1%}  wrong {self.wrong / n:5.1%}  "
            f"right/suggested {(self.correct + self.suggested) / ins:6.1%}  "
            f"recall@3 {self.recall3 / ins:6.1%}  declined {self.declined / max(self.oos, 1):6.1%}"
        )


class Baselines:
    """The naive rankers over the same knowledge base."""

    def __init__(self, engine: Engine) -> None:
        self.matcher: Matcher = engine.matcher
        kb = engine.kb
        self.owner: list[str] = []
        self.texts: list[str] = []
        docs: list[list[str]] = []
        norm = self.matcher.normalizer
        for e in kb.entries:
            for q in e.questions:
                self.owner.append(e.id)
                self.texts.append(basic_clean(q))
                docs.append(norm.tokens(q))
        self.docs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avg = sum(self.lengths) / len(self.lengths)
        df: Counter[str] = Counter(t for d in self.docs for t in d)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            for t in d:
                self.postings.setdefault(t, []).append(i)

    def _by_entry(self, scored: list[tuple[float, int]]) -> list[str]:
        out: list[str] = []
        for _, i in sorted(scored, key=lambda x: (-x[0], x[1])):
            if self.owner[i] not in out:
                out.append(self.owner[i])
        return out

    def rapidfuzz(self, q: str) -> tuple[Outcome, list[str]]:
        text = basic_clean(q)
        best = process.extractOne(text, self.texts, scorer=fuzz.WRatio)
        top = process.extract(text, self.texts, scorer=fuzz.WRatio, limit=30)
        ranked = self._by_entry([(s, i) for _, s, i in top])
        if best is None or best[1] < 80:
            return ("no_match", []), ranked
        return ("answered", [self.owner[best[2]]]), ranked

    def bm25(self, q: str, k1: float = 1.5, b: float = 0.75) -> tuple[Outcome, list[str]]:
        scores: dict[int, float] = {}
        for t in set(self.matcher.normalizer.tokens(q)):
            for i in self.postings.get(t, ()):
                tf = self.docs[i][t]
                norm = tf + k1 * (1 - b + b * self.lengths[i] / self.avg)
                scores[i] = scores.get(i, 0.0) + self.idf[t] * tf * (k1 + 1) / norm
        ranked = self._by_entry([(s, i) for i, s in scores.items()])
        return (("answered", ranked[:1]) if ranked else ("no_match", [])), ranked

    def learned(self, q: str) -> tuple[Outcome, list[str]]:
        assert self.matcher.learned is not None
        # the two models, blended as the matcher blends them
        scores = self.matcher.learned_margins(self.matcher.tokens(q), self.matcher.raw(q))
        order = sorted(scores, key=lambda c: (-scores[c], c))
        ranked = [c for c in order if not c.startswith(TOPIC_PREFIX)]
        if order[0].startswith(TOPIC_PREFIX):
            return ("no_match", []), ranked
        return ("answered", order[:1]), ranked


def run(paths: list[Path]) -> None:
    engine = Engine(require_knowledge(ROOT / "knowledge"))
    base = Baselines(engine)

    def matcher(q: str) -> tuple[Outcome, list[str]]:
        result = engine.ask(q).result
        _, ranked = engine.matcher.score_text(q)
        return (result.status, [c.entry.id for c in result.candidates]), [
            c.entry.id for c in ranked
        ]

    systems: list[tuple[str, Callable[[str], tuple[Outcome, list[str]]]]] = [
        ("rapidfuzz", base.rapidfuzz),
        ("bm25", base.bm25),
        ("learned", base.learned),
        ("matcher", matcher),
    ]
    for path in paths:
        if not path.exists():
            print(f"{path}: missing, skipped")
            continue
        cases = load_cases(path)
        ins = sum(1 for c in cases if c.expect)
        print(f"{path.name} ({len(cases)} questions, {ins} in scope, {len(cases) - ins} out)")
        for name, system in systems:
            figures = Figures()
            for case in cases:
                outcome, ranked = system(case.question)
                figures.add(case, outcome, ranked)
            print(figures.row(name))


@pytest.mark.benchmark
def test_bench_baselines() -> None:
    run(SETS)


if __name__ == "__main__":
    run(SETS + [Path(a) for a in sys.argv[1:]])
