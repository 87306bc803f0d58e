"""Follow-ups: short messages that only make sense after the previous answer.

In a chat people ask "kalau lewat story IG?", "kalau cpns?", "aturannya di mana?",
"hukumannya berat gak?" right after an answer. ``FollowUpReader.kind`` tells such a message
from a question that stands on its own:

* ``sanction``: asks for the previous entry's sanction ("hukumannya?", "bisa dipecat?");
* ``legal``: asks for its legal basis ("aturannya di mana?", "pasal berapa?");
* ``status``: names only the asker's status ("kalau saya pppk?", "cpns juga?");
* ``elliptical``: opens like a continuation ("kalau ...", "terus ...", "gimana dengan ...",
  Javanese "nek ...", Sundanese "upami ...", English "what if ...", "... juga?"), so the
  previous question supplies what it leaves out;
* ``short``: only a few words ("di hari libur?"): a continuation when the knowledge base
  knows its words, a new subject ("resep rendang") when it does not.

The reader only looks at the words; ``bot.core.engine.Engine.converse`` decides what to
answer, and a message that names a new situation is still matched on its own first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import dropwhile, pairwise
from typing import Final, Literal

from bot.core.normalize import Normalizer

FollowUpKind = Literal["sanction", "legal", "status", "elliptical", "short"]

# Words that open a continuation of the previous question.
_OPENERS_TEXT: Final = """
    kalau kalo klo kl klau kalu kalok klw klu kalw jika jikalau apabila bila seandainya andai
    andaikan misal misalnya umpama terus trus trs truss teruss lalu lantas nah lha lah tapi tp
    tpi tetapi namun sedangkan sementara bagaimana gimana gmn gmna gimna bgmn bgm gmana
    nek yen menawi menawa upami lamun mun what how and if but then so
    dan sama atau ataupun kok trus2 terusnya habis abis lha
"""
OPENERS: Final = frozenset(_OPENERS_TEXT.split())

# Acknowledgements that may come before an opener ("oke, terus kalau ...", "oh gitu, kalau
# ..."): the message still continues the previous one.
_ACKNOWLEDGEMENTS_TEXT: Final = """
    ok oke okey okay okee sip siap baik baiklah oh ohh owh o gitu begitu iya iyaa ya yaa
    hmm hm hmmm wah waduh duh nggih enggih muhun
"""
ACKNOWLEDGEMENTS: Final = frozenset(_ACKNOWLEDGEMENTS_TEXT.split())

# Being reported or acted on is what it costs ("masih bisa dilaporin?", "bakal ditindak?"):
# the passive forms only, "lapor ke mana?" asks how to report. They ask for a sanction, but
# name no punishment (``FollowUpReader.punishment``); being removed from office ("bisa
# dicopot?") names one.
REPORTED_PREFIXES: Final = ("dilapor", "ditindak")

# Prefixes of words that ask for the sanction of what was just answered.
SANCTION_PREFIXES: Final = (
    "sanksi",
    "saksi",  # a common slip for "sanksi" in this position ("saksinya apa?")
    "hukuman",
    "dihukum",
    "hukumane",
    "dipecat",
    "pecat",
    "dicopot",
    "dinonjobkan",
    "diberhentikan",
    "denda",
    "penjara",
    "dipenjara",
    "pidana",
    "dipidana",
    "konsekuensi",
    "konsekwensi",
    "akibat",
    "resiko",
    "risiko",
    "ancaman",
    "punishment",
    "penalty",
    "sanction",
    *REPORTED_PREFIXES,
)

# Prefixes of words that ask for the legal basis of what was just answered.
LEGAL_PREFIXES: Final = (
    "aturan",
    "peraturan",
    "regulasi",
    "pasal",
    "landasan",
    "rujukan",
    "referensi",
    "sumber",
    "undang",
    "uu",
    "perpres",
    "permen",
    "dasarnya",
    "dasar",
    "law",
    "rule",
    "regulation",
    "article",
)

# Words that may stand beside a sanction, legal or status follow-up without making it a
# new question ("hukumannya *berat gak*?", "*kalau saya* pppk *gimana*?").
_LIGHT_TEXT: Final = """
    apa apaan apakah apanya berat ringan seberat gak ga nggak ngga gk enggak engga tidak tdk
    ndak mboten ora teu henteu mana dimana dmn di nya yg yang kena kenanya bisa bs bisakah
    ketahuan jadi jd saja aja sj berapa brp lama seperti kayak kaya gimana bagaimana gmn kira
    kah ka kaka min kak pak bu mas mbak bang dong sih ya yah nih tuh itu ini iki niku buat untuk utk
    saya sy aku gue gw gua kulo kula abdi kami kita ada adakah juga jg pun berlaku maksimal
    paling minimal sampai sampe nomor no mohon tolong info infonya dong pls please
    masih taksih isih sudah udah sdh wis sampun nanti terbukti bakal bakalan akan
    the what is are for me i my if how about juga status sebagai selaku jadi posisi kasus
