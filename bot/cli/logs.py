"""``netral logs ...``: reviewing the query log from the command line.

A thin layer: each subcommand checks its arguments, opens the database (never creating
it), calls the library (:mod:`bot.review` and its modules,
:class:`bot.querylog.Storage`) and hands the result to a small writer (:mod:`bot.review.text`).
Those modules are imported inside the commands, so registering ``logs`` costs nothing;
the defaults shown in ``--help`` are therefore literals here, kept equal to the library's
by a test.

Exit codes (mapped in :mod:`bot.cli`): 0 success; 1 missing database, unreadable knowledge
base or unwritable output file (:class:`InputError`); 2 wrong usage (malformed
--since/--until/--older-than, unknown --status, ...: :class:`UsageError`), each with one
line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar, cast

from bot.cli.common import EXIT_OK, InputError, UsageError, knowledge_dir
from bot.dburl import is_url
from bot.querylog.records import STATUSES
from bot.settings import Settings

_DURATION_TEXT = re.compile(r"\d{1,6}\s*[dhw]")

if TYPE_CHECKING:
    from bot.core.matcher import Matcher
    from bot.querylog import Storage
    from bot.review.period import Period

# The library's defaults (bot.review.period, .clusters, .html_report) as literals: see above.
PERIOD_HELP: Final = (
    "a duration back from now (7d, 24h, 2w), a date (2026-11-01) or an ISO date-time"
)
DEFAULT_MAX_TEXTS: Final = 5000
TOP_CLUSTERS: Final = 15
REPORT_MAX_TEXTS: Final = 2000

Body = Callable[["Storage", datetime], Awaitable[int]]
T = TypeVar("T")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``logs`` and its subcommands on the main parser."""
    logs = sub.add_parser(
        "logs", help="review the query log: list, unanswered, suggest, stats, report, purge"
    )
    logs_sub = logs.add_subparsers(dest="logs_command", required=True, metavar="SUBCOMMAND")

    # Each subcommand gets its own arguments: argparse "parents" share action objects, so a
    # default set on one subcommand would leak into the others.
    def command(name: str, text: str, since: str | None = None) -> argparse.ArgumentParser:
        parser = logs_sub.add_parser(name, help=text, description=text)
        parser.add_argument(
            "--db",
            metavar="PATH_OR_URL",
            help="the database: a SQLite file or a postgresql:// URL (default: $NETRAL_DB)",
        )
        if name != "purge":
            parser.add_argument(
                "--since",
                metavar="WHEN",
                default=since,
                help=f"from {PERIOD_HELP} (default: {since or 'the first question'})",
            )
            parser.add_argument(
                "--until",
                metavar="WHEN",
                help="until, exclusive; a bare date includes that day (default: now)",
            )
        return parser

    lst = command("list", "logged questions, oldest first")
    lst.add_argument("--status", help="answered, ambiguous or no_match")
    lst.add_argument("--entry", metavar="ID", help="questions matched to this entry id")
    lst.add_argument("--chat-type", help="private, group, supergroup, ...")
    lst.add_argument("--limit", type=int, default=None, help="at most this many rows")
    fmt = lst.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON lines")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header line")
    lst.set_defaults(func=cmd_list)

    una = command(
        "unanswered", "ambiguous and no-match questions, clustered, with the nearest entry", "30d"
    )
    una.add_argument("--limit", type=int, default=20, help="clusters shown (default 20)")
    una.add_argument(
        "--max-texts",
        type=int,
        default=DEFAULT_MAX_TEXTS,
        help=f"distinct texts clustered, the most asked (default {DEFAULT_MAX_TEXTS})",
    )
    una.add_argument("--json", action="store_true", help="one JSON object")
    una.set_defaults(func=cmd_unanswered)

    sug = command("suggest", "YAML snippets for the knowledge base, one per cluster", "30d")
    sug.add_argument("--limit", type=int, default=20, help="clusters (default 20)")
    sug.add_argument(
        "--max-texts",
        type=int,
        default=DEFAULT_MAX_TEXTS,
        help=f"distinct texts clustered, the most asked (default {DEFAULT_MAX_TEXTS})",
    )
    sug.add_argument(
        "--min-score",
        type=float,
        default=None,
        help="nearest-entry score from which new phrasings are proposed (default 0.5)",
    )
    sug.add_argument("--out", type=Path, default=None, help="write to this file, not stdout")
    sug.set_defaults(func=cmd_suggest)

    sts = command("stats", "totals, per-day counts, top entries, feedback, busiest hours")
    sts.add_argument("--top", type=int, default=10, help="top entries shown (default 10)")
    sts.add_argument("--days", type=int, default=None, help="show only the last N days")
    sts.add_argument("--json", action="store_true", help="one JSON object")
    sts.set_defaults(func=cmd_stats)

    rep = command("report", "one self-contained HTML page with charts and tables")
    rep.add_argument("--out", type=Path, required=True, metavar="FILE.html")
    rep.add_argument(
        "--clusters", type=int, default=TOP_CLUSTERS, help="unanswered clusters shown (15)"
    )
    rep.add_argument(
        "--max-texts",
        type=int,
        default=REPORT_MAX_TEXTS,
        help=f"distinct texts clustered, the most asked (default {REPORT_MAX_TEXTS})",
    )
    rep.set_defaults(func=cmd_report)

    pur = command("purge", "retention: delete questions and events older than a cut-off")
    pur.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 180d, 26w, or a date")
    pur.add_argument("--vacuum", action="store_true", help="then VACUUM to free the space")
    pur.add_argument(
        "--force",
        action="store_true",
        help="accept a cut-off in the future or before the first logged question",
    )
    pur.set_defaults(func=cmd_purge)


