"""Database targets: a file path (SQLite) or a URL (``postgresql://user:pass@host/db``).

A URL may hold a password, which must never reach a log line, an error message or any
output: everything that shows a target shows :func:`redact` of it, and error texts from a
driver pass through :func:`scrub` before they are shown.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import unquote, urlsplit

POSTGRES_SCHEMES: Final = frozenset({"postgresql", "postgres"})
HIDDEN: Final = "***"


def is_url(target: object) -> bool:
    """Whether ``target`` is a ``scheme://`` URL rather than a file path."""
    return isinstance(target, str) and "://" in target


def scheme(target: str) -> str:
    return target.split("://", 1)[0].lower()


def is_postgres(target: object) -> bool:
    return is_url(target) and scheme(str(target)) in POSTGRES_SCHEMES


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def redact(target: object) -> str:
    """The target as text with any password replaced by ``***``."""
    text = str(target)
    if not is_url(text):
        return text
    head, rest = text.split("://", 1)
    netloc, sep, tail = rest.partition("/")
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{HIDDEN}@{host}" if ":" in userinfo else f"{user}@{host}"
    cleaned = f"{head}://{netloc}{sep}{tail}"
    # A password may also come as a query parameter (?password=...).
    return scrub(cleaned, text)


def scrub(message: str, target: object) -> str:
    """``message`` with every occurrence of the target's password (raw and URL-decoded)
    replaced by ``***``."""
    text = str(target)
    secrets: set[str] = set()
    if is_url(text):
        password = _password(text)
        if password:
            secrets.update({password, unquote(password)})
        query = text.partition("?")[2]
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name.lower() == "password" and value:
                secrets.update({value, unquote(value)})
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, HIDDEN)
    return message
