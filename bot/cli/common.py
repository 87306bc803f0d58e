"""What every ``netral`` command shares: exit codes, the two CLI errors, the knowledge folder.

Exit codes: 0 success; 1 the knowledge base (or another input file) has errors, or a file
is missing or unwritable; 2 wrong usage or unusable configuration. The mapping from
exceptions to these codes is one table in :mod:`bot.cli` (``main``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from bot.settings import Settings

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2


class UsageError(Exception):
    """Wrong usage: one line on stderr, exit 2."""


class InputError(Exception):
    """A missing or unusable file: one line on stderr, exit 1."""


def knowledge_dir(settings: Settings, override: Path | None = None) -> Path:
    """``--knowledge``, else NETRAL_KNOWLEDGE_DIR (default ./knowledge), else the folder
    shipped beside the package."""
    if override is not None:
        return override
    configured = Path(settings.knowledge_dir)
    if configured.is_dir():
        return configured
    # bot/cli/common.py -> the repository (or site-packages) folder holding bot/
    shipped = Path(__file__).resolve().parent.parent.parent / "knowledge"
    return shipped if shipped.is_dir() else configured
