"""Tests of bot/review/."""
