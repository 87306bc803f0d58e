"""contoh.yaml: labelled real questions that teach the learned ranker."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.learned import TOPIC_PREFIX, training_samples
from bot.core.models import Example, example_key
from bot.core.normalize import Normalizer
from bot.knowledge import load as load_module
from bot.knowledge import load_knowledge
from bot.knowledge.problems import LoadResult
from tests.conftest import ROOT, SMALL_KB


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A fresh, writable copy of the small fixture knowledge base."""
    target = tmp_path / "knowledge"
    shutil.copytree(SMALL_KB, target)
    return target


def write_examples(kb_dir: Path, body: str) -> Path:
    path = kb_dir / "contoh.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_examples_load_for_entries_and_topics(kb_dir: Path) -> None:
    write_examples(
        kb_dir,
        "examples:\n"
        '  - {q: "pak sy pns, kemarin diajak ke lapangan liat konser paslon, aman?", '
        "id: ikut-kampanye}\n"
        '  - {q: "tpp bulan ini kok belum cair ya", id: gaji-tunjangan}\n',
    )
    result = load_knowledge(kb_dir)
    assert result.errors == []
    assert result.kb is not None
    assert result.kb.examples == (
        Example(
            "pak sy pns, kemarin diajak ke lapangan liat konser paslon, aman?", "ikut-kampanye"
        ),
        Example("tpp bulan ini kok belum cair ya", "gaji-tunjangan"),
    )


def test_examples_teach_the_ranker_with_topic_classes(kb_dir: Path) -> None:
    write_examples(
        kb_dir,
        "examples:\n"
        '  - {q: "konser paslon di lapangan", id: ikut-kampanye}\n'
        '  - {q: "tpp belum cair", id: gaji-tunjangan}\n',
    )
    kb = load_knowledge(kb_dir).kb
    assert kb is not None
    norm = Normalizer(kb.lexicon)
    samples = training_samples(kb, norm.tokens)
    labels = [label for _, label in samples]
    assert labels[-2:] == ["ikut-kampanye", f"{TOPIC_PREFIX}gaji-tunjangan"]
    assert samples[-2][0] == tuple(dict.fromkeys(norm.tokens("konser paslon di lapangan")))


def test_examples_are_not_phrasings(kb_dir: Path) -> None:
    """An example never becomes a phrasing: it cannot answer by exact match alone."""
    write_examples(kb_dir, 'examples:\n  - {q: "konser paslon di lapangan", id: ikut-kampanye}\n')
    kb = load_knowledge(kb_dir).kb
    assert kb is not None
    entry = kb.get("ikut-kampanye")
    assert entry is not None and "konser paslon di lapangan" not in entry.questions


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- {q: a, id: ikut-kampanye}\n", "one key, 'examples'"),
        ("examples: {q: a}\n", "one key, 'examples'"),
        ("examples:\n  - just a string\n", "each example must be a mapping"),
        ("examples:\n  - {q: apa, id: tidak-ada}\n", "'tidak-ada' is no entry or topic"),
        ("examples:\n  - {q: apa, id: [ikut-kampanye]}\n", "is no entry or topic"),
        ("examples:\n  - {q: '  ', id: ikut-kampanye}\n", "'q' must be a non-empty string"),
        ("examples:\n  - {q: 12, id: ikut-kampanye}\n", "'q' must be a non-empty string"),
        ("examples:\n  - {id: ikut-kampanye}\n", "missing field 'q'"),
        ("examples:\n  - {q: apa}\n", "missing field 'id'"),
        ("examples:\n  - {q: apa, id: ikut-kampanye, expect: x}\n", "unknown field 'expect'"),
        (f"examples:\n  - {{q: '{'x' * 1501}', id: ikut-kampanye}}\n", "longer than 1500"),
    ],
)
def test_bad_examples_are_errors_at_their_line(kb_dir: Path, body: str, message: str) -> None:
    path = write_examples(kb_dir, body)
    result = load_knowledge(kb_dir)
    assert result.kb is None
    (err,) = [e for e in result.errors if message in e.message]
    assert err.file == str(path)
    assert err.line is not None and err.line <= 2


def test_a_repeated_example_is_a_warning_and_kept_once(kb_dir: Path) -> None:
    write_examples(
        kb_dir,
        "examples:\n"
        '  - {q: "konser paslon", id: ikut-kampanye}\n'
        '  - {q: "Konser  paslon ", id: medsos-like}\n',
    )
    result = load_knowledge(kb_dir)
    assert result.kb is not None
    assert result.kb.examples == (Example("konser paslon", "ikut-kampanye"),)
    (warning,) = [
        p for p in result.problems if p.level == "warning" and "example on line 2" in p.message
    ]
    assert warning.line == 3


