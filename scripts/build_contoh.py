"""Join writers' example files into knowledge/contoh.yaml.

Usage: python scripts/build_contoh.py [--out knowledge/contoh.yaml] PART.yaml [PART.yaml ...]

Each part is a YAML list of ``{q, expect}`` items as the writers produce them (see
docs/contoh-instructions.md): ``expect`` is an entry id or ``"~topic-id"`` for an
out-of-scope topic; items with a list of ids or none are skipped, and so is a question seen
before (case and spacing ignored). ``status`` and other fields are dropped: the learned
ranker reads only the question and its label. Run ``netral validate`` afterwards: it checks
every id.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

HEADER = """\
# Contoh pertanyaan nyata berlabel: hanya untuk melatih peringkat terlatih (learned ranker),
# tidak pernah dicocokkan kata demi kata. Ditulis oleh penulis contoh dari daftar cakupan,
# referensi hukum dan jawaban entri, tanpa membaca set evaluasi (tests/data); label = apa yang
# ditanyakan. Format: knowledge/README.md; cara penulisan: docs/contoh-instructions.md.
# Dibuat dengan scripts/build_contoh.py.
examples:
"""


def build(parts: list[Path]) -> tuple[str, int]:
    """The file's text and how many examples it holds."""
    lines = [HEADER.rstrip("\n")]
    seen: set[str] = set()
    count = 0
    for part in parts:
        lines.append(f"  # --- {part.name}")
        for item in yaml.safe_load(part.read_text(encoding="utf-8")) or []:
            if not isinstance(item, dict):
                continue
            question = " ".join(str(item.get("q", "")).split())
            target = item.get("expect")
            if not question or not isinstance(target, str) or not target:
                continue
            key = question.lower()
            if key in seen:
                continue
            seen.add(key)
            label = target.lstrip("~")
            lines.append(f"  - {{q: {json.dumps(question, ensure_ascii=False)}, id: {label}}}")
            count += 1
    return "\n".join(lines) + "\n", count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("parts", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("knowledge/contoh.yaml"))
    args = parser.parse_args()
    text, count = build(args.parts)
    args.out.write_text(text, encoding="utf-8")
    print(f"{count} examples -> {args.out}")


if __name__ == "__main__":
    main()
