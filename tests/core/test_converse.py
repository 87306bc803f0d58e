"""Engine.converse: follow-ups answered in context, standalone questions left alone."""

from __future__ import annotations

import pytest

from bot.core.conversation import Turn
from bot.core.engine import Engine
from bot.core.safety import is_permissive_first


def second_turn(engine: Engine, first: str, second: str) -> tuple[str, str | None, str | None]:
    turn = engine.converse(first).turn
    answer = engine.converse(second, turn)
    entry = answer.result.entry
    return answer.result.status, entry.id if entry else None, answer.followup


@pytest.mark.parametrize(
    ("first", "second", "entry_id", "followup"),
    [
        (
            "boleh gak pns like postingan caleg di ig?",
            "hukumannya apa?",
            "medsos-like-share-komentar",
            "sanction",
        ),
        ("asn boleh ikut kampanye?", "aturannya di mana?", "ikut-kampanye", "legal"),
        ("asn boleh ikut kampanye?", "kalau saya pppk?", "ikut-kampanye", "status"),
        ("asn boleh ikut kampanye?", "kalau di hari libur?", "ikut-kampanye", "elliptical"),
        # the sanction of the previous answer, though alone it reads as the general
        # sanctions entry: a few words naming a punishment ask for the sanction
        ("asn boleh ikut kampanye?", "langsung dipecat?", "ikut-kampanye", "sanction"),
        (
            "pns boleh like postingan caleg?",
            "masuk hukuman berat gak?",
            "medsos-like-share-komentar",
            "sanction",
        ),
        # being reported is what it costs, not a question on how to report
        (
            "pns boleh pasang twibbon caleg jadi foto profil wa?",
            "oke, terus klo saya udah ganti fotonya, masih bisa dilaporin?",
            "foto-profil-twibbon",
            "elliptical",
        ),
        # a standalone question is not taken over
        (
            "asn boleh ikut kampanye?",
            "apakah asn boleh menjadi anggota partai politik?",
            "anggota-partai",
            None,
        ),
    ],
)
def test_followup_answers(
    engine: Engine, first: str, second: str, entry_id: str, followup: str | None
) -> None:
    assert second_turn(engine, first, second) == ("answered", entry_id, followup)


@pytest.mark.parametrize(
    ("first", "second", "entry_id"),
    [
        # a new situation named in full gets its own entry
        (
            "asn boleh ikut kampanye?",
            "kalau pasang stiker caleg di mobil pribadi?",
            "alat-peraga-kampanye",
        ),
        ("boleh foto sama caleg?", "kalau pose dua jari?", "gestur-simbol-jari"),
        # the joined reading wins over a confident but context-free one
        (
            "boleh gak pns like postingan caleg di ig?",
            "kalau cuma di grup keluarga?",
            "medsos-like-share-komentar",
        ),
    ],
)
def test_new_situation_in_context(engine: Engine, first: str, second: str, entry_id: str) -> None:
    assert second_turn(engine, first, second)[:2] == ("answered", entry_id)


def test_the_answered_entry_is_kept_only_when_the_matcher_ranks_it_first(
    engine: Engine,
) -> None:
    # The safety net lists a forbidden act first among suggestions; that order must not
    # read as "the joined question still ranks the answered entry first".
    first = engine.converse("dosen PNS boleh jadi konsultan politik paslon gubernur?")
    assert first.result.entry is not None and first.result.entry.id == "tim-ahli-calon"
    second = engine.converse(
        "kalau saya sendiri yang mau daftar ke partai jadi bakal calon wakil gubernur?",
        first.turn,
    )
    assert second.result.status != "answered" or second.result.entry != first.result.entry
    assert "mendekati-partai" in [c.entry.id for c in second.result.candidates]


def test_unsure_elliptical_followup_is_no_dead_end(engine: Engine) -> None:
    turn = Turn("asn boleh ikut kampanye?", "ikut-kampanye")
    answer = engine.converse("kalau xyzzy qwerty?", turn)
    assert answer.result.status in ("answered", "ambiguous")
    assert "ikut-kampanye" in [c.entry.id for c in answer.result.candidates]


@pytest.mark.parametrize(
    "second",
    [
        "matur nuwun sanget pak",
        "makasih min",
        "ok siap",
        "gaji pns golongan 3a berapa",
        "resep rendang",
        "kalau gajinya?",
        # thanks and acknowledgements with more words around them
        "makasih pak, sangat membantu",
        "siap pak, dimengerti",
        "danke banyak e",
        "ok deh, sudah jelas",
        "matur nuwun sanget pak, sampun jelas 🙏",
        "makasih ye bang, mantep dah jawabannya",
        # joined to the question before it, its own sentence would answer that one again
        "kalau tps saya di mana ya?",
    ],
)
def test_small_talk_and_out_of_scope_not_hijacked(engine: Engine, second: str) -> None:
    status, entry_id, followup = second_turn(engine, "asn boleh ikut kampanye?", second)
    assert (status, entry_id, followup) == ("no_match", None, None)