def test_a_broken_category_file_skips_the_example_checks(kb_dir: Path) -> None:
    """A syntax error elsewhere is reported alone, not as examples naming missing ids."""
    write_examples(kb_dir, 'examples:\n  - {q: "like postingan", id: medsos-like}\n')
    (kb_dir / "media-sosial.yaml").write_text("entries: [\n", encoding="utf-8")
    result = load_knowledge(kb_dir)
    assert result.kb is None
    assert not any("no entry or topic" in e.message for e in result.errors)


# The tuning sets: their questions teach the ranker (scripts/tune.py fits the decision
# cross-fitted). Every other evaluation set must stay unseen.
TUNING_SOURCES = frozenset(
    [f"real_tuning{n}.yaml" for n in ("", "2", "3", "6", "7")]
    + [f"tuning{n}.yaml" for n in ("", "2", "3")]
)
EVAL_FILES = sorted(
    [p for p in (ROOT / "tests" / "data").glob("*.yaml") if p.name not in TUNING_SOURCES]
    + [ROOT.parent / "shared" / "eval" / "dev.yaml"],
    key=lambda p: p.name,
)


@functools.cache
def _yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def _examples() -> dict[str, str]:
    """knowledge/contoh.yaml as {key: label}."""
    return {
        example_key(x["q"]): x["id"] for x in _yaml(ROOT / "knowledge" / "contoh.yaml")["examples"]
    }


def _questions(path: Path) -> set[str]:
    items = _yaml(path) or []
    turns = [t for item in items for t in item.get("turns", [item]) if isinstance(t, dict)]
    return {example_key(t["q"]) for t in turns if isinstance(t.get("q"), str)}


@pytest.mark.parametrize("path", [p for p in EVAL_FILES if p.exists()], ids=lambda p: p.name)
def test_no_example_is_a_question_of_an_unseen_evaluation_set(path: Path) -> None:
    """Held-out sets, the shared dev set and the older sets never teach the ranker."""
    assert not _examples().keys() & _questions(path)


def test_the_tuning_sets_are_examples_with_their_first_label() -> None:
    """Each in-scope question of a tuning set teaches its first (main) label, unless it is
    also a question of an unseen set (short questions recur word for word)."""
    examples = _examples()
    unseen = set().union(*(_questions(p) for p in EVAL_FILES if p.exists()))
    for name in sorted(TUNING_SOURCES):
        in_scope = [
            item for item in _yaml(ROOT / "tests" / "data" / name) if item["expect"] is not None
        ]
        taught = 0
        for item in in_scope:
            key = example_key(item["q"])
            first = item["expect"][0] if isinstance(item["expect"], list) else item["expect"]
            if key in unseen:
                assert key not in examples
            elif examples.get(key) == first:
                taught += 1
        assert taught >= 0.95 * len(in_scope), name


def _read_line_by_line(path: Path) -> bool:
    """Whether contoh.yaml at ``path`` takes the line-by-line path."""
    text = path.read_text(encoding="utf-8")
    return load_module._examples_as_built(str(path), text) is not None


def _both_ways(kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[LoadResult, LoadResult]:
    """The knowledge base loaded with contoh.yaml read line by line, then by the YAML parse."""
    fast = load_knowledge(kb_dir)
    with monkeypatch.context() as patch:
        patch.setattr(load_module, "_examples_as_built", lambda file, text: None)
        slow = load_knowledge(kb_dir)
    return fast, slow


def test_the_real_examples_read_line_by_line_are_the_parsed_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _read_line_by_line(ROOT / "knowledge" / "contoh.yaml")
    fast, slow = _both_ways(ROOT / "knowledge", monkeypatch)
    assert fast.kb is not None and slow.kb is not None
    assert fast.kb.examples == slow.kb.examples and len(fast.kb.examples) > 10_000
    assert fast.problems == slow.problems


@pytest.mark.parametrize(
    ("body", "fast_path"),
    [
        # as built: escapes, emoji, a wrong id and a repeated question keep their lines
        (
            "# comment\nexamples:\n"
            '  - {q: "kata \\"netral\\" itu apa \\\\ 🙏", id: asas-netralitas}\n'
            '  - {q: "like story caleg", id: tidak-ada}\n'
            '  - {q: "Like  story caleg", id: medsos-like}\n',
            True,
        ),
        # anything else goes to the YAML parse: another layout, a YAML word as id
        ("examples:\n  - q: like story caleg\n    id: medsos-like\n", False),
        ('examples:\n  - {q: "like story caleg", id: null}\n', False),
        ('examples:\n  - {q: "\\x41 like", id: medsos-like}\n', False),
        ("examples: [\n", False),
    ],
)
def test_examples_read_line_by_line_or_parsed_load_the_same(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch, body: str, fast_path: bool
) -> None:
    path = write_examples(kb_dir, body)
    assert _read_line_by_line(path) == fast_path
    fast, slow = _both_ways(kb_dir, monkeypatch)
    assert fast.problems == slow.problems
    assert (fast.kb and fast.kb.examples) == (slow.kb and slow.kb.examples)
