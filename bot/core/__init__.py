"""Pure logic: normalisation, matching and reply rendering.

Nothing in this package may import telegram, aiosqlite or yaml (a test enforces it):
it works on plain data so that the CLI, the bot and the tests share one engine.
"""
