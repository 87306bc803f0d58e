"""The query log's clock: aware UTC datetimes and the one stored text format.

Times are stored as UTC ISO-8601 text with millisecond precision and a ``Z`` suffix
(``2024-05-01T08:30:00.000Z``); one fixed format keeps text order equal to time order.
Review and Telegram code format times through :func:`format_time` too, so a time looks
the same in the database, the terminal and the report.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def require_aware(moment: datetime, name: str = "datetime") -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")


def format_time(moment: datetime) -> str:
    """Format an aware datetime as stored: UTC, millisecond precision, ``Z`` suffix."""
    require_aware(moment)
    utc = moment.astimezone(UTC)
    # The year is padded by hand: strftime's %Y gives "300" for the year 300 on glibc, and
    # "300-..." sorts after "2026-...", which would turn every comparison upside down.
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse a stored time back into an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
