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
from bot.core.matcher import DEFAULT_WEIGHTS, Matcher, Weights, decide
from bot.evalset import load_cases
from bot.knowledge import require_knowledge

MAX_WRONG = 0.02
MIN_REJECTION = 0.92

Signals = list[tuple[str, bool, float, float, float]]  # see Matcher.signals


def collect(matcher: Matcher, cases: list[Case]) -> list[Signals]:
    return [matcher.signals(matcher.tokens(q.question)) for q in cases]


def score(cases: list[Case], signals: list[Signals], w: Weights) -> tuple[int, int, int, int, int]:
    """(correct, wrong, rejected, out-of-scope total, in-scope total), decided as
    ``Matcher.match`` decides (``decide``)."""
    correct = wrong = rejected = oos = ins = 0
    for case, sig in zip(cases, signals, strict=True):
        entries = sorted(
            (
                (w.phrase * p + w.cover * c + w.fuzzy * f, eid)
                for eid, topic, p, c, f in sig
                if not topic
            ),
            key=lambda x: (-x[0], x[1]),
        )
        offtopic = max(
            (w.phrase * p + w.cover * c + w.fuzzy * f for _, topic, p, c, f in sig if topic),
            default=0.0,
        )
        top, top_id = entries[0] if entries else (0.0, "")
        second = entries[1][0] if len(entries) > 1 else 0.0
        status = decide(top, second, offtopic, w)
        if case.expect:
            ins += 1
            if status == "answered":
                if top_id in case.expect:
                    correct += 1
                else:
                    wrong += 1
        else:
            oos += 1
            if status == "no_match":
                rejected += 1
            elif status == "answered":
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
            for min_score, answer_delta, margin, lead in itertools.product(
                (0.40, 0.45, 0.50, 0.55, 0.60),
                (0.0, 0.05, 0.10),
                (0.02, 0.04, 0.06, 0.08),
                (-0.10, -0.05, 0.0, 0.05, 1.0),
            ):
                w = replace(
                    base,
                    phrase=phrase,
                    cover=cover,
                    fuzzy=fuzzy,
                    min_score=min_score,
                    answer_score=min_score + answer_delta,
                    margin=margin,
                    offtopic_lead=lead,
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
            f"margin={w.margin} offtopic_lead={w.offtopic_lead}"
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
