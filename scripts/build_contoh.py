"""Join writers' example files and the real-style tuning sets into knowledge/contoh.yaml.

Usage: python scripts/build_contoh.py [--out knowledge/contoh.yaml] PART.yaml [PART.yaml ...]
           [--tuning tests/data/real_tuning.yaml ...]

Each part is a YAML list of ``{q, expect}`` items as the writers produce them (see
docs/contoh-instructions.md): ``expect`` is an entry id or ``"~topic-id"`` for an
out-of-scope topic; items with a list of ids or none are skipped, and so is a question seen
before (case and spacing ignored). ``status`` and other fields are dropped: the learned
ranker reads only the question and its label. Run ``netral validate`` afterwards: it checks
every id.

``--tuning FILE``: an evaluation set used for tuning (never a held-out set: a test refuses
one). Its in-scope questions are added with their first id (the writer's main label; the
other ids are acceptable answers, not other classes), out-of-scope ones are skipped (they
name no topic). ``scripts/tune.py`` then fits the decision on features from models trained
without each file's own questions (cross-fitting), so the decision is never fitted on
questions the ranker has already seen.

``--main-first PART``: a writers' part whose lists name the main id first (later
instructions asked for it): a list gives its first id instead of being skipped.

``--exclude FILE``: an evaluation set (questions or conversations) whose questions must
never be examples: the held-out sets, the shared dev set, the other tuning sets. A short
question often occurs in two sets word for word ("pns boleh like postingan capres?"); it is
left out of every part.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from bot.core.models import example_key

HEADER = """\
# Contoh pertanyaan nyata berlabel: hanya untuk melatih peringkat terlatih (learned ranker),
# tidak pernah dicocokkan kata demi kata. Ditulis oleh penulis contoh dari daftar cakupan,
# referensi hukum dan jawaban entri, tanpa membaca set evaluasi (tests/data); label = apa yang
# ditanyakan. Bagian "tuning" di akhir: pertanyaan dalam cakupan dari set tuning gaya nyata
# (tests/data/real_tuning*.yaml, label pertama); set uji tertahan (held-out) tidak pernah.
# Format: knowledge/README.md; cara penulisan: docs/contoh-instructions.md.
# Dibuat dengan scripts/build_contoh.py.
examples:
"""


def build(
    parts: list[Path],
    tuning: list[Path] | None = None,
    exclude: list[Path] | None = None,
    main_first: list[Path] | None = None,
) -> tuple[str, int]:
    """The file's text and how many examples it holds (``tuning``, ``exclude``,
    ``main_first``: see the module doc)."""
    lines = [HEADER.rstrip("\n")]
    seen: set[str] = {key for path in exclude or [] for key in evaluation_keys(path)}
    count = 0
    # (file, whether a list gives its first id, the section's name)
    sources = (
        [(part, False, part.name) for part in parts]
        + [(part, True, f"{part.parent.name}/{part.name}") for part in main_first or []]
        + [(f, True, f"tuning: {f.name}") for f in tuning or []]
    )
    for part, first_of_list, name in sources:
        lines.append(f"  # --- {name}")
        for item in yaml.safe_load(part.read_text(encoding="utf-8")) or []:
            if not isinstance(item, dict):
                continue
            question = " ".join(str(item.get("q", "")).split())
            target = item.get("expect")
            if first_of_list and isinstance(target, list) and target:
                target = target[0]
            if not question or not isinstance(target, str) or not target:
                continue
            key = example_key(question)
            if key in seen:
                continue
            seen.add(key)
            label = target.lstrip("~")
            lines.append(f"  - {{q: {json.dumps(question, ensure_ascii=False)}, id: {label}}}")
            count += 1
    return "\n".join(lines) + "\n", count


def evaluation_keys(path: Path) -> set[str]:
    """The keys of an evaluation file's questions, conversation turns included."""
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    turns = [t for item in items if isinstance(item, dict) for t in item.get("turns", [item])]
    return {
        example_key(t["q"]) for t in turns if isinstance(t, dict) and isinstance(t.get("q"), str)
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("parts", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=Path("knowledge/contoh.yaml"))
    parser.add_argument("--tuning", type=Path, action="append", default=[])
    parser.add_argument("--exclude", type=Path, action="append", default=[])
    parser.add_argument("--main-first", type=Path, action="append", default=[])
    args = parser.parse_args()
    text, count = build(args.parts, args.tuning, args.exclude, args.main_first)
    args.out.write_text(text, encoding="utf-8")
    print(f"{count} examples -> {args.out}")


if __name__ == "__main__":
    main()
