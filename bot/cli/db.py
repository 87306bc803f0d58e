"""``netral db copy SRC DST``: move a whole query log between SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.common import EXIT_OK, InputError, UsageError
from bot.dburl import is_url, redact
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.querylog.copy import TableCopy

BAR_WIDTH = 30


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``db`` and its subcommands on the main parser."""
    db = sub.add_parser("db", help="database tools: copy a query log between databases")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    copy = db_sub.add_parser(
        "copy",
        help="copy a whole query log (SQLite file or postgresql:// URL) into another",
        description=(
            "Copy every question, event and inbox row of SRC into DST (created if needed). "
            "Idempotent: running it again adds nothing. Verifies at the end that DST holds "
            "every row of SRC. Take the pseudonym key along (NETRAL_KEY_FILE or "
            "NETRAL_PSEUDONYM_KEY) so that new questions get the same user keys."
        ),
    )
    copy.add_argument("src", metavar="SRC", help="the source: a SQLite file or a URL")
    copy.add_argument("dst", metavar="DST", help="the destination: a SQLite file or a URL")
    copy.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    copy.set_defaults(func=cmd_copy)


def _target(text: str) -> str | Path:
    return text if is_url(text) else Path(text)


class ProgressBar:
    """A one-line progress bar on a stream (stderr), redrawn in place."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        share = 1.0 if total == 0 else done / total
        filled = int(BAR_WIDTH * share)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {share:4.0%} {done}/{total} rows")
        self.stream.flush()
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def cmd_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Copy SRC into DST and print what each table holds afterwards."""
    from bot.querylog.copy import same_target

    src, dst = _target(args.src), _target(args.dst)
    if same_target(src, dst):
        raise UsageError("SRC and DST are the same database")
    if isinstance(src, Path) and not src.is_file():
        raise InputError(f"database not found: {src}")
    bar = None if args.quiet else ProgressBar(sys.stderr, "copying")
    try:
        tables = asyncio.run(_copy(src, dst, bar))
    finally:
        if bar is not None:
            bar.end()
    print(f"copied {redact(src)} -> {redact(dst)}")
    for t in tables:
        print(
            f"  {t.table:<8} source {t.source:>9}  added {t.added:>9}  "
            f"destination {t.before:>9} -> {t.after:>9}  ok"
        )
    return EXIT_OK


async def _copy(src: str | Path, dst: str | Path, bar: ProgressBar | None) -> list[TableCopy]:
    from bot.querylog import open_storage
    from bot.querylog.copy import copy_log

    source = await open_storage(src, create_key=False)
    try:
        destination = await open_storage(dst, create_key=False)
        try:
            return await copy_log(source, destination, bar)
        finally:
            await destination.close()
    finally:
        await source.close()
