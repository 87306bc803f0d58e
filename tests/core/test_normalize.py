"""Each normalisation rule on its own, then the whole pipeline."""

from __future__ import annotations

import pytest

from bot.core.models import KnowledgeBase, Lexicon
from bot.core.normalize import Normalizer, basic_clean, number_word, unique

LEXICON = Lexicon(
    synonyms={
        "pns": "asn",
        "gak": "tidak",
        "boleh gak": "bolehkah",
        "pegawai negeri sipil": "asn",
        "ig": "instagram",
        "medsos": "media sosial",
    },
    stopwords=frozenset({"apakah", "sih", "min", "ya", "di"}),
    protected=frozenset({"pemilu"}),
)


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer(LEXICON)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Boleh GAK?", "boleh gak"),  # case and punctuation
        ("kampanye!!! 😅🙏", "kampanye"),  # emoji
        ("bolehhh dongggg", "boleh dong"),  # repeated letters
        ("foto2 bareng", "foto bareng"),  # reduplication with a digit
        ("foto-foto bareng", "foto bareng"),  # reduplication with a hyphen
        ("nge-like dan e-KTP", "ngelike dan ektp"),  # hyphenated prefixes glued
        ("pns-pppk", "pns pppk"),  # other hyphens split; "pppk" keeps its letters
        ("PPPK wajib netral", "pppk wajib netral"),
        ("tanya @netral_bot ya", "tanya ya"),  # mentions dropped
        ("lihat https://example.org/x", "lihat"),  # URLs dropped
        ("Pegawai  negeri\n\tsipil", "pegawai negeri sipil"),  # whitespace
        ("café", "cafe"),  # accents
        ("", ""),
        ("🙏🙏🙏", ""),
    ],
)
def test_basic_clean(raw: str, clean: str) -> None:
    assert basic_clean(raw) == clean


@pytest.mark.parametrize(
    ("token", "word"),
    [("2", "dua"), ("02", "dua"), ("1", "satu"), ("2023", "2023"), ("p3k", "p3k")],
)
def test_number_word(token: str, word: str) -> None:
    assert number_word(token) == word


def test_synonyms_longest_phrase_wins(norm: Normalizer) -> None:
    assert norm.words("boleh gak pns") == ["bolehkah", "asn"]
    assert norm.words("gak boleh") == ["tidak", "boleh"]
    assert norm.words("pegawai negeri sipil") == ["asn"]


def test_synonym_to_multiword_canonical(norm: Normalizer) -> None:
    assert norm.words("medsos") == ["media", "sosial"]


def test_stopwords_removed(norm: Normalizer) -> None:
    assert norm.tokens("apakah boleh sih min ya") == ["boleh"]


def test_nge_prefix_dropped(norm: Normalizer) -> None:
    assert norm.words("ngeshare ngepost") == ["share", "post"]
    assert norm.words("ngeri") == ["ngeri"]  # too short to be a prefix


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("berkampanye", "kampanye"),
        ("mengampanyekan", "kampanye"),
        ("dukungan", "dukung"),
        ("mendukung", "dukung"),
        ("pemilu", "pemilu"),  # protected: Sastrawi would give "milu"
        ("asn", "asn"),  # short words are left alone
        ("p3k", "p3k"),  # words with digits are left alone
    ],
)
def test_stemming(norm: Normalizer, word: str, stem: str) -> None:
    assert norm.stem(word) == stem


def test_synonym_targets_not_stemmed() -> None:
    lexicon = Lexicon(synonyms={"pilpres": "pemilihan"})
    norm = Normalizer(lexicon)
    assert norm.tokens("pilpres") == ["pemilihan"]
    assert norm.tokens("pemilihan") == ["pemilihan"]


def test_custom_stemmer_is_used() -> None:
    norm = Normalizer(Lexicon(), stemmer=lambda w: w.upper())
    assert norm.tokens("kampanye") == ["KAMPANYE"]


def test_full_pipeline(norm: Normalizer) -> None:
    tokens = norm.tokens("Boleh gak sih PNS ngelike postingan capres di IG??? 😅")
    assert tokens == ["bolehkah", "asn", "like", "postingan", "capres", "instagram"]


def test_key_is_order_preserving_join(norm: Normalizer) -> None:
    assert norm.key("PNS berkampanye!!") == "asn kampanye"


