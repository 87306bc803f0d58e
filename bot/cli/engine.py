"""The ``netral`` command line: a thin layer over the library for admins and developers.

Exit codes: 0 success; 1 the knowledge base (or another input file) has errors;
2 wrong usage or missing configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot import stemcache
from bot.core.conversation import Turn
from bot.core.engine import Answer, Engine
from bot.core.evaluate import Case, Report, evaluate
from bot.core.followup_eval import evaluate_conversations
from bot.core.render import Button, Reply
from bot.evalset import EvalSetError, is_conversation_set, load_cases, load_conversations
from bot.knowledge import KnowledgeError, load_knowledge, require_knowledge

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

QUIT_WORDS = frozenset({"keluar", "exit", "quit", "q"})


def default_knowledge_dir() -> Path:
    """NETRAL_KNOWLEDGE_DIR, else ./knowledge, else the folder shipped beside the package."""
    from bot.settings import Settings

    configured = Path(Settings.from_env().knowledge_dir)
    if configured.is_dir():
        return configured
    shipped = Path(__file__).resolve().parent.parent / "knowledge"
    return shipped if shipped.is_dir() else configured


# Commands that need only the engine: for them the Telegram and query-log commands are not
# registered, which spares `netral ask` importing those modules (a sixth of its start-up).
ENGINE_COMMANDS = frozenset({"ask", "eval", "chat", "validate"})


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv``, skipping the global --knowledge/-k option."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--knowledge", "-k"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(*, engine_only: bool = False) -> argparse.ArgumentParser:
    """The argument parser with every subcommand (``engine_only``: only ENGINE_COMMANDS)."""
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

    ask = sub.add_parser("ask", help="answer one question (or '-' for one per line on stdin)")
    ask.add_argument("question", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON instead of the reply")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help="with '-': the lines are turns of one conversation, read in context like the bot "
        "reads follow-ups; an empty line starts a new conversation",
    )
    ask.set_defaults(func=cmd_ask)

    ev = sub.add_parser(
        "eval",
        help="measure the matcher on a YAML list of {q, expect}, or of conversations "
        "({turns: [{q, expect}, ...]}: the follow-up turns are scored)",
    )
    ev.add_argument("file", type=Path)
    ev.add_argument("--verbose", "-v", action="store_true", help="list every failure")
    ev.set_defaults(func=cmd_eval)

    chat = sub.add_parser("chat", help="interactive console over the bot's engine (no token)")
    chat.add_argument(
        "--no-log",
        action="store_true",
        help="do not write the questions to the query log ($NETRAL_DB)",
    )
    chat.set_defaults(func=cmd_chat)

    val = sub.add_parser("validate", help="check the knowledge base; non-zero exit on errors")
    val.add_argument("dir", nargs="?", type=Path, default=None)
    val.set_defaults(func=cmd_validate)

    if not engine_only:
        _add_bot_commands(sub)
    return parser


def _add_bot_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands that need the Telegram side or the query log (imported lazily)."""
    try:
        from bot import cli_bot
    except ImportError:  # pragma: no cover - the module ships with the package
        return
    cli_bot.add_commands(sub)


