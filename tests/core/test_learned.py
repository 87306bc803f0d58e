"""The learned ranker: features, determinism, the model cache on disk, retraining on change."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot import modelcache
from bot.core import learned
from bot.core.learned import (
    TOPIC_PREFIX,
    LearnedModel,
    features,
    fingerprint,
    model_for,
    model_for_texts,
    train,
    training_samples,
)
from bot.core.matcher import DEFAULT_WEIGHTS, Matcher, learned_models
from bot.core.models import KnowledgeBase
from bot.core.normalize import Normalizer


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model trained earlier in this process, and no store."""
    monkeypatch.setattr(learned, "_MODELS", {})
    monkeypatch.setattr(learned, "_STORE", [])


def samples(kb: KnowledgeBase) -> list[tuple[tuple[str, ...], str]]:
    return training_samples(kb, Normalizer(kb.lexicon).tokens)


def test_features() -> None:
    assert features(["ab"]) == [" a", "ab", "b ", " ab", "ab ", " ab ", "w:ab"]
    assert "b:pns_kampanye" in features(["pns", "kampanye"])
    assert features([]) == []


def test_samples_cover_entries_and_topics(small_kb: KnowledgeBase) -> None:
    labels = {label for _, label in samples(small_kb)}
    assert {e.id for e in small_kb.entries} <= labels
    assert {f"{TOPIC_PREFIX}{t.id}" for t in small_kb.offtopics} <= labels


def test_training_is_deterministic(small_kb: KnowledgeBase) -> None:
    data = samples(small_kb)
    first, second = train(data).to_arrays(), train(data).to_arrays()
    assert first.keys() == second.keys()
    for key in first:
        assert np.array_equal(first[key], second[key]), key


def test_min_df_leaves_out_rare_features(small_kb: KnowledgeBase) -> None:
    data = samples(small_kb)
    full, pruned = train(data), train(data, min_df=2)
    assert set(pruned.vocabulary) < set(full.vocabulary)
    assert pruned.classes == full.classes
    texts = [(text, "a") for text in ("asn ikut kampanye", "asn pasang baliho")]
    texts += [(text, "b") for text in ("gaji pns naik", "gaji pppk naik")]
    norm = Normalizer(small_kb.lexicon)
    assert model_for_texts(texts, norm.tokens, "s") is not model_for_texts(
        texts, norm.tokens, "s", min_df=2
    )


def test_arrays_round_trip(small_kb: KnowledgeBase) -> None:
    model = train(samples(small_kb))
    again = LearnedModel.from_arrays(model.to_arrays())
    tokens = ("asn", "ikut", "kampanye")
    assert again.scores(tokens) == model.scores(tokens)


def test_inconsistent_arrays_are_refused(small_kb: KnowledgeBase) -> None:
    arrays = train(samples(small_kb)).to_arrays()
    arrays["idf"] = arrays["idf"][:-1]
    with pytest.raises(ValueError):
        LearnedModel.from_arrays(arrays)


def test_the_learned_ranker_alone_knows_the_phrasings(small_kb: KnowledgeBase) -> None:
    model = train(samples(small_kb))
    norm = Normalizer(small_kb.lexicon)
    for entry in small_kb.entries:
        scores = model.scores(norm.tokens(entry.canonical_question))
        assert max(scores, key=lambda c: scores[c]) == entry.id


def test_unknown_features_only_give_the_intercepts(small_kb: KnowledgeBase) -> None:
    model = train(samples(small_kb))
    scores = model.scores(("zzzzqqq",))
    assert list(scores.values()) == pytest.approx([float(x) for x in model.intercept])


def test_a_changed_knowledge_base_has_another_key(small_kb: KnowledgeBase) -> None:
    data = samples(small_kb)
    changed = [*data[:-1], ((*data[-1][0], "baru"), data[-1][1])]
    assert fingerprint(data) != fingerprint(changed)
    assert fingerprint(data) == fingerprint(list(data))


