"""The HTML report rendered by a real browser: headless Chromium (Debian's ``chromium``).

Skipped, with the reason, only when no Chromium is installed and we are not in CI; in CI
(``CI=true``) the browser must be there (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import EXIT_OK, main
from tests.auxil.reviewlog import KB_REVIEW, make_log

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1280, 2000


def find_browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _add_bytes(a: bytes, b: bytes) -> bytes:
    """Byte-wise (a + b) mod 256 of two equal-length strings, at C speed (SWAR on ints)."""
    n = len(a)
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, pixels as RGB bytes) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6), f"unexpected PNG format {depth=} {color=}"
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    assert len(raw) == height * (stride + 1), "truncated image data"
    previous = bytes(stride)
    pixels: list[bytes] = []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]
        if kind == 2:  # "up": the usual filter of a page's rows, decoded at C speed
            line = _add_bytes(line, previous)
        elif kind != 0:
            out = bytearray(line)
            for i in range(stride):
                left = out[i - channels] if i >= channels else 0
                up = previous[i]
                corner = previous[i - channels] if i >= channels else 0
                if kind == 1:
                    out[i] = (out[i] + left) & 0xFF
                elif kind == 3:
                    out[i] = (out[i] + (left + up) // 2) & 0xFF
                else:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                    out[i] = (out[i] + pred) & 0xFF
            line = bytes(out)
        pixels.extend(line[i : i + 3] for i in range(0, stride, channels))
        previous = line
    return width, height, pixels


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = find_browser()
    if browser is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI (.ci/run installs Debian's chromium)")
        pytest.skip("no Chromium installed (apt-get install chromium); runs in CI")
    db = make_log(tmp_path / "log.sqlite3")
    page = tmp_path / "laporan.html"
    assert main(["--knowledge", str(KB_REVIEW), "logs", "report", "--out", str(page),
                 "--until", "2026-11-06", "--db", str(db)]) == EXIT_OK  # fmt: skip
    shot = tmp_path / "laporan.png"
    profile = tmp_path / "profile"
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={shot}",
        f"--window-size={WIDTH},{HEIGHT}",
        "--force-device-scale-factor=0.5",  # the full layout in a quarter of the pixels
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert shot.is_file(), f"no screenshot ({result.returncode}): {result.stderr[-2000:]}"
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (WIDTH // 2, HEIGHT // 2)
    colours = Counter(pixels)
    _, most = colours.most_common(1)[0]
    # Not blank: plenty of pixels differ from the background, in many colours, and the
    # status colours of the charts are there (answered green, no-match red).
    assert len(pixels) - most > len(pixels) * 0.05
    assert len(colours) > 50
    assert colours[bytes.fromhex("2e7d32")] > 300, "no green chart bars"
    assert colours[bytes.fromhex("c62828")] > 100, "no red chart bars"
