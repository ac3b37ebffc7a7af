"""Placeholder until the app exists."""
