"""Process logging: one format, and the bot token redacted from every line."""

from __future__ import annotations

import logging
import sys
from typing import TextIO


class RedactToken(logging.Filter):
    """Replaces the token wherever it appears in a record's final message."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token:
            message = record.getMessage()
            if self._token in message:
                record.msg = message.replace(self._token, "<token>")
                record.args = None
        return True


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not to the stream
    that was current when logging was configured (which may since have been closed or
    replaced: a redirected or captured stderr)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # always the current sys.stderr


def configure_logging(level: str, token: str | None) -> None:
    """Log to stderr at ``level``; httpx stays at WARNING because it logs URLs that contain
    the token at INFO; a filter redacts the token from anything else."""
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