def _enable_stem_cache() -> None:
    """Start from the stems saved by an earlier run (see bot/stemcache.py)."""
    from bot.settings import Settings, SettingsError

    try:
        folder = Settings.from_env().cache_dir
    except SettingsError:
        return  # the command reports the bad variable itself
    stemcache.enable(stemcache.cache_path(folder))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``netral`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _enable_stem_cache()
    parser = build_parser(engine_only=_command_of(argv) in ENGINE_COMMANDS)
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except KnowledgeError as exc:
        print("Knowledge base has errors:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK
    return code


def _engine(args: argparse.Namespace) -> Engine:
    return Engine(require_knowledge(args.knowledge or default_knowledge_dir()))


# -- ask --------------------------------------------------------------------------


def answer_json(answer: Answer) -> dict[str, object]:
    """The JSON contract of ``netral ask --json``."""
    result = answer.result
    entry = result.entry
    return {
        "status": result.status,
        "id": entry.id if entry else None,
        "score": round(result.score, 4),
        "verdict": entry.verdict if entry else None,
        "answer": answer.reply.text,
        "followup": answer.followup,
        "suggestions": [
            {"id": c.entry.id, "question": c.entry.canonical_question, "score": round(c.score, 4)}
            for c in result.candidates
        ]
        if result.status == "ambiguous"
        else [],
    }


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or every line of stdin with '-'."""
    engine = _engine(args)
    if args.conversation and args.question != "-":
        print("netral ask: --conversation reads the turns from stdin: use '-'", file=sys.stderr)
        return EXIT_USAGE
    if args.question == "-":
        turn: Turn | None = None
        for line in sys.stdin:
            question = line.strip()
            if not question:
                turn = None  # an empty line starts a new conversation
                continue
            if args.conversation:
                answer = engine.converse(question, turn)
                turn = answer.turn
            else:
                answer = engine.ask(question)
            _print_answer(answer, as_json=args.json, out=sys.stdout)
            sys.stdout.flush()
        return EXIT_OK
    if not args.question.strip():
        print("netral ask: the question is empty", file=sys.stderr)
        return EXIT_USAGE
    _print_answer(engine.ask(args.question), as_json=args.json, out=sys.stdout)
    return EXIT_OK


def _print_answer(answer: Answer, *, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(answer_json(answer), ensure_ascii=False) + "\n")
    else:
        out.write(format_reply(answer.reply) + "\n")


def format_reply(reply: Reply, numbered: Sequence[Button] = ()) -> str:
    """The reply as a person reads it in a terminal, with numbered choices."""
    lines = [reply.text]
    if numbered:
        lines.append("")
        for i, button in enumerate(numbered, 1):
            lines.append(f"  [{i}] {button.label}")
    return "\n".join(lines)


# -- eval -------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    """Print the matcher's figures on an evaluation file."""
    try:
        if is_conversation_set(args.file):
            return _eval_conversations(args, load_conversations(args.file))
        cases = load_cases(args.file)
    except EvalSetError as exc:
        print(f"netral eval: {exc}", file=sys.stderr)
        return EXIT_INVALID
    engine = _engine(args)
    known = {e.id for e in engine.kb.entries}
    unknown = sorted({i for c in cases for i in c.expect} - known)
    if unknown:
        print(
            f"netral eval: warning: expected ids not in the knowledge base: {', '.join(unknown)}",
            file=sys.stderr,
        )
    start = time.perf_counter()
    report = evaluate(
        cases,
        lambda q: engine.ask(q).result,  # what users get: small talk and bounding included
        lambda q: [c.entry.id for c in engine.matcher.rank(engine.matcher.tokens(q))[:3]],
    )
    elapsed = time.perf_counter() - start
    if args.verbose:
        _print_failures(report)
    print(
        f"{args.file}: {len(cases)} questions in {elapsed * 1000:.0f} ms "
        f"({elapsed * 1000 / max(len(cases), 1):.2f} ms each)"
    )
    for line in report.summary_lines():
        print(line)
    return EXIT_OK


def _print_failures(report: Report) -> None:
    for o in report.outcomes:
        if not o.failed:
            continue
        got = ", ".join(f"{c.entry.id}:{c.score:.2f}" for c in o.result.candidates) or "-"
        expect = ", ".join(sorted(o.case.expect)) or "null"
        print(
            f"{o.kind:15} {o.case.question!r}\n{'':15} expect={expect} "
            f"got={o.result.status}[{got}] tokens={' '.join(o.result.tokens)}"
        )
    print()


def _eval_conversations(args: argparse.Namespace, conversations: list[list[Case]]) -> int:
    """Follow-up figures: every turn after the first, answered in its conversation."""
    engine = _engine(args)
    report = evaluate_conversations(conversations, engine)
    if args.verbose:
        _print_failures(report)
    print(f"{args.file}: {len(conversations)} conversations, follow-up turns scored")
    for line in report.summary_lines():
        print(line)
    return EXIT_OK


# -- chat -------------------------------------------------------------------------


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive console: the bot's answers without Telegram, logged like the bot's."""
    engine = _engine(args)
    if args.no_log:
        return run_console(engine, sys.stdin, sys.stdout)
    from bot.console_log import ConsoleLog
    from bot.settings import Settings

    with ConsoleLog.open(Settings.from_env().db_path) as log:
        return run_console(engine, sys.stdin, sys.stdout, on_answer=log.record)


def run_console(
    engine: Engine,
    stdin: TextIO,
    out: TextIO,
    on_answer: Callable[[str, Answer, float], None] | None = None,
) -> int:
    """Read questions until 'keluar' or end of input; numbers pick an offered button."""
    interactive = stdin.isatty()
    out.write(
        f"Netral — tanya jawab netralitas ASN ({len(engine.kb.entries)} topik). "
        "Ketik pertanyaan, nomor untuk memilih, atau 'keluar'.\n"
    )
    choices: list[Button] = []
    turn: Turn | None = None  # the conversation's memory, as the bot keeps it per chat
    while True:
        if interactive:
            out.write("\nAnda> ")
            out.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line:
            out.write("\nSampai jumpa.\n")
            return EXIT_OK
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT_WORDS:
            out.write("Sampai jumpa.\n")
            return EXIT_OK
        reply: Reply | None
        if text.isdigit() and choices:
            index = int(text) - 1
            if not 0 <= index < len(choices):
                out.write(f"Pilih nomor 1 sampai {len(choices)}.\n")
                continue
            button = choices[index]
            if button.kind.startswith("feedback"):
                out.write("Terima kasih atas masukan Anda.\n")
                continue
            if button.kind == "sources":
                reply = engine.sources(button.entry_id or "")
            else:
                reply = engine.show(button.entry_id or "", turn.status if turn else None)
                turn = engine.chose(button.entry_id or "", turn)
            if reply is None:
                continue
        else:
            started = time.perf_counter()
            answer = engine.converse(text, turn)
            turn = answer.turn
            reply = answer.reply
            if on_answer is not None:
                on_answer(text, answer, time.perf_counter() - started)
        choices = reply.flat_buttons()
        out.write("\n" + format_reply(reply, choices) + "\n")
        out.flush()


# -- validate ---------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """Report every problem of the knowledge base; exit 1 on errors."""
    folder = args.dir or args.knowledge or default_knowledge_dir()
    result = load_knowledge(folder)
    for problem in result.problems:
        print(problem, file=sys.stderr if problem.level == "error" else sys.stdout)
    if result.kb is None:
        print(
            f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in {folder}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    kb = result.kb
    print(
        f"OK {folder}: {len(kb.entries)} entries, {kb.phrasing_count} phrasings, "
        f"{len(kb.categories)} categories, {len(kb.offtopics)} out-of-scope topics, "
        f"{len(result.warnings)} warning(s)"
    )
    return EXIT_OK
