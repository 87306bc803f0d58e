"""Tests of bot/querylog/."""