def test_unique_keeps_first() -> None:
    assert unique(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


# -- the project's lexicon: regional and mixed-language words ------------------------------


@pytest.fixture(scope="module")
def lexicon_norm(kb: KnowledgeBase) -> Normalizer:
    """A normaliser over knowledge/sinonim.yaml (the real lexicon and stemmer)."""
    return Normalizer(kb.lexicon)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # Javanese, ngoko
        ("pns oleh melu kampanye ora?", ["asn", "boleh", "ikut", "kampanye", "tidak"]),
        ("aku pns, entuk dadi timses?", ["asn", "boleh", "jadi", "timses"]),
        ("bojoku nyaleg, aku kudu piye?", ["istri", "nyalon", "harus", "bagaimana"]),
        ("wingi dikei duit karo caleg", ["terima", "uang", "calon"]),
        ("nek kancane nggawe konten opo iso?", ["teman", "buat", "konten", "bisa"]),
        ("ora oleh masang spanduk", ["tidak", "boleh", "pasang", "baliho"]),
        ("pns nganggo kaos partai", ["asn", "pakai", "kaos", "partai"]),
        ("njaluk ktp kanggo calon", ["minta", "ktp", "calon"]),
        # Javanese, krama
        ("kulo pns, nopo angsal ndherek kampanye?", ["asn", "boleh", "ikut", "kampanye"]),
        ("garwa kula dados caleg, pripun?", ["istri", "jadi", "calon", "bagaimana"]),
        ("menawi sampun nampi amplop", ["terima", "amplop"]),
        ("mboten angsal kalih timses", ["tidak", "boleh", "timses"]),
        ("nuwun sewu badhe nyuwun pirsa", []),
        # Sundanese
        ("abdi pns, kenging ngiring kampanye teu?", ["asn", "boleh", "ikut", "kampanye", "tidak"]),
        ("urang pns meunang milu kampanye henteu", ["asn", "boleh", "ikut", "kampanye", "tidak"]),
        ("salaki abdi janten caleg, kumaha?", ["istri", "jadi", "calon", "bagaimana"]),
        ("naha asn kedah netral", ["kenapa", "asn", "harus", "netral"]),
        ("upami dibere artos sareng timses", ["terima", "uang", "timses"]),
        ("iraha pns tiasa nyoblos", ["kapan", "asn", "bisa", "coblos"]),
        ("teu kenging didamel", ["tidak", "boleh", "buat"]),
        # English, alone or mixed into Indonesian
        (
            "is it ok if I repost my friend's caleg poster?",
            ["boleh", "share", "teman", "calon", "poster"],
        ),
        (
            "can a civil servant join a campaign rally",
            ["boleh", "asn", "ikut", "kampanye", "kampanye"],
        ),
        (
            "asn jadi konsultan calon, is it allowed?",
            ["asn", "jadi", "konsultan", "calon", "boleh"],
        ),
        ("what is the punishment for civil servants", ["sanksi", "asn"]),
        ("become a member of a political party", ["jadi", "anggota", "partai"]),
        ("my husband is a candidate", ["istri", "calon"]),
        ("use the official car for the campaign", ["pakai", "randis", "kampanye"]),
        ("pose with two fingers", ["pose", "dua", "jari"]),
        ("why must civil servants be neutral", ["kenapa", "harus", "asn", "netral"]),
        ("who must be neutral", ["siapa", "wajib", "netral"]),
        # Betawi and Jakarta slang
        (
            "gue pns, boleh kagak dateng ke kampanye?",
            ["asn", "boleh", "tidak", "hadir", "kampanye"],
        ),
        ("lu pns kan? kaga boleh ikut kampanye", ["asn", "tidak", "boleh", "ikut", "kampanye"]),
        ("aye pns, kalo terima amplop gimane?", ["asn", "terima", "amplop", "bagaimana"]),
        (
            "gw p3k, gaboleh like postingan caleg ya?",
            ["pppk", "tidak", "boleh", "suka", "posting", "calon"],
        ),
        ("ngapain pns ikut kampanye", ["kenapa", "asn", "ikut", "kampanye"]),
        ("atasanku ngongkon milih nomer siji", ["atasan", "suruh", "pilih", "nomor", "satu"]),
        ("ngacungkeun dua ramo", ["acung", "dua", "jari"]),
        ("kaga ape ape kan?", ["boleh"]),
        ("who supervises neutrality, which law regulates it", ["awas", "netral", "hukum", "atur"]),
        # new words for known situations
        ("kirim stiker wa paslon", ["kirim", "stikerchat", "calon"]),
        ("ringtone lagu caleg", ["nada", "dering", "lagu", "calon"]),
        ("mobil di-wrapping foto cagub", ["mobil", "branding", "foto", "calon"]),
        ("story close friend dukung capres", ["status", "closefriend", "dukung", "calon"]),
        ("bc wa ajakan pilih paslon", ["broadcast", "whatsapp", "ajak", "pilih", "calon"]),
        ("ikut zoom meeting kampanye", ["ikut", "zoom", "kampanye"]),
        ("upload shorts dan reels", ["posting", "reels", "reels"]),
        ("ngepodcast bareng caleg", ["podcast", "calon"]),
        ("pns livestream", ["asn", "live"]),
        ("kirim vn ajakan", ["kirim", "voicenote", "ajak"]),
        ("dapat top up pulsa", ["dapat", "isi", "pulsa"]),
        ("jadi admin grup relawan", ["jadi", "kelola", "grup", "relawan"]),
        # Sundanese, Javanese krama and English words of real messages (issue 8)
        ("abdi hoyong ngalaporkeun pagawe kacamatan", ["lapor", "pegawai", "kecamatan"]),
        (
            "kunaon pagawe teu kenging ngarojong calon",
            ["kenapa", "pegawai", "tidak", "boleh", "dukung", "calon"],
        ),
        (
            "nyuwun sewu, sedherek kulo dipunsuwun ngrewangi caleg",
            ["saudara", "minta", "bantu", "calon"],
        ),
        (
            "can a teacher tell students parents to vote",
            ["boleh", "guru", "bilang", "murid", "orang", "tua", "pilih"],
        ),
        (
            "resigning first before running for regent",
            ["mundur", "dulu", "sebelum", "nyalon", "bupati"],
        ),
    ],
)
def test_lexicon_reads_regional_english_and_new_words(
    lexicon_norm: Normalizer, text: str, tokens: list[str]
) -> None:
    assert lexicon_norm.tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "kept", "absent"),
    [
        # Indonesian "oleh" (by, a gift from a trip) is not Javanese "boleh"
        ("pns disuruh oleh atasan", "atasan", "boleh"),
        ("dapat oleh-oleh dari caleg", "dapat", "boleh"),
        # Indonesian "ngiring" (mengiringi) keeps its sense outside "ngiring kampanye"
        ("ngiring rombongan calon", "ngiring", "ikut"),
        # IKI (indikator kinerja individu), LAN, TI, NU are not "ini", "dan", "dari", "yang"
        ("target iki pns", "iki", "ini"),
        ("diklat dari lan", "lan", "dan"),
        ("pegawai bidang ti", "ti", "dari"),
        ("pengurus nu", "nu", "yang"),
        # Indonesian "ulah" (conduct), "ngilu", "tekan" are not Sundanese/Javanese words
        ("ulah oknum pns", "ulah", "tidak"),
        ("gigi ngilu", "ngilu", "ikut"),
        ("tekan tombol", "tekan", "hadir"),
        # English words that are also Indonesian chat words keep that sense
        ("best party in jakarta", "party", "partai"),  # a party is also a "pesta"
        ("poster sosialisasi netralitas", "poster", "baliho"),  # only "poster calon" is one
        ("kasih gift di live tiktok", "gift", "barang"),  # a TikTok gift, not a present
        ("foto di car free day", "car", "mobil"),
        ("keterangan about whatsapp", "about", "tentang"),  # the profile field
        # a sticker on a wall or a car is not a chat sticker; BC is also Bea Cukai
        ("tempel stiker caleg di mobil", "stiker", "stikerchat"),
        ("pegawai bc boleh ikut kampanye", "bc", "broadcast"),
        ("min, admin, tolong jawab", "jawab", "kelola"),  # "admin" alone addresses the bot
        # protected from the stemmer: "perawat" is not "awat", place names are not words
        ("saya perawat di rsud", "perawat", "awat"),
        # place names are dropped (knowledge/sinonim.yaml: tempat), never read as words
        ("guru di salatiga pasang baliho", "guru", "istri"),
        ("sy pns di polewali", "asn", "pilkada"),
        ("pns di bantul ikut kampanye", "kampanye", "bantu"),
        ("guru di salatiga pasang baliho", "baliho", "salatiga"),
    ],
)
def test_indonesian_words_keep_their_sense(
    lexicon_norm: Normalizer, text: str, kept: str, absent: str
) -> None:
    tokens = lexicon_norm.tokens(text)
    assert kept in tokens and absent not in tokens, tokens