def test_a_few_words_on_an_out_of_scope_subject_stand_alone(engine: Engine) -> None:
    # Declined alone (where to vote is election logistics), without "kalau"/"terus"
    # leaning on the voting question before it: not that question's entry again.
    status, entry_id, _ = second_turn(engine, "asn boleh nyoblos kan?", "tps saya di mana ya?")
    assert (status, entry_id) == ("no_match", None)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # asks for a sanction, but of lateness: non-political discipline, declined
        (
            "sanksi pns ga netral apa",
            "kalau pns telat masuk kantor terus sanksinya apa?",
            ("no_match", None),
        ),
        # a few words that are a whole question alone are not joined to the previous one
        (
            "dimasukkan ke grup wa pemenangan caleg tanpa izin",
            "lapor asn yg kampanye ke mana ya",
            ("answered", "cara-melapor"),
        ),
        # regional first persons: a status follow-up like "kalau saya pppk?"
        ("dapat sembako dr caleg, sy pns", "kalau ulun pppk?", ("answered", "politik-uang")),
        ("asn boleh ikut kampanye?", "kalau awak PPPK?", ("answered", "ikut-kampanye")),
    ],
)
def test_followup_or_new_question(
    engine: Engine, first: str, second: str, expected: tuple[str, str | None]
) -> None:
    status, entry_id, _ = second_turn(engine, first, second)
    assert (status, entry_id) == expected


def test_thanks_keeps_the_context(engine: Engine) -> None:
    turn = engine.converse("asn boleh ikut kampanye?").turn
    turn = engine.converse("makasih min", turn).turn
    answer = engine.converse("hukumannya apa?", turn)
    assert answer.result.entry is not None and answer.result.entry.id == "ikut-kampanye"


def test_sanction_followup_puts_the_sanction_first(engine: Engine) -> None:
    turn = engine.converse("asn boleh ikut kampanye?").turn
    text = engine.converse("sanksinya berat gak?", turn).reply.text
    parts = text.split("\n\n")
    assert parts[1].startswith("Sanksi:")


def test_legal_followup_puts_the_legal_basis_first(engine: Engine) -> None:
    turn = engine.converse("asn boleh ikut kampanye?").turn
    text = engine.converse("dasar hukumnya apa?", turn).reply.text
    assert text.split("\n\n")[1].startswith("Dasar hukum:")


@pytest.mark.parametrize("message", ["kalau saya pppk?", "hukumannya apa?", "aturannya di mana?"])
def test_followup_as_first_message_gets_a_sensible_reply(engine: Engine, message: str) -> None:
    answer = engine.converse(message, None)
    assert answer.reply.text
    assert answer.followup is None
    assert answer.turn is not None and answer.turn.text == message


def test_status_is_remembered_across_turns(engine: Engine) -> None:
    turn = engine.converse("saya pppk, boleh ikut kampanye?").turn
    assert turn is not None and turn.status == "pppk"
    turn = engine.converse("kalau like postingan caleg?", turn).turn
    assert turn is not None and turn.status == "pppk"


def test_chosen_entry_becomes_the_context(engine: Engine) -> None:
    turn = engine.chose("gestur-simbol-jari", Turn("x", None, "cpns"))
    assert turn == Turn(
        engine.kb.get("gestur-simbol-jari").canonical_question,  # type: ignore[union-attr]
        "gestur-simbol-jari",
        "cpns",
    )
    answer = engine.converse("sanksinya apa?", turn)
    assert answer.result.entry is not None and answer.result.entry.id == "gestur-simbol-jari"
    assert engine.chose("no-such-entry", turn) == turn


def test_huge_followup_is_bounded(engine: Engine) -> None:
    turn = engine.converse("asn boleh ikut kampanye?").turn
    answer = engine.converse("kalau " + "x" * 50_000, turn)
    assert answer.reply.text


def test_status_followup_shows_that_status_card(engine: Engine) -> None:
    turn = Turn("suami saya caleg, boleh saya dampingi saat kampanye?", "pasangan-calon")
    answer = engine.converse("kalau saya pppk?", turn)
    assert answer.followup == "status" and answer.status == "pppk"
    head = answer.reply.text.split("\n", 1)[0]
    assert head.startswith("⛔ DILARANG bagi PPPK")
    assert answer.reply.text.split("\n\n")[1].startswith("Untuk PPPK:")


