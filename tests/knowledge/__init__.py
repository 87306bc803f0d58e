"""Tests of bot/knowledge/."""
