"""The ``netral`` command line: a thin layer over the library for admins and developers.

``main`` reads :class:`~bot.settings.Settings` once, builds the parser from the command
modules (:mod:`.engine`: ask, eval, chat, validate; :mod:`.run`; :mod:`.logs`), runs the
command with the settings, and maps what it raises to an exit code and one message through
the single table :data:`ERRORS`. A command module imports nothing heavy at module level,
so ``netral ask`` never loads Telegram or the database driver.

Add a command: a ``cmd_x(args, settings) -> int`` in the module of its kind, registered in
that module's ``add_commands``; raise :class:`UsageError` / :class:`InputError` for the
user's mistakes rather than printing them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from bot import modelcache, stemcache, trainer
from bot.cli import db, engine, logs, run
from bot.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, InputError, UsageError
from bot.knowledge import KnowledgeError
from bot.knowledge.evalset import EvalSetError
from bot.querylog.copy import CopyMismatchError
from bot.querylog.storage import StorageOpenError
from bot.settings import Settings, SettingsError

__all__ = ["ERRORS", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def _knowledge_errors(exc: BaseException, _: str) -> str:
    assert isinstance(exc, KnowledgeError)
    return "\n".join(["Knowledge base has errors:", *(f"  {p}" for p in exc.problems)])


# Exception -> (exit code, message for stderr or None). The first matching row wins; the
# message function gets the exception and the command's name ("netral logs list").
Message = Callable[[BaseException, str], str | None]
ERRORS: Final[tuple[tuple[type[BaseException], int, Message], ...]] = (
    (SettingsError, EXIT_USAGE, lambda exc, _: f"netral: {exc}"),
    (UsageError, EXIT_USAGE, lambda exc, prog: f"{prog}: {exc}"),
    (KnowledgeError, EXIT_INVALID, _knowledge_errors),
    (EvalSetError, EXIT_INVALID, lambda exc, prog: f"{prog}: {exc}"),
    (InputError, EXIT_INVALID, lambda exc, prog: f"{prog}: {exc}"),
    (StorageOpenError, EXIT_INVALID, lambda exc, prog: f"{prog}: {exc}"),
    (CopyMismatchError, EXIT_INVALID, lambda exc, prog: f"{prog}: {exc}"),
    (BrokenPipeError, EXIT_OK, lambda exc, _: None),  # e.g. piped into `head`
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="netral",
        description="Netral: jawaban netralitas ASN. Admin and developer commands.",
    )
    parser.add_argument(
        "--knowledge",
        "-k",
        type=Path,
        default=None,
        help="knowledge base folder (default: $NETRAL_KNOWLEDGE_DIR or ./knowledge)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    engine.add_commands(sub)
    run.add_commands(sub)
    logs.add_commands(sub)
    db.add_commands(sub)
    return parser


def _prog(args: argparse.Namespace | None) -> str:
    if args is None:
        return "netral"
    sub = getattr(args, "logs_command", None) or getattr(args, "db_command", None)
    return f"netral {args.command}" + (f" {sub}" if sub else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``netral`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        stemcache.enable(stemcache.cache_path(settings.cache_dir))
        modelcache.enable(settings.cache_dir)  # the learned ranker's trained model
        trainer.enable()  # trained, when it must be, in a child process
        code: int = args.func(args, settings)
    except tuple(row[0] for row in ERRORS) as exc:
        for kind, exit_code, message in ERRORS:
            if isinstance(exc, kind):
                text = message(exc, _prog(args))
                if text is not None:
                    print(text, file=sys.stderr)
                return exit_code
        raise  # pragma: no cover - the except clause lists the same types
    return code
