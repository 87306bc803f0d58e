"""Reviewing the query log: the library behind ``netral logs`` and the admin commands
``/stats``, ``/unanswered`` and ``/laporan``.

* :mod:`.period`    the one parser and formatter of periods;
* :mod:`.labels`    status labels and percentages;
* :mod:`.stats`     figures of a period (``compute_stats``);
* :mod:`.clusters`  unanswered questions clustered with the bot's own ``Matcher``;
* :mod:`.suggest`   YAML snippets for the knowledge base from the clusters;
* :mod:`.text`      terminal tables and the CSV / JSON-lines writers;
* :mod:`.html_report` the self-contained HTML page.

Every database read goes through :class:`bot.querylog.ReviewQueries`. Nothing here
identifies a person: outputs carry counts, question texts and pseudonymous keys only.
The Telegram HTML of the admin commands lives in :mod:`bot.tg.texts`.
"""
