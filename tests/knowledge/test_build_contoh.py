"""scripts/build_contoh.py: writers' files joined into a valid contoh.yaml."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

from bot.core.models import Example
from bot.knowledge import load_knowledge
from tests.conftest import SMALL_KB

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_contoh.py"


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_contoh", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def examples_of(text: str, tmp_path: Path) -> tuple[Example, ...]:
    """The examples of a built contoh.yaml, loaded and validated with the fixture base."""
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(SMALL_KB, kb_dir)
    (kb_dir / "contoh.yaml").write_text(text, encoding="utf-8")
    result = load_knowledge(kb_dir)
    assert result.errors == [] and result.kb is not None
    return result.kb.examples


def test_parts_are_joined_deduplicated_and_validated(tmp_path: Path) -> None:
    one = tmp_path / "part-a.yaml"
    one.write_text(
        "# a writer's notes\n"
        '- {q: "sy pns,  boleh liat konser paslon?", expect: ikut-kampanye, status: pns}\n'
        '- {q: "tpp kapan cair", expect: "~gaji-tunjangan"}\n'
        '- {q: "dua entri sekaligus", expect: [ikut-kampanye, medsos-like]}\n'
        '- {q: "di luar cakupan", expect: null}\n',
        encoding="utf-8",
    )
    two = tmp_path / "part-b.yaml"
    two.write_text('- {q: "SY PNS, boleh liat konser paslon?", expect: medsos-like}\n')
    text, count = script().build([one, two])
    assert count == 2
    assert examples_of(text, tmp_path) == (
        Example("sy pns, boleh liat konser paslon?", "ikut-kampanye"),
        Example("tpp kapan cair", "gaji-tunjangan"),
    )


def test_tuning_and_main_first_files_teach_their_first_id_and_exclusions_never(
    tmp_path: Path,
) -> None:
    part = tmp_path / "part-a.yaml"
    part.write_text('- {q: "dua entri", expect: [ikut-kampanye, medsos-like]}\n')
    writer = tmp_path / "c" / "questions.yaml"
    writer.parent.mkdir()
    writer.write_text(
        '- {q: "like story caleg", expect: [medsos-like, ikut-kampanye]}\n'
        '- {q: "pertanyaan yang juga ada di set uji", expect: ikut-kampanye}\n'
    )
    tuning = tmp_path / "real_tuning.yaml"
    tuning.write_text(
        '- {q: "nonton konser paslon", expect: [ikut-kampanye, medsos-like]}\n'
        '- {q: "tpp kapan cair", expect: null}\n'  # out of scope: names no topic
    )
    held_out = tmp_path / "real_heldout_conversations.yaml"
    held_out.write_text(
        "- turns:\n"
        '    - {q: "Pertanyaan yang juga ada  di set uji", expect: ikut-kampanye}\n'
        '    - {q: "kalau saya pppk?", expect: ikut-kampanye}\n'
    )
    text, count = script().build([part], [tuning], [held_out], [writer])
    assert count == 2
    assert "  # --- c/questions.yaml\n" in text and "  # --- tuning: real_tuning.yaml\n" in text
    assert examples_of(text, tmp_path) == (
        Example("like story caleg", "medsos-like"),
        Example("nonton konser paslon", "ikut-kampanye"),
    )
