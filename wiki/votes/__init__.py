"""Votes on pages, product ratings and ranking."""
