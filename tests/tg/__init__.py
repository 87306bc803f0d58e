"""Tests of bot/tg/."""