@pytest.mark.usefixtures("fresh")
def test_the_store_saves_then_serves_the_model(
    small_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = modelcache.enable(tmp_path)
    data = samples(small_kb)
    trained = model_for(data)
    assert trained is not None
    assert store.path(fingerprint(data)).exists()
    # A new process: nothing in memory, the file is read and training is not needed.
    monkeypatch.setattr(learned, "_MODELS", {})

    def no_training(_: object) -> LearnedModel:
        raise AssertionError("trained again")

    monkeypatch.setattr(learned, "train", no_training)
    loaded = model_for(data)
    assert loaded is not None and loaded.scores(("kampanye",)) == trained.scores(("kampanye",))


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04garbage"])
def test_a_corrupt_cache_file_means_training_again(
    small_kb: KnowledgeBase, tmp_path: Path, content: bytes
) -> None:
    store = modelcache.enable(tmp_path)
    data = samples(small_kb)
    store.path(fingerprint(data)).write_bytes(content)
    model = model_for(data)
    assert model is not None and model.classes
    assert store.load(fingerprint(data)) is not None  # rewritten


@pytest.mark.usefixtures("fresh")
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_folder_still_works(small_kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        modelcache.enable(folder)
        assert model_for(samples(small_kb)) is not None
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o700)


@pytest.mark.usefixtures("fresh")
def test_a_cache_path_that_is_a_file_still_works(small_kb: KnowledgeBase, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    modelcache.enable(blocker / "sub")
    assert model_for(samples(small_kb)) is not None


@pytest.mark.usefixtures("fresh")
def test_old_models_are_pruned(small_kb: KnowledgeBase, tmp_path: Path) -> None:
    store = modelcache.enable(tmp_path)
    data = samples(small_kb)
    for i in range(modelcache.KEEP + 2):
        model_for([*data, ((f"kata{i}",), data[0][1])])
    assert len(list(tmp_path.glob("learned-*.npz"))) == modelcache.KEEP
    assert store.folder == tmp_path


def test_switched_off_the_matcher_has_no_model(small_kb: KnowledgeBase) -> None:
    matcher = Matcher(small_kb, weights=replace(DEFAULT_WEIGHTS, learned=0.0))
    assert matcher.learned is None
    assert all(c.learned == 0.0 for c in matcher.rank(matcher.tokens("asn ikut kampanye")))


def test_the_raw_word_model_speaks_beside_the_token_model(small_kb: KnowledgeBase) -> None:
    matcher = Matcher(small_kb)
    assert matcher.learned is not None and matcher.learned_raw is not None
    assert matcher.learned_raw.classes == matcher.learned.classes

    # Raw words keep what normalising merges (affixes, synonyms): words the token model
    # never sees whole.
    def words(model: learned.LearnedModel) -> set[str]:
        return {k for k in model.vocabulary if k.startswith("w:")}

    assert words(matcher.learned_raw) - words(matcher.learned)
    question = "bolehkah asn berkampanye untuk caleg?"
    tokens = matcher.tokens(question)
    alone = {c.entry.id: c.learned for c in matcher.rank(tokens)}
    blended = {c.entry.id: c.learned for c in matcher.rank_text(question)}
    assert alone.keys() & blended.keys()
    assert alone != blended  # the raw model's margins are blended in
    assert matcher.rank_text(question) == matcher.rank_text(question)  # deterministic


def test_without_a_raw_share_no_raw_word_model_is_trained(small_kb: KnowledgeBase) -> None:
    matcher = Matcher(small_kb, weights=replace(DEFAULT_WEIGHTS, raw_share=0.0))
    assert matcher.learned is not None and matcher.learned_raw is None
    assert matcher.raw("asn ikut kampanye") == ()
    question = "asn ikut kampanye"
    assert matcher.rank_text(question) == matcher.rank(matcher.tokens(question))


def test_one_entry_and_no_topic_needs_no_model(small_kb: KnowledgeBase) -> None:
    one = replace(small_kb, entries=small_kb.entries[:1], offtopics=())
    matcher = Matcher(one)
    assert matcher.learned is None  # a single class: nothing to learn
    entry = one.entries[0]
    result = matcher.match(entry.canonical_question)
    assert result.candidates and result.candidates[0].entry.id == entry.id
    assert result.candidates[0].learned == 0.0


@pytest.mark.usefixtures("fresh")
def test_a_stored_model_is_found_from_the_texts_without_normalising_them(
    small_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modelcache.enable(tmp_path)
    norm = Normalizer(small_kb.lexicon)
    texts = learned.training_texts(small_kb)
    trained = learned.model_for_texts(texts, norm.tokens, norm.fingerprint)
    assert trained is not None
    # A new process: the stored model is found by the texts' hash; nothing is tokenised.
    monkeypatch.setattr(learned, "_MODELS", {})

    def no_tokens(_: str) -> list[str]:
        raise AssertionError("tokenised again")

    loaded = learned.model_for_texts(texts, no_tokens, norm.fingerprint)
    assert loaded is not None and loaded.classes == trained.classes


@pytest.mark.usefixtures("fresh")
def test_another_normalisation_means_another_model(small_kb: KnowledgeBase) -> None:
    """The same texts under a changed lexicon give other tokens: never the old model."""
    norm = Normalizer(small_kb.lexicon)
    texts = learned.training_texts(small_kb)
    first = learned.model_for_texts(texts, norm.tokens, norm.fingerprint)
    changed = replace(small_kb.lexicon, places=frozenset({"kampanye"}))
    other = Normalizer(changed)
    assert other.fingerprint != norm.fingerprint
    second = learned.model_for_texts(texts, other.tokens, other.fingerprint)
    assert first is not None and second is not None and first is not second
    assert first.vocabulary != second.vocabulary


def test_the_normalizer_fingerprint_follows_the_lexicon(small_kb: KnowledgeBase) -> None:
    lexicon = small_kb.lexicon
    same = Normalizer(replace(lexicon, synonyms=dict(lexicon.synonyms)))
    assert same.fingerprint == Normalizer(lexicon).fingerprint
    for changed in (
        replace(lexicon, synonyms={**lexicon.synonyms, "ngab": "kamu"}),
        replace(lexicon, stopwords=lexicon.stopwords | {"lho"}),
        replace(lexicon, protected=lexicon.protected | {"salatiga"}),
        replace(lexicon, places=lexicon.places | {"salatiga"}),
    ):
        assert Normalizer(changed).fingerprint != Normalizer(lexicon).fingerprint
    assert Normalizer(lexicon, stemmer=str.lower).fingerprint != Normalizer(lexicon).fingerprint


@pytest.mark.usefixtures("fresh")
def test_two_models_train_side_by_side_when_a_trainer_runs_them(
    small_kb: KnowledgeBase,
) -> None:
    both_at_once = threading.Barrier(2, timeout=20)

    def elsewhere(samples: Sequence[tuple[Sequence[str], str]], min_df: int = 1) -> LearnedModel:
        both_at_once.wait()  # raises BrokenBarrierError unless the other one trains too
        return train(samples, min_df)

    learned.set_trainer(elsewhere)
    try:
        tokens, words = learned_models(small_kb, Normalizer(small_kb.lexicon))
    finally:
        learned.set_trainer(None)
    assert tokens is not None and words is not None
    assert set(words.vocabulary) != set(tokens.vocabulary)


def test_without_a_trainer_the_models_are_built_one_after_the_other() -> None:
    order: list[str] = []

    def build(name: str) -> None:
        order.append(f"{name} {threading.current_thread() is threading.main_thread()}")

    assert learned.build_both(lambda: build("first"), lambda: build("second")) == (None, None)
    assert order == ["first True", "second True"]


def test_a_model_stored_with_a_string_array_vocabulary_still_loads(
    small_kb: KnowledgeBase,
) -> None:
    """Models stored before the vocabulary became one byte string are still read."""
    model = train(samples(small_kb))
    arrays = model.to_arrays()
    assert arrays["vocabulary"].dtype == np.uint8
    names = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    old = {**arrays, "vocabulary": np.array(names, dtype=np.str_)}
    again = LearnedModel.from_arrays(old)
    assert again.vocabulary == model.vocabulary
    tokens = ("asn", "ikut", "kampanye")
    assert again.scores(tokens) == model.scores(tokens)
