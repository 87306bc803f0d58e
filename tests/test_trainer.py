"""Training the learned ranker in a child process: the same model, and a fallback."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from bot import trainer
from bot.core import learned
from bot.core.learned import training_samples
from bot.core.models import KnowledgeBase
from bot.core.normalize import Normalizer


@pytest.fixture
def no_trainer() -> Iterator[None]:
    """The in-process trainer before and after the test."""
    learned.set_trainer(None)
    yield
    learned.set_trainer(None)


@pytest.mark.parametrize("min_df", [1, 2])
def test_the_child_trains_the_same_model(small_kb: KnowledgeBase, min_df: int) -> None:
    samples = training_samples(small_kb, Normalizer(small_kb.lexicon).tokens)
    here = learned.train(samples, min_df)
    there = trainer.train_in_child(samples, min_df)
    assert there.classes == here.classes and there.vocabulary == here.vocabulary
    for words in (("kampanye",), ("like", "instagram"), ("gaji",)):
        assert there.scores(words) == pytest.approx(here.scores(words), abs=1e-6)


def test_a_child_that_cannot_start_means_training_here(
    small_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr(trainer, "ProcessPoolExecutor", refuse)
    samples = training_samples(small_kb, Normalizer(small_kb.lexicon).tokens)
    model = trainer.train_in_child(samples)
    assert model.classes == learned.train(samples).classes


@pytest.mark.usefixtures("no_trainer")
def test_enable_routes_training_through_the_child(
    small_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting(
        samples: Sequence[tuple[Sequence[str], str]], min_df: int = 1
    ) -> learned.LearnedModel:
        calls.append(len(samples))
        return learned.train(samples, min_df)

    monkeypatch.setattr(trainer, "train_in_child", counting)
    monkeypatch.setattr(learned, "_MODELS", {})
    monkeypatch.setattr(learned, "_STORE", [])
    trainer.enable()
    norm = Normalizer(small_kb.lexicon)
    assert learned.model_for_texts(learned.training_texts(small_kb), norm.tokens, "x") is not None
    assert calls and calls[0] > 10