def test_remembered_status_shapes_later_cards(engine: Engine) -> None:
    turn = engine.converse("saya p3k, boleh ikut kampanye?").turn
    answer = engine.converse("hukumannya apa?", turn)
    assert answer.status == "pppk"
    assert answer.reply.text.split("\n\n")[1].startswith("Sanksi bagi PPPK:")
    assert engine.show("ikut-kampanye", "pppk").text.split("\n\n")[1].startswith("Untuk PPPK")  # type: ignore[union-attr]


def test_declined_question_ends_the_context(engine: Engine) -> None:
    turn = engine.converse("asn boleh ikut kampanye?").turn
    turn = engine.converse("gaji pns golongan 3a berapa", turn).turn
    assert turn is not None and turn.entry_id is None
    answer = engine.converse("hukumannya apa?", turn)
    assert answer.followup is None


def test_suggestions_make_the_first_one_the_context(engine: Engine) -> None:
    answer = engine.converse("asn ikut acara calon")
    assert answer.result.status == "ambiguous"
    first = answer.result.candidates[0].entry
    assert answer.turn is not None and answer.turn.entry_id == first.id


@pytest.mark.parametrize(
    "second",
    ["kalau sekalian bagi uang ke warga?", "kalau sekalian pakai kaos paslon?"],
)
def test_a_forbidden_act_added_to_an_allowed_one_leads_with_the_prohibition(
    engine: Engine, second: str
) -> None:
    """Answered or offered, the forbidden act comes first and becomes the context."""
    answer = engine.converse(second, Turn("boleh nyoblos?", "hak-pilih"))
    first = answer.result.candidates[0].entry
    assert first.verdict == "dilarang"
    assert answer.turn is not None and answer.turn.entry_id == first.id


@pytest.mark.parametrize("second", ["hukumannya apa?", "aturannya di mana?", "kalau saya pppk?"])
def test_a_followup_after_suggestions_offers_them_again(engine: Engine, second: str) -> None:
    """After "Maksud Anda" with several entries, "hukumannya?" cannot pick the first one as
    if it had been answered: unless the joined question reads clearly, the same entries
    are offered again."""
    first = engine.converse("asn ikut acara calon")
    assert first.result.status == "ambiguous" and len(first.result.candidates) > 1
    offered = [c.entry.id for c in first.result.candidates]
    assert first.turn is not None and first.turn.offered == tuple(offered)
    again = engine.converse(second, first.turn)
    joined = engine.matcher.match(f"{first.turn.text} {second}")
    if joined.status == "answered" and joined.entry is not None:
        # The joined question reads clearly ("asn ikut acara calon hukumannya apa?": the
        # disciplinary sanctions): that, not the first suggestion as a guess.
        assert again.result.status == "answered" and again.result.entry == joined.entry
        return
    assert again.result.status == "ambiguous"
    assert [c.entry.id for c in again.result.candidates] == offered
    assert again.turn is not None and again.turn.offered == tuple(offered)


def test_a_followup_after_one_suggestion_keeps_it_as_the_context(engine: Engine) -> None:
    turn = Turn("asn bantu caleg", "tim-kampanye", None, ("tim-kampanye",))
    answer = engine.converse("hukumannya apa?", turn)
    assert answer.result.status == "answered"
    assert answer.result.entry is not None and answer.result.entry.id == "tim-kampanye"


def test_a_sanction_followup_naming_a_sibling_entry_gets_that_entry(engine: Engine) -> None:
    """After the disciplinary sanctions, "kalau sanksi pidananya?" asks for the criminal
    ones: an entry of the same category that the follow-up names on its own."""
    status, entry_id, _ = second_turn(engine, "sanksi pns ga netral apa", "kalau sanksi pidananya?")
    assert (status, entry_id) == ("answered", "sanksi-pidana")
    # an act's sanction stays with the act, even when criminal words are used
    status, entry_id, _ = second_turn(engine, "asn boleh ikut kampanye?", "bisa dipenjara gak?")
    assert (status, entry_id) == ("answered", "ikut-kampanye")


