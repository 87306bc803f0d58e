"""``netral logs suggest``: YAML snippets for the knowledge base from unanswered clusters.

For each cluster either new phrasings for its nearest entry (when that entry scores at
least ``min_score``) or the skeleton of a new entry. The output is a stream of YAML
documents, one per cluster, each valid on its own and ready to paste; every value is a
double-quoted scalar with the characters YAML treats specially escaped. Nothing is ever
written into ``knowledge/``: the admin pastes, completes and runs ``netral validate``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from bot.core.models import KnowledgeBase
from bot.knowledge import OFFTOPIC_FILE
from bot.review.clusters import Cluster, ClusterReport

DEFAULT_MIN_SCORE: Final = 0.5
MAX_SLUG_WORDS: Final = 5
# Indentation of the knowledge base files: entries under "entries:", phrasings under
# "questions:" (see knowledge/README.md).
ENTRY_INDENT: Final = "  "
PHRASING_INDENT: Final = "      "


def yaml_quote(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back exactly as ``text``."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029\ufeff":
            out.append(f"\\u{code:04x}")  # control characters and YAML line breaks
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def slug(words: tuple[str, ...] | list[str], taken: set[str]) -> str:
    """A lower-case id from the first words (ASCII, hyphens), not in ``taken``."""
    parts: list[str] = []
    for word in words:
        ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
        cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_word.lower()).strip("-")
        if cleaned:
            parts.append(cleaned)
        if len(parts) == MAX_SLUG_WORDS:
            break
    base = "-".join(parts) or "entri-baru"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _comment(text: str) -> str:
    """A YAML comment line; line breaks in logged text cannot end the comment."""
    return "# " + " ".join(text.split())


def _heading(index: int, cluster: Cluster) -> list[str]:
    parts = []
    if cluster.no_match:
        parts.append(f"no_match {cluster.no_match}")
    if cluster.ambiguous:
        parts.append(f"ambiguous {cluster.ambiguous}")
    return [
        "---",
        _comment(
            f"[{index}] {cluster.size} question(s) ({', '.join(parts)}), "
            f"{cluster.first:%Y-%m-%d} .. {cluster.last:%Y-%m-%d}"
        ),
    ]


def suggest_yaml(
    report: ClusterReport, kb: KnowledgeBase, *, min_score: float = DEFAULT_MIN_SCORE
) -> str:
    """The snippets for every cluster of ``report``, as one YAML text."""
    lines = [
        _comment(
            f"netral logs suggest: {len(report.clusters)} cluster(s) of unanswered questions, "
            f"period {report.period.bounds()} (UTC)."
        ),
        "# Nothing in knowledge/ has been changed. Paste what you accept into the category",
        "# file, complete every TODO, then check with: netral validate",
    ]
    taken = {entry.id for entry in kb.entries}
    category_of = {eid: c.id for c in kb.categories for eid in c.entry_ids}
    topics = {t.id: t for t in kb.offtopics}
    for index, cluster in enumerate(report.clusters, 1):
        lines += _heading(index, cluster)
        topic = topics.get(cluster.offtopic) if cluster.offtopic else None
        if topic is not None:
            known = {q.casefold().strip() for q in topic.questions}
            new = [text for text in cluster.examples if text.casefold().strip() not in known]
            lines += [
                _comment(
                    f"Declined on purpose: out-of-scope topic {topic.id} ({topic.title}) of "
                    f"{OFFTOPIC_FILE}. Nothing to do if that is right; to decline such "
                    "questions even more surely, paste these lines under that topic's "
                    "`questions:`. If the bot should answer them, write an entry instead."
                ),
                *(f"{PHRASING_INDENT}- {yaml_quote(text)}" for text in new),
            ]
            continue
        entry = kb.get(cluster.nearest) if cluster.nearest else None
        if entry is not None and cluster.score >= min_score:
            known = {q.casefold().strip() for q in entry.questions}
            new = [text for text in cluster.examples if text.casefold().strip() not in known]
            if new:
                lines += [
                    _comment(
                        f"Close to entry {entry.id} ({entry.title}; score {cluster.score:.2f}) "
                        f"in category {category_of.get(entry.id, entry.category)}."
                    ),
                    "# New phrasings: paste these lines under that entry's `questions:`.",
                    *(f"{PHRASING_INDENT}- {yaml_quote(text)}" for text in new),
                ]
                continue
        lines += _skeleton(cluster, taken, category_of)
    return "\n".join(lines) + "\n"


def _skeleton(cluster: Cluster, taken: set[str], category_of: dict[str, str]) -> list[str]:
    entry_id = slug(cluster.tokens, taken)
    taken.add(entry_id)
    nearest = (
        f"nearest entry {cluster.nearest} scores only {cluster.score:.2f}"
        if cluster.nearest
        else "no entry shares a word with it"
    )
    where = (
        f" (the nearest is in category {category_of[cluster.nearest]})"
        if cluster.nearest in category_of
        else ""
    )
    i, j = ENTRY_INDENT, ENTRY_INDENT + "  "
    return [
        _comment(f"No entry answers this ({nearest}): a new entry."),
        _comment(f"Paste it under `entries:` of the category file it belongs to{where}."),
        f"{i}- id: {entry_id}",
        f"{j}# title: TODO a short title, at most 60 characters (shown on buttons)",
        f"{j}# verdict: TODO one of dilarang | boleh | bersyarat | info",
        f"{j}questions:  # the canonical question first; at least 7 phrasings in all",
        *(f"{j}  - {yaml_quote(text)}" for text in cluster.examples),
        f"{j}# keywords: [TODO words or short phrases that point here]",
        f"{j}# answer: >-",
        f"{j}#   TODO the answer; its first sentence states the verdict plainly.",
        f"{j}# legal_basis:  # TODO required for dilarang and bersyarat",
        f"{j}#   - regulation: TODO the regulation, e.g. PP 94/2021 tentang Disiplin PNS",
        f"{j}#     article: TODO the article, only if you are sure of it (never invent one)",
        f"{j}# sanction: >-",
        f"{j}#   TODO the sanction, where one applies",
        f"{j}# related: [TODO ids of related entries]",
        f"{j}# sources:  # TODO required for dilarang and bersyarat (see knowledge/README.md)",
        f"{j}#   - regulation: TODO the regulations the answer rests on",
        f"{j}#   - title: TODO a public page used for a point; publisher: ...; url: https://...",
        f"{j}# reviewed: TODO the date its legal content was checked, e.g. 2026-12-06",
    ]
