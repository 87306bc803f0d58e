"""Label the out-of-scope questions of tuning sets with an out-of-scope topic, for training.

Usage: python scripts/label_oos_topics.py --out tests/data/oos-topics SET.yaml [SET.yaml ...]

The blind writers marked out-of-scope questions ``expect: null`` without naming a topic of
knowledge/luar-cakupan.yaml. The learned ranker learns to decline from topic classes, so
each such question gets the topic that the current models (blended as the matcher blends
them, ``Matcher.learned_margins``) rank highest among the topics; the topic only chooses
which referral a similar question is declined with. Writes ``OUT/<set name>.yaml``
(``- {q, expect: "~topic"}``) for ``scripts/build_contoh.py --main-first``. Never pass a
held-out set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from bot import modelcache
from bot.core.engine import bounded
from bot.core.learned import TOPIC_PREFIX
from bot.core.matcher import Matcher
from bot.knowledge import require_knowledge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    args = parser.parse_args()
    modelcache.enable()
    matcher = Matcher(require_knowledge(args.knowledge))
    if matcher.learned is None:
        raise SystemExit("the learned ranker is off: nothing to label with")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.sets:
        items = []
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if item.get("expect") is not None:
                continue
            question = bounded(item["q"])
            margins = matcher.learned_margins(matcher.tokens(question), matcher.raw(question))
            topic = max((k for k in margins if k.startswith(TOPIC_PREFIX)), key=margins.__getitem__)
            items.append({"q": item["q"], "expect": topic})
        header = (
            f"# The out-of-scope questions of {path.name}, each labelled with the topic the\n"
            "# learned ranker ranks highest (scripts/label_oos_topics.py); training only.\n"
        )
        body = yaml.safe_dump(items, allow_unicode=True, width=1000, sort_keys=False)
        (args.out / path.name).write_text(header + body, encoding="utf-8")
        print(f"{len(items)} -> {args.out / path.name}")


if __name__ == "__main__":
    main()