# --------------------------------------------------------------------------- plumbing


def _database(args: argparse.Namespace, settings: Settings) -> str | Path:
    target: str | Path = settings.database if args.db is None else args.db
    if is_url(target):
        return str(target)
    path = Path(target)
    if not path.is_file():
        raise InputError(f"database not found: {path}")
    return path


def _period(args: argparse.Namespace, now: datetime) -> Period:
    from bot.review.period import Period, PeriodError

    try:
        return Period.parse(args.since, args.until, now)
    except PeriodError as exc:
        raise UsageError(str(exc)) from None


def _non_negative(value: int | None, flag: str) -> None:
    if value is not None and value < 0:
        raise UsageError(f"{flag} must be 0 or more, got {value}")


def _run(args: argparse.Namespace, settings: Settings, prepare: Callable[[datetime], Body]) -> int:
    """Check the arguments (``prepare``), then open the database and run the body."""
    now = datetime.now(UTC)
    body = prepare(now)
    db = _database(args, settings)
    return asyncio.run(_with_storage(db, now, body))


async def _with_storage(db: str | Path, now: datetime, body: Body) -> int:
    from bot.querylog import open_storage

    storage = await open_storage(db, create_key=False)
    try:
        return await body(storage, now)
    finally:
        await storage.close()


def _load_matcher(folder: Path) -> Matcher:
    from bot.core.matcher import Matcher
    from bot.knowledge import require_knowledge

    return Matcher(require_knowledge(folder))


async def _beside_matcher(
    args: argparse.Namespace, settings: Settings, read: Awaitable[T]
) -> tuple[T, Matcher]:
    """Run the database reads while the knowledge base loads in a thread; both finish
    (or fail) before this returns, so the database is never closed under a read."""
    folder = knowledge_dir(settings, args.knowledge)
    done, matcher = await asyncio.gather(
        read, asyncio.to_thread(_load_matcher, folder), return_exceptions=True
    )
    for outcome in (done, matcher):
        if isinstance(outcome, BaseException):
            raise outcome
    return cast(T, done), cast("Matcher", matcher)


def _check_out(path: Path | None) -> None:
    """Refuse an --out that is not a regular file path before any work is done: an empty
    path, a directory, a device or a pipe (the atomic rename would replace the device node
    with a file when run as root). ``-`` means standard output."""
    if path is None or str(path) == "-":
        return
    if path.exists() and not path.is_file():
        raise InputError(f"cannot write {path}: not a regular file")
    if not path.name or path.name in (".", ".."):
        raise InputError(f"cannot write {path}: not a file name")