PLACES = Lexicon(
    synonyms={"pns": "asn", "kab": "kabupaten"},
    stopwords=frozenset({"saya", "di"}),
    places=frozenset({"lamongan", "kediri", "kutai kartanegara", "pemalang"}),
)


@pytest.mark.parametrize(
    ("question", "tokens"),
    [
        # stemmed, these names would say something the asker never said
        ("saya pns di Kab. Lamongan", ["asn", "kabupaten"]),
        ("guru di KEDIRI mau tanya", ["guru", "mau", "tanya"]),
        ("pns kab kutai kartanegara", ["asn", "kabupaten"]),  # a two-word name
        ("pns kutai", ["asn", "kuta"]),  # half a name is not the name (and is stemmed)
        ("pemalang, kediri: boleh?", ["boleh"]),
    ],
)
def test_place_names_are_dropped(question: str, tokens: list[str]) -> None:
    assert Normalizer(PLACES).tokens(question) == tokens


def test_place_words_are_no_typo_targets_and_are_left_alone() -> None:
    norm = Normalizer(PLACES)
    assert not {"lamongan", "kutai", "kartanegara"} & norm.lexicon_words()
    assert all(norm.is_place_word(w) for w in ("lamongan", "kutai", "kartanegara"))
    assert not norm.is_place_word("kabupaten")
