"""``netral ask``, ``eval``, ``chat`` and ``validate``: the commands over the engine alone."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, knowledge_dir
from bot.core.conversation import Turn
from bot.core.engine import Answer, Engine
from bot.core.evaluate import Case, Report, evaluate
from bot.core.followup_eval import evaluate_conversations
from bot.core.render import Button, Reply
from bot.knowledge import load_knowledge, require_knowledge
from bot.knowledge.evalset import is_conversation_set, load_cases, load_conversations
from bot.settings import Settings

QUIT_WORDS = frozenset({"keluar", "exit", "quit", "q"})


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ask, eval, chat and validate on the main parser."""
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


def _engine(args: argparse.Namespace, settings: Settings) -> Engine:
    return Engine(require_knowledge(knowledge_dir(settings, args.knowledge)))


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


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question, or every line of stdin with '-'."""
    engine = _engine(args, settings)
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


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print the matcher's figures on an evaluation file."""
    if is_conversation_set(args.file):
        return _eval_conversations(args, settings, load_conversations(args.file))
    cases = load_cases(args.file)
    engine = _engine(args, settings)
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
        lambda q: [c.entry.id for c in engine.matcher.rank_text(q)[:3]],
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


def _eval_conversations(
    args: argparse.Namespace, settings: Settings, conversations: list[list[Case]]
) -> int:
    """Follow-up figures: every turn after the first, answered in its conversation."""
    engine = _engine(args, settings)
    report = evaluate_conversations(conversations, engine)
    if args.verbose:
        _print_failures(report)
    print(f"{args.file}: {len(conversations)} conversations, follow-up turns scored")
    for line in report.summary_lines():
        print(line)
    return EXIT_OK


# -- chat -------------------------------------------------------------------------


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Interactive console: the bot's answers without Telegram, logged like the bot's."""
    engine = _engine(args, settings)
    if args.no_log:
        return run_console(engine, sys.stdin, sys.stdout)
    from bot.cli.console_log import ConsoleLog  # the database driver only when logging

    with ConsoleLog.open(settings.database) as log:
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


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """Report every problem of the knowledge base; exit 1 on errors."""
    folder = args.dir or knowledge_dir(settings, args.knowledge)
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
    # Train (or find in the cache) the learned ranker now, as the bot will at start.
    from bot.core.matcher import learned_models
    from bot.core.normalize import Normalizer

    model, raw_model = learned_models(kb, Normalizer(kb.lexicon))
    learned = (
        f", learned ranker: {len(model.classes)} classes, {len(model.vocabulary)} features"
        if model is not None
        else ""
    )
    if raw_model is not None:
        learned += f" (+{len(raw_model.vocabulary)} on raw words)"
    print(
        f"OK {folder}: {len(kb.entries)} entries, {kb.phrasing_count} phrasings, "
        f"{len(kb.categories)} categories, {len(kb.offtopics)} out-of-scope topics, "
        f"{len(result.warnings)} warning(s){learned}"
    )
    return EXIT_OK
