"""Loading and validating the knowledge base in ``knowledge/``: the only module that reads YAML.

Long (about 700 lines) but one idea: the schema of the four kinds of file, checked field
by field with line numbers while the model objects are built; the phrasing lint, which
needs the normaliser, is apart in ``lint.py``.

``load_knowledge(path)`` returns the knowledge base together with every problem found, each
with its file, line and entry id, so that ``netral validate`` and the bot's ``/reload`` can
report all of them at once. Errors make the knowledge base unusable; warnings do not.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import yaml

from bot.core.models import (
    STATUSES,
    VERDICTS,
    Category,
    Entry,
    Example,
    KnowledgeBase,
    LegalBasis,
    Lexicon,
    OffTopic,
    Source,
    StatusNote,
    example_key,
)
from bot.core.normalize import Normalizer, knowledge_words
from bot.core.smalltalk import SMALLTALK_FILLER, SMALLTALK_KINDS
from bot.knowledge.lint import Phrasings, lint_phrasings
from bot.knowledge.problems import KnowledgeError, LoadResult, Problem

LEXICON_FILE: Final = "sinonim.yaml"
OFFTOPIC_FILE: Final = "luar-cakupan.yaml"
EXAMPLES_FILE: Final = "contoh.yaml"
# An example longer than this is a pasted essay, not a question to learn from.
MAX_EXAMPLE_CHARS: Final = 1500
MIN_PHRASINGS: Final = 7  # the canonical question and at least six more
MAX_TITLE: Final = 60
# An entry whose legal content was last checked more than this many days ago is reported.
REVIEW_MAX_AGE_DAYS: Final = 365
MAX_VERDICT_NOTE: Final = 80
# A knowledge file larger than this is refused: the real ones are tens of kilobytes.
MAX_FILE_BYTES: Final = 5 * 2**20

# libyaml's C loader when PyYAML was built with it (ten times faster), else the Python one.
_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Dates stay strings (``reviewed`` is parsed by the validator): a bad one such as 2026-13-01
# would otherwise make the YAML loader raise instead of being reported at its line.
_RESOLVERS: Final = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# One example as scripts/build_contoh.py writes it: the question a JSON string (which YAML
# reads the same way), the id a slug.
_BUILT_EXAMPLE: Final = re.compile(r'^  - \{q: ("(?:[^"\\]|\\.)*"), id: ([a-z0-9-]+)\}\s*$')
# Plain words YAML reads as null or booleans: never a string id on the fast path.
_YAML_WORDS: Final = frozenset(["null", "true", "false", "yes", "no", "on", "off", "y", "n"])
_ENTRY_FIELDS: Final = {
    "id": True,
    "title": True,
    "category": False,
    "verdict": True,
    "questions": True,
    "keywords": False,
    "answer": True,
    "legal_basis": False,
    "sanction": False,
    "related": False,
    "verdict_note": False,
    "by_status": False,
    "sources": False,
    "reviewed": False,
}
_STATUS_FIELDS: Final = {"note": True, "verdict": False, "sanction": False}
_SOURCE_FIELDS: Final = {"regulation": False, "title": False, "publisher": False, "url": False}
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_BASIS_FIELDS: Final = {"regulation": True, "article": False, "quote": False}
_FILE_FIELDS: Final = {"category": True, "category_title": True, "entries": True}
_TOPIC_FIELDS: Final = {
    "id": True,
    "title": True,
    "referral": True,
    "questions": False,
    "unless": False,
    "subjects": False,
}
_EXAMPLE_FIELDS: Final = {"q": True, "id": True}
_LEXICON_FIELDS: Final = {
    "synonyms": False,
    "stopwords": False,
    "protected": False,
    "offtopic": False,
    "sapaan": False,
    "larangan": False,
    "tempat": False,
    "bukan_perbuatan": False,
}


def require_knowledge(path: str | Path) -> KnowledgeBase:
    """Load the knowledge base or raise ``KnowledgeError`` listing every error.

    Skips the pairwise near-duplicate search, which only produces warnings and is the
    slowest check: ``netral validate`` and ``/reload`` run it.
    """
    result = load_knowledge(path, near_duplicates=False)
    if result.kb is None:
        raise KnowledgeError(result.errors)
    return result.kb


def load_knowledge(
    path: str | Path,
    normalizer: Normalizer | None = None,
    *,
    near_duplicates: bool = True,
    today: date | None = None,
) -> LoadResult:
    """Read every YAML file in ``path`` and validate it; never raises for bad content.

    ``today`` (default: the current date) is what ``reviewed`` dates are compared with.
    """
    v = _Validator(Path(path), near_duplicates=near_duplicates, today=today)
    with knowledge_words():  # these stems may be saved by the stem cache (bot/stemcache.py)
        kb = v.run(normalizer)
    return LoadResult(
        kb if not any(p.level == "error" for p in v.problems) else None, tuple(v.problems)
    )


# -- implementation ---------------------------------------------------------------------


@dataclass(slots=True)
class _Located:
    """A parsed entry with the line of each of its fields."""

    entry: dict[str, Any]
    file: str
    line: int
    field_lines: dict[str, int]


class _Validator:
    def __init__(
        self, root: Path, *, near_duplicates: bool = True, today: date | None = None
    ) -> None:
        self.root = root
        self.near_duplicates = near_duplicates
        self.today = today or date.today()
        self.problems: list[Problem] = []

    def error(self, file: str, line: int | None, entry_id: str | None, msg: str) -> None:
        self.problems.append(Problem("error", file, line, entry_id, msg))

    def warn(self, file: str, line: int | None, entry_id: str | None, msg: str) -> None:
        self.problems.append(Problem("warning", file, line, entry_id, msg))

    def run(self, normalizer: Normalizer | None) -> KnowledgeBase | None:
        if not self.root.is_dir():
            self.error(str(self.root), None, None, "folder not found")
            return None
        files = sorted(self.root.glob("*.yaml")) + sorted(self.root.glob("*.yml"))
        lexicon = Lexicon()
        located: list[_Located] = []
        topics: list[_Located] = []
        examples: list[_Located] = []
        categories: list[tuple[str, str, str]] = []  # (id, title, file)
        for f in files:
            text = self._read(f)
            if text is None:
                continue
            if f.name == EXAMPLES_FILE and (fast := _examples_as_built(self._rel(f), text)):
                examples.extend(fast)
                continue
            doc = self._parse(self._rel(f), text)
            if doc is None:
                continue
            data, node = doc
            if f.name == LEXICON_FILE:
                lexicon = self._lexicon(self._rel(f), data)
            elif f.name == OFFTOPIC_FILE:
                self._list_file(self._rel(f), data, node, "topics", "topic", topics)
            elif f.name == EXAMPLES_FILE:
                self._list_file(self._rel(f), data, node, "examples", "example", examples)
            else:
                cat = self._category_file(self._rel(f), data, node, located)
                if cat:
                    categories.append(cat)
        if not located:
            self.error(str(self.root), None, None, "no entries found")
            return None
        # A file that did not parse would make every reference to its entries look broken:
        # report the syntax error alone and skip the cross-entry checks.
        parsed_all = not self.problems
        entries = self._entries(located, check_related=parsed_all)
        offtopics = self._topics(topics, {e.id for e in entries})
        known = {e.id for e in entries} | {t.id for t in offtopics}
        labelled = self._examples(examples, known) if parsed_all else []
        verdicts = {e.id: e.verdict for e in entries}
        for entry_id in lexicon.forbidden_acts:
            if verdicts.get(entry_id) != "dilarang":
                self.error(
                    LEXICON_FILE, None, None, f"larangan: '{entry_id}' is not a dilarang entry"
                )
        if any(p.level == "error" for p in self.problems):
            return None
        norm = normalizer or Normalizer(lexicon)
        self.problems += lint_phrasings(
            [
                Phrasings(
                    loc.file,
                    loc.field_lines.get("questions", loc.line),
                    loc.entry["id"],
                    tuple(loc.entry["questions"]),
                )
                for loc in [*located, *topics]
            ],
            norm,
            near_duplicates=self.near_duplicates,
        )
        by_cat: dict[str, list[str]] = defaultdict(list)
        for e in entries:
            by_cat[e.category].append(e.id)
        cats = tuple(Category(cid, title, tuple(by_cat[cid])) for cid, title, _ in categories)
        return KnowledgeBase(tuple(entries), cats, lexicon, tuple(offtopics), tuple(labelled))

    def _rel(self, f: Path) -> str:
        return str(f)

    def _read(self, f: Path) -> str | None:
        """The file's text, or None (reported) when it is too large or unreadable."""
        name = self._rel(f)
        try:
            size = f.stat().st_size
            if size > MAX_FILE_BYTES:
                self.error(
                    name, None, None, f"file too large ({size} bytes; at most {MAX_FILE_BYTES})"
                )
                return None
            return f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.error(name, None, None, f"cannot read file: {exc}")
            return None

    def _parse(self, name: str, text: str) -> tuple[Any, yaml.Node | None] | None:
        try:
            # One parse gives both the node tree (for line numbers) and the data.
            loader = _LOADER(text)
            loader.yaml_implicit_resolvers = _RESOLVERS
            try:
                node = loader.get_single_node()
                data = None if node is None else loader.construct_document(node)
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc)
            self.error(name, line, None, f"YAML syntax error: {problem}")
            return None
        return data, node

    def _check_fields(
        self,
        file: str,
        line: int | None,
        entry_id: str | None,
        data: dict[str, Any],
        spec: dict[str, bool],
        what: str,
    ) -> None:
        for key in data:
            if key not in spec:
                self.error(file, line, entry_id, f"unknown field '{key}' in {what}")
        for key, required in spec.items():
            if required and key not in data:
                self.error(file, line, entry_id, f"missing field '{key}' in {what}")

    def _lexicon(self, file: str, data: Any) -> Lexicon:
        if data is None:
            return Lexicon()
        if not isinstance(data, dict):
            self.error(file, 1, None, "expected a mapping with synonyms, stopwords, protected")
            return Lexicon()
        self._check_fields(file, 1, None, data, _LEXICON_FIELDS, "the lexicon")
        synonyms: dict[str, str] = {}
        raw = data.get("synonyms") or {}
        if not isinstance(raw, dict):
            self.error(file, None, None, "'synonyms' must map a word to a list of variants")
            raw = {}
        for canonical, variants in raw.items():
            if (
                not isinstance(canonical, str)
                or not isinstance(variants, list)
                or not all(isinstance(v, str) for v in variants)
            ):
                self.error(file, None, None, f"synonym '{canonical}' needs a list of strings")
                continue
            for variant in variants:
                key = variant.strip().lower()
                if key in synonyms and synonyms[key] != canonical:
                    self.error(
                        file,
                        None,
                        None,
                        f"variant '{variant}' is listed under '{synonyms[key]}' and '{canonical}'",
                    )
                synonyms[key] = canonical.strip().lower()
        words: dict[str, frozenset[str]] = {}
        for key in ("stopwords", "protected", "offtopic", "tempat", "bukan_perbuatan"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.error(file, None, None, f"'{key}' must be a list of words")
                value = []
            words[key] = frozenset(v.strip().lower() for v in value)
        places = frozenset(" ".join(p.split()) for p in words["tempat"] if p.strip())
        synonym_words = set(synonyms) | set(synonyms.values())
        for place in sorted(places & synonym_words):
            self.error(file, None, None, f"tempat: '{place}' is also a synonym")
        return Lexicon(
            synonyms,
            words["stopwords"],
            words["protected"],
            words["offtopic"],
            self._smalltalk(file, data.get("sapaan")),
            self._forbidden_acts(file, data.get("larangan")),
            places=places - synonym_words,
            not_acts=words["bukan_perbuatan"],
        )

    def _forbidden_acts(self, file: str, raw: Any) -> dict[str, tuple[str, ...]]:
        """``larangan``: a dilarang entry id -> words that name its act (checked against
        the entries in ``run``)."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.error(file, None, None, "'larangan' must map an entry id to a list of words")
            return {}
        acts: dict[str, tuple[str, ...]] = {}
        for entry_id, words in raw.items():
            if (
                not isinstance(entry_id, str)
                or not isinstance(words, list)
                or not words
                or not all(isinstance(w, str) and w.strip() for w in words)
            ):
                self.error(file, None, None, f"larangan '{entry_id}' needs a list of words")
                continue
            acts[entry_id] = tuple(w.strip().lower() for w in words)
        return acts

    def _smalltalk(self, file: str, raw: Any) -> dict[str, frozenset[str]]:
        """The ``sapaan`` section: small-talk kind -> phrases."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.error(file, None, None, "'sapaan' must map a kind to a list of phrases")
            return {}
        out: dict[str, frozenset[str]] = {}
        for kind, phrases in raw.items():
            if kind not in SMALLTALK_KINDS and kind != SMALLTALK_FILLER:
                known = ", ".join((*SMALLTALK_KINDS, SMALLTALK_FILLER))
                self.error(file, None, None, f"unknown 'sapaan' kind '{kind}' (known: {known})")
                continue
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                self.error(file, None, None, f"'sapaan' kind '{kind}' needs a list of phrases")
                continue
            out[kind] = frozenset(p.strip().lower() for p in phrases if p.strip())
        return out

    def _category_file(
        self, file: str, data: Any, node: yaml.Node | None, out: list[_Located]
    ) -> tuple[str, str, str] | None:
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            self.error(file, 1, None, "expected a mapping with category, category_title, entries")
            return None
        self._check_fields(file, 1, None, data, _FILE_FIELDS, "the file")
        category = data.get("category")
        title = data.get("category_title")
        if not isinstance(category, str) or not _ID.match(category):
            self.error(file, 1, None, "'category' must be a lower-case slug")
            category = None
        if not isinstance(title, str) or not title.strip():
            self.error(file, 1, None, "'category_title' must be a non-empty string")
        entries = data.get("entries")
        entries_node = _child(node, "entries")
        if not isinstance(entries, list) or not isinstance(entries_node, yaml.SequenceNode):
            self.error(file, 1, None, "'entries' must be a list")
            return None
        for item, line, field_lines in self._mappings(file, entries, entries_node, "entry"):
            entry = dict(item)
            entry.setdefault("category", category)
            if entry.get("category") != category:
                self.error(
                    file,
                    field_lines.get("category", line),
                    _id(item),
                    f"category '{entry.get('category')}' differs from the file's '{category}'",
                )
            out.append(_Located(entry, file, line, field_lines))
        return (category, title, file) if category and isinstance(title, str) else None

    def _mappings(
        self, file: str, items: list[Any], node: yaml.SequenceNode, what: str
    ) -> Iterator[tuple[dict[str, Any], int, dict[str, int]]]:
        """Each mapping of a YAML list with its line and the line of each of its keys;
        anything else in the list is reported."""
        for item, item_node in zip(items, node.value, strict=True):
            line = item_node.start_mark.line + 1
            if not isinstance(item, dict) or not isinstance(item_node, yaml.MappingNode):
                self.error(file, line, None, f"each {what} must be a mapping")
                continue
            field_lines = {
                str(k.value): k.start_mark.line + 1
                for k, _ in item_node.value
                if isinstance(k, yaml.ScalarNode)
            }
            yield item, line, field_lines

    def _list_file(
        self,
        file: str,
        data: Any,
        node: yaml.Node | None,
        key: str,
        what: str,
        out: list[_Located],
    ) -> None:
        """A file that is one mapping ``{key: [mapping, ...]}``: each item, located.

        luar-cakupan.yaml (``topics``: id, title, referral, questions, ...) and contoh.yaml
        (``examples``: a real question ``q`` and the ``id`` it is about).
        """
        items_node = _child(node, key)
        if (
            not isinstance(data, dict)
            or set(data) != {key}
            or not isinstance(data[key], list)
            or not isinstance(items_node, yaml.SequenceNode)
        ):
            self.error(file, 1, None, f"expected a mapping with one key, '{key}': a list")
            return
        for item, line, field_lines in self._mappings(file, data[key], items_node, what):
            out.append(_Located(dict(item), file, line, field_lines))

    def _examples(self, located: list[_Located], known: set[str]) -> list[Example]:
        """The examples whose question is text and whose id names an entry or a topic; the
        same question twice is reported (once with two ids it teaches nothing)."""
        out: list[Example] = []
        seen: dict[str, int] = {}
        for loc in located:
            d = loc.entry
            before = len(self.problems)
            target = d.get("id")
            self._check_fields(loc.file, loc.line, None, d, _EXAMPLE_FIELDS, "the example")
            question = _stripped(d.get("q")) or None
            if "q" in d and question is None:
                self.error(loc.file, loc.line, None, "'q' must be a non-empty string")
            elif question is not None and len(question) > MAX_EXAMPLE_CHARS:
                self.error(
                    loc.file, loc.line, None, f"'q' is longer than {MAX_EXAMPLE_CHARS} characters"
                )
            if "id" in d and (not isinstance(target, str) or target not in known):
                self.error(loc.file, loc.line, None, f"'id' {target!r} is no entry or topic")
            if len(self.problems) > before or question is None or not isinstance(target, str):
                continue
            key = example_key(question)
            if key in seen:
                self.warn(
                    loc.file,
                    loc.line,
                    target,
                    f"the same question as the example on line {seen[key]}",
                )
                continue
            seen[key] = loc.line
            out.append(Example(question, target))
        return out

    def _topics(self, located: list[_Located], entry_ids: set[str]) -> list[OffTopic]:
        out: list[OffTopic] = []
        seen: set[str] = set()
        for loc in located:
            d, eid = loc.entry, _id(loc.entry)
            before = len(self.problems)
            self._check_fields(loc.file, loc.line, eid, d, _TOPIC_FIELDS, "the topic")
            if eid is None or not _ID.match(eid):
                self.error(loc.file, loc.line, eid, "'id' must be a lower-case slug")
            elif eid in entry_ids or eid in seen:
                self.error(loc.file, loc.line, eid, "duplicate id (an entry or topic has it)")
            for key in ("title", "referral"):
                if key in d and (not isinstance(d[key], str) or not d[key].strip()):
                    self.error(loc.file, loc.line, eid, f"'{key}' must be a non-empty string")
            questions = _str_list(d.get("questions", []))
            if "questions" in d and not questions:
                line = loc.field_lines.get("questions", loc.line)
                self.error(loc.file, line, eid, "'questions' must be a list of non-empty strings")
            unless = _str_list(d.get("unless", []))
            if unless is None:
                line = loc.field_lines.get("unless", loc.line)
                self.error(loc.file, line, eid, "'unless' must be a list of words")
            subjects = _str_list(d.get("subjects", []))
            if subjects is None:
                line = loc.field_lines.get("subjects", loc.line)
                self.error(loc.file, line, eid, "'subjects' must be a list of words or phrases")
            elif not subjects and "questions" not in d:
                self.error(loc.file, loc.line, eid, "a topic needs 'questions' or 'subjects'")
            if len(self.problems) > before:
                loc.entry["questions"] = []  # keeps the phrasing checks from tripping on it
                continue
            assert eid is not None and questions is not None
            assert unless is not None and subjects is not None
            d.setdefault("questions", [])  # a subjects-only topic has no phrasings to check
            seen.add(eid)
            out.append(
                OffTopic(
                    eid,
                    d["title"].strip(),
                    d["referral"].strip(),
                    tuple(q.strip() for q in questions),
                    tuple(w.strip() for w in unless),
                    tuple(w.strip() for w in subjects),
                )
            )
        return out

    def _entries(self, located: list[_Located], *, check_related: bool) -> list[Entry]:
        seen: dict[str, _Located] = {}
        entries: list[Entry] = []
        for loc in located:
            entry = self._entry(loc)
            if entry is None:
                continue
            if entry.id in seen:
                first = seen[entry.id]
                self.error(
                    loc.file,
                    loc.line,
                    entry.id,
                    f"duplicate id (first defined in {first.file}:{first.line})",
                )
                continue
            seen[entry.id] = loc
            entries.append(entry)
        # An entry dropped for its own errors still exists: pointing to it is not a second error.
        ids = set(seen) | {i for i in (_id(loc.entry) for loc in located) if i is not None}
        # Every entry's related ids are checked once, where they are written: an entry dropped
        # for another mistake (a misspelt verdict) still gets its own wrong ids reported.
        built = {e.id: e for e in entries}
        checked: set[str] = set()
        for loc in located if check_related else ():
            eid = _id(loc.entry)
            if eid is None or eid in checked:
                continue
            checked.add(eid)
            entry = built.get(eid)
            if entry is not None and seen[eid] is loc:
                related: Sequence[str] = entry.related
            else:
                related = _str_list(loc.entry.get("related", [])) or ()
            for rel in related:
                if rel not in ids:
                    self.error(
                        loc.file,
                        loc.field_lines.get("related", loc.line),
                        eid,
                        f"related id '{rel}' does not exist",
                    )
                elif rel == eid:
                    self.error(
                        loc.file,
                        loc.field_lines.get("related", loc.line),
                        eid,
                        "an entry cannot be related to itself",
                    )
        return entries

    def _entry(self, loc: _Located) -> Entry | None:
        d, f = loc.entry, loc.file
        eid = _id(d)
        before = len(self.problems)

        def at(key: str) -> int:
            return loc.field_lines.get(key, loc.line)

        def err(key: str, msg: str) -> None:
            self.error(f, at(key), eid, msg)

        self._check_fields(f, loc.line, eid, d, _ENTRY_FIELDS, "the entry")
        if not isinstance(d.get("id"), str) or not _ID.match(d["id"]):
            err("id", "'id' must be a lower-case slug such as 'ikut-kampanye'")
        for key in ("title", "answer"):
            if key in d and (not isinstance(d[key], str) or not d[key].strip()):
                err(key, f"'{key}' must be a non-empty string")
        if isinstance(d.get("title"), str) and len(d["title"]) > MAX_TITLE:
            err("title", f"'title' is longer than {MAX_TITLE} characters")
        if "verdict" in d and d["verdict"] not in VERDICTS:
            err("verdict", f"'verdict' must be one of {', '.join(VERDICTS)}")
        questions = _str_list(d.get("questions"))
        if "questions" in d and questions is None:
            err("questions", "'questions' must be a list of non-empty strings")
        elif questions is not None and len(questions) < MIN_PHRASINGS:
            err(
                "questions",
                f"only {len(questions)} phrasings; at least {MIN_PHRASINGS} "
                "needed (the canonical question and six more)",
            )
        keywords = _str_list(d.get("keywords", []))
        if keywords is None:
            err("keywords", "'keywords' must be a list of non-empty strings")
        related = _str_list(d.get("related", []))
        if related is None:
            err("related", "'related' must be a list of entry ids")
        sanction = d.get("sanction")
        if sanction is not None and (not isinstance(sanction, str) or not sanction.strip()):
            err("sanction", "'sanction' must be a non-empty string when present")
        basis = self._legal_basis(loc, eid)
        if d.get("verdict") in ("dilarang", "bersyarat") and not basis:
            err("legal_basis", f"a '{d.get('verdict')}' entry needs a legal_basis")
        verdict_note = d.get("verdict_note")
        if verdict_note is not None and (
            not isinstance(verdict_note, str) or not verdict_note.strip()
        ):
            err("verdict_note", "'verdict_note' must be a non-empty string when present")
            verdict_note = None
        elif isinstance(verdict_note, str) and len(verdict_note.strip()) > MAX_VERDICT_NOTE:
            err("verdict_note", f"'verdict_note' is longer than {MAX_VERDICT_NOTE} characters")
        by_status = self._by_status(loc, eid)
        sources = self._sources(loc, eid)
        if d.get("verdict") in ("dilarang", "bersyarat") and not sources and "sources" not in d:
            err("sources", f"a '{d.get('verdict')}' entry needs sources")
        reviewed = self._reviewed(loc, eid)
        if len(self.problems) > before and any(p.level == "error" for p in self.problems[before:]):
            return None
        assert questions is not None and keywords is not None and related is not None
        return Entry(
            id=d["id"],
            title=d["title"].strip(),
            category=d["category"],
            verdict=d["verdict"],
            questions=tuple(q.strip() for q in questions),
            answer=d["answer"].strip(),
            keywords=tuple(k.strip() for k in keywords),
            legal_basis=tuple(basis),
            sanction=sanction.strip() if isinstance(sanction, str) else None,
            related=tuple(related),
            verdict_note=verdict_note.strip() if isinstance(verdict_note, str) else None,
            by_status=tuple(by_status),
            sources=tuple(sources),
            reviewed=reviewed,
        )

    def _by_status(self, loc: _Located, eid: str | None) -> list[tuple[str, StatusNote]]:
        """``by_status``: a mapping from a known status to its note, verdict and sanction."""
        if "by_status" not in loc.entry:
            return []
        raw = loc.entry["by_status"]
        line = loc.field_lines.get("by_status", loc.line)
        if not isinstance(raw, dict) or not raw:
            self.error(loc.file, line, eid, "'by_status' must map a status to its note")
            return []
        out: dict[str, StatusNote] = {}
        for status, item in raw.items():
            where = f"by_status '{status}'"
            if status not in STATUSES:
                known = ", ".join(STATUSES)
                self.error(loc.file, line, eid, f"unknown status '{status}' (known: {known})")
                continue
            if not isinstance(item, dict):
                self.error(loc.file, line, eid, f"{where} must be a mapping with a 'note'")
                continue
            before = len(self.problems)
            self._check_fields(loc.file, line, eid, item, _STATUS_FIELDS, where)
            values = {k: item.get(k) for k in _STATUS_FIELDS}
            if not all(v is None or (isinstance(v, str) and v.strip()) for v in values.values()):
                self.error(loc.file, line, eid, f"{where}: fields must be non-empty strings")
            elif values["verdict"] is not None and values["verdict"] not in VERDICTS:
                self.error(
                    loc.file, line, eid, f"{where}: 'verdict' must be one of {', '.join(VERDICTS)}"
                )
            if len(self.problems) > before or values["note"] is None:
                continue
            out[status] = StatusNote(
                note=values["note"].strip(),
                verdict=_stripped(values["verdict"]),
                sanction=_stripped(values["sanction"]),
            )
        return [(s, out[s]) for s in STATUSES if s in out]

    def _sources(self, loc: _Located, eid: str | None) -> list[Source]:
        """``sources``: regulations, and public pages with title, publisher and url."""
        if "sources" not in loc.entry:
            return []
        raw = loc.entry["sources"]
        line = loc.field_lines.get("sources", loc.line)
        if not isinstance(raw, list) or not raw:
            self.error(loc.file, line, eid, "'sources' must be a non-empty list")
            return []
        out: list[Source] = []
        for item in raw:
            if not isinstance(item, dict):
                self.error(loc.file, line, eid, "each sources item must be a mapping")
                continue
            before = len(self.problems)
            self._check_fields(loc.file, line, eid, item, _SOURCE_FIELDS, "sources")
            values = {k: item.get(k) for k in _SOURCE_FIELDS}
            if not all(v is None or (isinstance(v, str) and v.strip()) for v in values.values()):
                self.error(loc.file, line, eid, "sources fields must be non-empty strings")
            elif (values["regulation"] is None) == (values["title"] is None):
                self.error(loc.file, line, eid, "each source needs either 'regulation' or 'title'")
            elif values["regulation"] is not None and (values["publisher"] or values["url"]):
                self.error(loc.file, line, eid, "a 'regulation' source takes no publisher or url")
            elif values["url"] is not None and not _URL.match(values["url"].strip()):
                self.error(
                    loc.file, line, eid, f"source url '{values['url']}' is not an http(s) URL"
                )
            if len(self.problems) > before:
                continue
            out.append(Source(**{k: _stripped(v) for k, v in values.items()}))
        return out

    def _reviewed(self, loc: _Located, eid: str | None) -> date | None:
        """``reviewed``: a YYYY-MM-DD date, not in the future; old or missing ones are reported."""
        line = loc.field_lines.get("reviewed", loc.line)
        if "reviewed" not in loc.entry:
            self.warn(
                loc.file, line, eid, "no 'reviewed' date: the legal content was never checked"
            )
            return None
        raw = loc.entry["reviewed"]
        value: date | None = None
        if isinstance(raw, date):
            value = raw
        elif isinstance(raw, str):
            try:
                value = date.fromisoformat(raw.strip())
            except ValueError:
                value = None
        if value is None:
            self.error(
                loc.file, line, eid, f"'reviewed' must be a date such as 2026-12-06, not {raw!r}"
            )
            return None
        if value > self.today:
            self.error(loc.file, line, eid, f"'reviewed' date {value} is in the future")
            return None
        age = (self.today - value).days
        if age > REVIEW_MAX_AGE_DAYS:
            self.warn(
                loc.file,
                line,
                eid,
                f"legal content last reviewed {value} ({age} days ago): check it again",
            )
        return value

    def _legal_basis(self, loc: _Located, eid: str | None) -> list[LegalBasis]:
        raw = loc.entry.get("legal_basis", [])
        line = loc.field_lines.get("legal_basis", loc.line)
        if not isinstance(raw, list):
            self.error(loc.file, line, eid, "'legal_basis' must be a list")
            return []
        out = []
        for item in raw:
            if not isinstance(item, dict):
                self.error(loc.file, line, eid, "each legal_basis item must be a mapping")
                continue
            self._check_fields(loc.file, line, eid, item, _BASIS_FIELDS, "legal_basis")
            values = {k: item.get(k) for k in _BASIS_FIELDS}
            if not all(v is None or (isinstance(v, str) and v.strip()) for v in values.values()):
                self.error(loc.file, line, eid, "legal_basis fields must be non-empty strings")
                continue
            if values["regulation"] is None:
                continue
            out.append(
                LegalBasis(
                    regulation=values["regulation"].strip(),
                    article=_stripped(values["article"]),
                    quote=_stripped(values["quote"]),
                )
            )
        return out


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of ``key`` in a mapping node (None when absent or not a mapping)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    values = (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key)
    return next(values, None)


def _id(d: Any) -> str | None:
    value = d.get("id") if isinstance(d, dict) else None
    return value if isinstance(value, str) else None


def _stripped(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return value


def _examples_as_built(file: str, text: str) -> list[_Located] | None:
    """contoh.yaml read line by line when it has exactly the shape scripts/build_contoh.py
    writes (comments, ``examples:``, one ``- {q: "...", id: ...}`` a line): the same
    examples and lines as the YAML parse, ten times faster (17,000 examples are most of the
    knowledge base's loading time). None for anything else (an empty list too): the YAML
    parse reads it, and reports its errors."""
    out: list[_Located] = []
    header = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header:
            if line.rstrip() != "examples:":
                return None
            header = True
            continue
        match = _BUILT_EXAMPLE.match(line)
        if match is None or match.group(2) in _YAML_WORDS:
            return None
        try:
            question = json.loads(match.group(1))
        except ValueError:
            return None
        fields = {"q": number, "id": number}
        out.append(_Located({"q": question, "id": match.group(2)}, file, number, fields))
    return out or None
