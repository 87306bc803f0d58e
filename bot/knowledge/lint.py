"""Linting the phrasings against the normaliser: the same phrasing under two entries (an
error: the matcher could not tell them apart), a repeat within one entry, and near
duplicates across entries (warnings; the slowest check, so ``require_knowledge`` skips it).

Apart from loading because it needs the normaliser and rapidfuzz, which reading and
checking the YAML does not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz

from bot.core.normalize import Normalizer
from bot.knowledge.problems import Problem

# Two phrasings of different entries whose normalised forms are this similar (rapidfuzz
# token_sort_ratio, 0-100) are reported as near-duplicates: the matcher cannot tell them apart.
NEAR_DUPLICATE: Final = 92.0


@dataclass(frozen=True, slots=True)
class Phrasings:
    """The phrasings of one entry or out-of-scope topic, with where they are written."""

    file: str
    line: int
    owner: str  # the entry or topic id
    questions: tuple[str, ...]


def lint_phrasings(
    items: list[Phrasings], norm: Normalizer, *, near_duplicates: bool = True
) -> list[Problem]:
    """Every problem of the phrasings, in file order."""
    problems: list[Problem] = []
    owner: dict[str, tuple[str, str]] = {}  # normalised key -> (entry id, original)
    keyed: list[tuple[str, str, str, Phrasings]] = []
    for item in items:
        eid, line = item.owner, item.line
        for q in item.questions:
            key = norm.key(q)
            if not key:
                problems.append(
                    Problem(
                        "error", item.file, line, eid, f"phrasing '{q}' has no meaningful words"
                    )
                )
                continue
            if key in owner:
                other, original = owner[key]
                if other != eid:
                    message = (
                        f"phrasing '{q}' is the same as '{original}' of '{other}' "
                        "after normalisation"
                    )
                    problems.append(Problem("error", item.file, line, eid, message))
                else:
                    message = f"phrasing '{q}' repeats '{original}' after normalisation"
                    problems.append(Problem("warning", item.file, line, eid, message))
                continue
            owner[key] = (eid, q)
            keyed.append((key, eid, q, item))
    if not near_duplicates:
        return problems
    for i, j in near_duplicate_pairs([key for key, _, _, _ in keyed]):
        _, eid, q, item = keyed[i]
        _, eid2, q2, _ = keyed[j]
        if eid2 != eid:
            message = f"phrasing '{q}' is nearly the same as '{q2}' of '{eid2}'"
            problems.append(Problem("warning", item.file, item.line, eid, message))
    return problems


def near_duplicate_pairs(keys: list[str]) -> list[tuple[int, int]]:
    """Pairs (i < j) of normalised phrasings at least ``NEAR_DUPLICATE`` similar.

    Not every pair is compared (that is quadratic: 8,000 more phrasings took 37 s). Two
    keys that similar share most of their words, so candidates are found with a prefix
    filter: each key's words ordered rarest first, and only keys sharing one of the first
    half of those words are compared. The rare words lead, so the common ones ("pns",
    "boleh") select few pairs.
    """
    tokens = [sorted(set(k.split())) for k in keys]
    frequency: Counter[str] = Counter(t for ts in tokens for t in ts)
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[int, int]] = []
    for j, words in enumerate(tokens):
        ordered = sorted(words, key=lambda t: (frequency[t], t))
        prefix = ordered[: len(ordered) // 2 + 1]
        seen: set[int] = set()
        for word in prefix:
            for i in index[word]:
                if i in seen:
                    continue
                seen.add(i)
                if fuzz.token_sort_ratio(keys[i], keys[j], score_cutoff=NEAR_DUPLICATE):
                    pairs.append((i, j))
            index[word].append(j)
    pairs.sort()
    return pairs
