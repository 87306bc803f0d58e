"""Choose the matcher's weights and thresholds by grid search on the tuning sets.

Usage: python scripts/tune.py ../shared/eval/dev.yaml tests/data/tuning.yaml \
           tests/data/tuning2.yaml --check tests/data/questions.yaml

Tunes on the given files only; ``--check`` prints the chosen configuration's figures on a
held-out file (never used for choosing). The objective: the most correct answers, subject
to at most 2% wrong answers and at least 92% of out-of-scope questions rejected on the
tuning files (the targets are 3% and 90%: the margin is for unseen questions). Among equals,
the configuration with fewer wrong answers and more rejections wins.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from bot.core.evaluate import Case
from bot.core.matcher import DEFAULT_WEIGHTS, Matcher, Weights
from bot.evalset import load_cases
from bot.knowledge import require_knowledge

MAX_WRONG = 0.02
MIN_REJECTION = 0.92

Signals = list[tuple[str, float, float, float]]  # (entry id, phrase, cover, fuzzy)


def collect(matcher: Matcher, cases: list[Case]) -> list[Signals]:
    return [
        [(c.entry.id, c.phrase, c.cover, c.fuzzy) for c in matcher.rank(matcher.tokens(q.question))]
        for q in cases
    ]


def score(cases: list[Case], signals: list[Signals], w: Weights) -> tuple[int, int, int, int, int]:
    """(correct, wrong, rejected, out-of-scope total, in-scope total)."""
    correct = wrong = rejected = oos = ins = 0
    for case, sig in zip(cases, signals, strict=True):
        ranked = sorted(
            ((w.phrase * p + w.cover * c + w.fuzzy * f, eid, p) for eid, p, c, f in sig),
            key=lambda x: (-x[0], x[1]),
        )
        top = ranked[0] if ranked else (0.0, "", 0.0)
        second = ranked[1][0] if len(ranked) > 1 else 0.0
        lead = top[0] - second
        rejected_here = top[0] < w.min_score
        answered = not rejected_here and top[0] >= w.answer_score and lead >= w.margin
        no_match = rejected_here
        if case.expect:
            ins += 1
            if answered:
                if top[1] in case.expect:
                    correct += 1
                else:
                    wrong += 1
        else:
            oos += 1
            if no_match:
                rejected += 1
            elif answered:
                wrong += 1
    return correct, wrong, rejected, oos, ins


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--check", type=Path, action="append", default=[])
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    args = parser.parse_args()
    kb = require_knowledge(args.knowledge)
    cases = [c for f in args.files for c in load_cases(f)]
    checks = {f: load_cases(f) for f in args.check}
    results = []
    for query_side, unknown_df, unknown_word_df in itertools.product(
        (0.6,), (1.0, 2.0), (1.0, 3.0)
    ):
        base = replace(
            DEFAULT_WEIGHTS,
            query_side=query_side,
            unknown_df=unknown_df,
            unknown_word_df=unknown_word_df,
        )
        matcher = Matcher(kb, weights=base)
        signals = collect(matcher, cases)
        for phrase, cover in itertools.product((0.4, 0.5, 0.6), (0.2, 0.3, 0.4)):
            fuzzy = round(1 - phrase - cover, 2)
            if fuzzy < 0:
                continue
            for min_score, answer_delta, margin in itertools.product(
                (0.40, 0.45, 0.50, 0.55, 0.60), (0.0, 0.05, 0.10), (0.02, 0.04, 0.06, 0.08)
            ):
                w = replace(
                    base,
                    phrase=phrase,
                    cover=cover,
                    fuzzy=fuzzy,
                    min_score=min_score,
                    answer_score=min_score + answer_delta,
                    margin=margin,
                )
                correct, wrong, rejected, oos, ins = score(cases, signals, w)
                n = ins + oos
                if wrong / n <= MAX_WRONG and rejected / max(oos, 1) >= MIN_REJECTION:
                    results.append((correct / ins, -wrong, rejected / max(oos, 1), w))
    results.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    for top1, neg_wrong, rej, w in results[:10]:
        print(
            f"top1={top1:.3f} wrong={-neg_wrong} rejected={rej:.3f} "
            f"phrase={w.phrase} cover={w.cover} fuzzy={w.fuzzy} query_side={w.query_side} "
            f"unknown_df={w.unknown_df} unknown_word_df={w.unknown_word_df} "
            f"min={w.min_score} answer={w.answer_score:.2f} "
            f"margin={w.margin}"
        )
    if results and checks:
        best = results[0][3]
        matcher = Matcher(kb, weights=best)
        for f, held in checks.items():
            correct, wrong, rejected, oos, ins = score(held, collect(matcher, held), best)
            print(
                f"check {f}: top1={correct / ins:.3f} wrong={wrong / (ins + oos):.3f} "
                f"rejected={rejected / max(oos, 1):.3f}"
            )


if __name__ == "__main__":
    main()
