"""Shared test helpers: the fake Bot API, the bot harness, review-log builders, update builders."""
