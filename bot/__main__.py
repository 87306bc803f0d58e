"""``python -m bot``: the same as the ``netral`` command."""

from bot.cli import main

raise SystemExit(main())
