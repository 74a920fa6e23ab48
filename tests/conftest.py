"""Shared fixtures. End-to-end fixtures live in tests/e2e.py and are loaded here."""

pytest_plugins = ["tests.e2e"]