@pytest.mark.parametrize(
    ("first", "second", "entry_id"),
    [
        # from real_tuning4_conversations.yaml (tuning): unsure alone and joined, but the
        # joined reading still ranks the entry just answered first
        (
            "min pns boleh share video debat cagub ke grup wa keluarga gak? cuma buat info aja"
            " sih biar pada tau programnya",
            "kalau grup keluarganya isinya cuma 8 orang, ttp gak boleh?",
            "medsos-like-share-komentar",
        ),
        (
            "Punten, abdi CPNS di Kab. Garut. Pun bapa nyalonkeun DPRD, anjeunna nyuhunkeun abdi"
            " masang spanduk di pager bumi. Kenging teu?",
            "upami pagerna kagungan pun bapa, sanes bumi abdi?",
            "alat-peraga-kampanye",
        ),
    ],
)
def test_an_unsure_followup_that_still_ranks_the_answered_entry_first_gets_it(
    engine: Engine, first: str, second: str, entry_id: str
) -> None:
    status, answered, _ = second_turn(engine, first, second)
    assert (status, answered) == ("answered", entry_id)


@pytest.mark.parametrize(
    ("message", "status", "label"),
    [
        ("kalau saya pppk?", "pppk", "PPPK"),
        ("sy cpns", "cpns", "CPNS"),
        ("kalo ulun pns?", "pns", "PNS"),
    ],
)
def test_a_status_with_nothing_before_it_is_noted_and_the_question_asked_for(
    engine: Engine, message: str, status: str, label: str
) -> None:
    answer = engine.converse(message, None)
    assert answer.result.status == "no_match" and not answer.loggable
    assert f"Anda {label}" in answer.reply.text and "tanyakan" in answer.reply.text
    assert answer.turn is not None and answer.turn.status == status
    # the next question is answered for that status
    after = engine.converse("boleh ikut kampanye?", answer.turn)
    assert after.result.entry is not None and after.result.entry.id == "ikut-kampanye"
    assert after.status == status


@pytest.mark.parametrize("reaction", ["lah kok gitu", "lho kok gitu sih"])
def test_a_reaction_without_a_question_keeps_the_context(engine: Engine, reaction: str) -> None:
    turn = engine.converse("asn boleh ikut kampanye?").turn
    answer = engine.converse(reaction, turn)
    assert answer.result.status == "no_match" and answer.smalltalk is not None
    assert not answer.loggable
    after = engine.converse("hukumannya apa?", answer.turn)
    assert after.result.entry is not None and after.result.entry.id == "ikut-kampanye"


@pytest.mark.parametrize(
    ("first", "second", "entry_id"),
    [
        (
            "boleh gak asn share video kampanye calon di status wa?",
            "kalau pasang baliho di depan rumah, hukumannya apa?",
            "alat-peraga-kampanye",
        ),
        ("asn boleh ikut kampanye?", "kalau pakai mobil dinas, sanksinya?", "fasilitas-negara"),
    ],
)
def test_a_sanction_question_naming_another_act_gets_that_acts_sanction(
    engine: Engine, first: str, second: str, entry_id: str
) -> None:
    status, answered, _ = second_turn(engine, first, second)
    assert (status, answered) == ("answered", entry_id)
    answer = engine.converse(second, engine.converse(first).turn)
    assert answer.reply.text.index("Sanksi") < answer.reply.text.index("Dasar hukum")


def test_a_third_turn_can_return_to_the_first_subject(engine: Engine) -> None:
    first = engine.converse("pns boleh like postingan paslon di tiktok ga?")
    assert first.result.entry is not None
    liked = first.result.entry.id
    second = engine.converse("kalau pasang twibbon di foto profil?", first.turn)
    assert second.result.entry is not None and second.result.entry.id != liked
    assert second.turn is not None and second.turn.earlier is not None
    assert second.turn.earlier.entry_id == liked
    third = engine.converse("balik ke yg tadi, hukumannya apa?", second.turn)
    assert third.result.entry is not None and third.result.entry.id == liked
    assert third.followup == "sanction"
    # ...and the twibbon is now the subject to go back to.
    assert third.turn is not None and third.turn.earlier is not None
    assert third.turn.earlier.entry_id == second.result.entry.id


def test_without_an_earlier_subject_a_return_is_an_ordinary_question(engine: Engine) -> None:
    answer = engine.converse("balik ke yg tadi, pns boleh ikut kampanye?")
    assert answer.result.entry is not None and answer.result.entry.id == "ikut-kampanye"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("boleh pns nyoblos?", "kalau sekalian bagi amplop ke tetangga?"),
        ("asn boleh jadi kpps?", "terus sekalian pakai kaos paslon?"),
        ("pns boleh nyoblos?", "sekalian ajak tetangga pilih paslon 2 boleh?"),
    ],
)
def test_a_followup_that_adds_a_forbidden_act_never_opens_with_a_permissive_verdict(
    engine: Engine, first: str, second: str
) -> None:
    turn = engine.converse(first).turn
    answer = engine.converse(second, turn)
    assert not is_permissive_first(answer.result)
    assert not answer.reply.text.startswith(("✅", "⚠️"))
