"""Give freed heap memory back to the operating system.

Receiving a trained model from a child process and storing it allocate tens of megabytes
of temporaries (the pickled arrays, the vocabulary as strings); glibc keeps that memory in
the process after it is freed, so the bot would stay at its training peak. ``release()``
asks glibc to return it (``malloc_trim``); elsewhere (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Callable

_LOG = logging.getLogger(__name__)


@functools.cache
def _trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        if name is None:
            return None
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
        return trim
    except (OSError, AttributeError):
        return None


def release() -> None:
    """Return freed heap memory to the operating system, where the C library can."""
    trim = _trim()
    if trim is not None:
        try:
            trim(0)
        except OSError as exc:  # pragma: no cover - a broken libc
            _LOG.debug("malloc_trim failed: %s", exc)
