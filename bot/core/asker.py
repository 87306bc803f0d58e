"""TEMPORARY (replaced by the legal branch's module at merge): the asker's status."""

from __future__ import annotations

import re

_PATTERNS = (
    ("pppk", re.compile(r"\b(pppk|p3k)\b")),
    ("cpns", re.compile(r"\bcpns\b")),
    ("honorer", re.compile(r"\bhonorer\b")),
    ("pejabat", re.compile(r"\b(camat|lurah|kepala dinas|kadis|sekda|kepala desa|kades)\b")),
    ("pns", re.compile(r"\bpns\b")),
)


def detect_status(text: str) -> str | None:
    """The status named in ``text``, or None."""
    low = text.lower()
    for status, pattern in _PATTERNS:
        if pattern.search(low):
            return status
    return None
