"""Callback data: ids only, within 64 bytes, parsed back exactly."""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.models import KnowledgeBase
from bot.core.render import Button, render_entry
from bot.querylog import new_qid
from bot.tg import keyboards


@pytest.mark.parametrize(
    ("button", "action", "kind"),
    [
        (Button("suggestion", "x", "ikut-kampanye"), "entry", "suggestion"),
        (Button("related", "x", "ikut-kampanye"), "entry", "related"),
        (Button("sources", "x", "ikut-kampanye"), "entry", "sources"),
        (Button("feedback_up", "x", "ikut-kampanye"), "feedback", "up"),
        (Button("feedback_down", "x", "ikut-kampanye"), "feedback", "down"),
    ],
)
def test_round_trip(button: Button, action: str, kind: str) -> None:
    qid = new_qid()
    parsed = keyboards.parse(keyboards.button_data(button, qid))
    assert parsed == keyboards.Callback(action, "ikut-kampanye", qid, kind)


@pytest.mark.parametrize("data", [None, "", "x", "e::q:s", "f:z:id:q", "c:", "e:id:q:zz", "t:1"])
def test_malformed_is_ignored(data: str | None) -> None:
    assert keyboards.parse(data) is None


def test_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        keyboards.encode("e", "x" * 70)


def test_every_real_button_fits(kb: KnowledgeBase, engine: Engine) -> None:
    qid = new_qid()
    for entry in kb.entries:
        markup = keyboards.reply_keyboard(render_entry(entry, kb).buttons, qid)
        assert markup is not None
        for row in markup.inline_keyboard:
            for b in row:
                assert b.callback_data is not None
                assert len(str(b.callback_data).encode()) <= 64
    for category in kb.categories:
        assert keyboards.category_keyboard(kb, category.id) is not None
    assert keyboards.category_keyboard(kb, "nope") is None