"""
LIGHT_WORDS: Final = frozenset(_LIGHT_TEXT.split())

# "hukum(nya)" alone asks for the sanction ("hukumnya apa?"), beside "dasar" for the legal
# basis ("dasar hukumnya?"): it counts for whichever of the two the message names.
EITHER_WORDS: Final = frozenset({"hukum", "hukumnya", "hukume"})

# "balik ke yg tadi", "kembali lagi ke", "back to": the asker returns to the subject of
# the turn before the last. The words that only point back are dropped from the message.
_BACK: Final = r"\b(?:balik|kembali|back)\s+(?:lagi\s+)?(?:ke|to|soal)"
_RETURN: Final = re.compile(_BACK + r"\b", re.I)
_POINTER: Final = re.compile(
    _BACK + r"\s+(?:(?:yg|yang|pertanyaan|the)\s+)?"
    r"(?:tadi|awal|pertama|sebelumnya|first(?:\s+one)?)?\s*[,.]?",
    re.I,
)

# Messages longer than this stand on their own, whatever their first word.
MAX_FOLLOWUP_WORDS: Final = 14
# A message of at most this many content words may lean on the previous question.
SHORT_WORDS: Final = 3


def _kena_apa(words: list[str]) -> bool:
    """ "kena apa" / "kena sanksi": what one gets for it."""
    return any(a == "kena" and b in ("apa", "apaan", "sanksi") for a, b in pairwise(words))


class FollowUpReader:
    """Classifies a message as a follow-up kind, or None for a standalone question."""

    def __init__(self, normalizer: Normalizer, status_of: Callable[[str], str | None]) -> None:
        self._normalizer = normalizer
        self._status_of = status_of

    def kind(self, message: str) -> FollowUpKind | None:
        """The follow-up kind of ``message``, or None when it stands on its own."""
        words = self._normalizer.raw_words(message)
        if not words or len(words) > MAX_FOLLOWUP_WORDS:
            return None
        content = [w for w in words if not self._light(w)]
        rest = self._without_status(content)
        if self._status_of(message) is not None and not rest:
            return "status"
        if rest and all(self._asks_about(w) for w in rest):
            return "legal" if any(self._is_legal(w) for w in rest) else "sanction"
        if not rest and _kena_apa(words):  # "bisa kena apa?"
            return "sanction"
        if self._opens_with_opener(words):
            return "elliptical"
        if words[-1] in ("juga", "jg", "jga") and len(content) <= SHORT_WORDS + 2:
            return "elliptical"
        if len(rest) <= SHORT_WORDS:
            return "short"
        return None

    @staticmethod
    def returns(message: str) -> bool:
        """Whether the message goes back to an earlier subject ("balik ke yg tadi, ...")."""
        return _RETURN.search(message) is not None

    @staticmethod
    def without_pointer(message: str) -> str:
        """The message without the words that only point back ("balik ke yg tadi,")."""
        return " ".join(_POINTER.sub(" ", message).split())

    def punishment(self, message: str) -> bool:
        """Whether the message names a punishment ("langsung dipecat?", "masuk hukuman
        berat?"), not only being reported ("masih bisa dilaporin?")."""
        return any(
            self._is_sanction(w) and not w.startswith(REPORTED_PREFIXES)
            for w in self._normalizer.raw_words(message)
        )

    def focus(self, message: str) -> Literal["sanction", "legal"] | None:
        """Whether the message asks for a legal basis or a sanction, whatever else it says."""
        words = self._normalizer.raw_words(message)
        if any(self._is_legal(w) for w in words):
            return "legal"
        if any(self._is_sanction(w) for w in words) or _kena_apa(words):
            return "sanction"
        return None

    def without_asking(self, message: str) -> str:
        """The message without its words that ask for a sanction or a legal basis: what
        is left names the act it is about ("kalau pasang baliho, hukumannya?")."""
        words = self._normalizer.raw_words(message)
        return " ".join(w for w in words if not self._asks_about(w) and w != "kena")

    @staticmethod
    def _opens_with_opener(words: list[str]) -> bool:
        """Whether the first word after any acknowledgements opens a continuation."""
        rest = list(dropwhile(ACKNOWLEDGEMENTS.__contains__, words))
        return bool(rest) and rest[0] in OPENERS

    def _light(self, word: str) -> bool:
        return word in LIGHT_WORDS or word in OPENERS or self._normalizer.is_stopword(word)

    def _without_status(self, words: list[str]) -> list[str]:
        """``words`` less the ones that name a status ("pppk", "kepala dinas")."""
        out: list[str] = []
        i = 0
        while i < len(words):
            pair = " ".join(words[i : i + 2])
            if (
                i + 1 < len(words)
                and self._status_of(pair) is not None
                and self._status_of(words[i]) is None
                and self._status_of(words[i + 1]) is None
            ):
                i += 2
                continue
            if self._status_of(words[i]) is not None:
                i += 1
                continue
            out.append(words[i])
            i += 1
        return out

    def _asks_about(self, word: str) -> bool:
        """Whether ``word`` asks for a sanction or a legal basis."""
        return word in EITHER_WORDS or self._is_legal(word) or self._is_sanction(word)

    @staticmethod
    def _is_sanction(word: str) -> bool:
        return word.startswith(SANCTION_PREFIXES)

    @staticmethod
    def _is_legal(word: str) -> bool:
        return word.startswith(LEGAL_PREFIXES) and not word.startswith("undangan")