def _write_file(path: Path, text: str) -> None:
    """Write atomically (a reader never sees half a file); ``-`` is standard output."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    _check_out(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_json_or_text(as_json: bool, data: Callable[[], object], text: Callable[[], str]) -> None:
    """Write ``data()`` as indented JSON, or ``text()`` as it is."""
    from bot.review.text import json_safe, terminal_safe

    if as_json:
        sys.stdout.write(json_safe(json.dumps(data(), ensure_ascii=False, indent=2)) + "\n")
    else:
        sys.stdout.write(terminal_safe(text()))


# --------------------------------------------------------------------------- commands


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """Logged questions, oldest first: a table, JSON lines or CSV."""
    from bot.review import text as reports

    def prepare(now: datetime) -> Body:
        if args.status is not None and args.status not in STATUSES:
            raise UsageError(
                f"unknown --status {args.status!r}; expected one of {', '.join(STATUSES)}"
            )
        _non_negative(args.limit, "--limit")
        period = _period(args, now)
        writer = reports.write_csv if args.csv else reports.write_table
        if args.json:
            writer = reports.write_json_lines

        async def body(storage: Storage, _: datetime) -> int:
            rows = storage.iter_queries(
                since=period.since,
                until=period.until,
                status=args.status,
                entry_id=args.entry,
                chat_type=args.chat_type,
                limit=args.limit,
            )
            try:
                await writer(rows, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # e.g. piped into `head`: not an error
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            return EXIT_OK

        return body

    return _run(args, settings, prepare)


def cmd_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    """Clusters of ambiguous and no-match questions with their nearest entry."""
    from bot.review.clusters import cluster_unanswered, read_unanswered
    from bot.review.text import format_clusters_text

    def prepare(now: datetime) -> Body:
        _non_negative(args.limit, "--limit")
        _non_negative(args.max_texts, "--max-texts")
        period = _period(args, now)

        async def body(storage: Storage, _: datetime) -> int:
            read = read_unanswered(storage, period, max_texts=args.max_texts)
            unanswered, matcher = await _beside_matcher(args, settings, read)
            report = await cluster_unanswered(unanswered, matcher, limit=args.limit)
            _print_json_or_text(args.json, report.to_json, lambda: format_clusters_text(report))
            return EXIT_OK

        return body

    return _run(args, settings, prepare)


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    """YAML snippets for the clusters: new phrasings or new-entry skeletons."""
    from bot.review.clusters import cluster_unanswered, read_unanswered
    from bot.review.suggest import DEFAULT_MIN_SCORE, suggest_yaml

    def prepare(now: datetime) -> Body:
        _non_negative(args.limit, "--limit")
        _non_negative(args.max_texts, "--max-texts")
        period = _period(args, now)
        _check_out(args.out)
        min_score = DEFAULT_MIN_SCORE if args.min_score is None else args.min_score
        if not 0 <= min_score <= 1:
            raise UsageError(f"--min-score must be between 0 and 1, got {min_score}")

        async def body(storage: Storage, _: datetime) -> int:
            read = read_unanswered(storage, period, max_texts=args.max_texts)
            unanswered, matcher = await _beside_matcher(args, settings, read)
            report = await cluster_unanswered(unanswered, matcher, limit=args.limit)
            text = suggest_yaml(report, matcher.kb, min_score=min_score)
            if args.out is None:
                sys.stdout.write(text)
            else:
                _write_file(args.out, text)
                if str(args.out) != "-":
                    print(f"wrote {len(report.clusters)} suggestion(s) to {args.out}")
            return EXIT_OK

        return body

    return _run(args, settings, prepare)


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Totals, per-day counts and answer rate, top entries, feedback, busiest hours."""
    from bot.review.stats import compute_stats
    from bot.review.text import format_stats_text

    def prepare(now: datetime) -> Body:
        _non_negative(args.top, "--top")
        _non_negative(args.days, "--days")
        period = _period(args, now)

        async def body(storage: Storage, now: datetime) -> int:
            stats = await compute_stats(storage, period, now=now, top=args.top)
            _print_json_or_text(
                args.json, stats.to_json, lambda: format_stats_text(stats, days=args.days)
            )
            return EXIT_OK

        return body

    return _run(args, settings, prepare)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """The HTML report, written atomically to --out."""
    from bot.review.html_report import finish_report, read_report

    def prepare(now: datetime) -> Body:
        _non_negative(args.clusters, "--clusters")
        _non_negative(args.max_texts, "--max-texts")
        period = _period(args, now)
        _check_out(args.out)

        async def body(storage: Storage, now: datetime) -> int:
            read = read_report(storage, period, now=now, max_texts=args.max_texts)
            (stats, unanswered), matcher = await _beside_matcher(args, settings, read)
            page = await finish_report(stats, unanswered, matcher, clusters=args.clusters)
            _write_file(args.out, page)
            if str(args.out) != "-":
                print(f"wrote {args.out} ({len(page.encode()) // 1024} KiB)")
            return EXIT_OK

        return body

    return _run(args, settings, prepare)


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Retention: delete what is older than --older-than; VACUUM with --vacuum.

    A cut-off in the future, or a date at or before the first logged question (a mistyped
    year such as 0226 for 2026), is refused unless --force: purging cannot be undone.
    """
    from bot.querylog import format_time
    from bot.review.period import PeriodError, parse_moment

    def prepare(now: datetime) -> Body:
        try:
            cutoff = parse_moment(args.older_than, now)
        except PeriodError as exc:
            raise UsageError(f"--older-than: {exc}") from None
        # A duration (180d) before the first question is routine (a young log, a daily
        # cron job); a date before it is a mistyped year (0226 for 2026) more often than not.
        absolute = _DURATION_TEXT.fullmatch(args.older_than.strip().lower()) is None
        if cutoff > now and not args.force:
            raise UsageError(
                f"--older-than {format_time(cutoff)} is in the future: that would delete "
                "everything; pass --force if you mean it"
            )

        async def body(storage: Storage, _: datetime) -> int:
            first = await storage.first_query_time()
            if first is not None and cutoff <= first and absolute and not args.force:
                raise UsageError(
                    f"--older-than {format_time(cutoff)} is before the first logged question "
                    f"({format_time(first)}), so nothing would be deleted: check the year, "
                    "or pass --force"
                )
            counts = await storage.purge(cutoff)
            print(
                f"deleted {counts.queries} question(s), {counts.events} event(s) and "
                f"{counts.updates} processed update(s) older than {format_time(cutoff)}"
            )
            if args.vacuum:
                before, after = await storage.vacuum()
                print(f"VACUUM: {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB")
            return EXIT_OK

        return body

    return _run(args, settings, prepare)
