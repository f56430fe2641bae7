"""Grassroots: a grassroots-governance platform (cases, whistles, lists, live wall screen)."""

__version__ = "0.1.0"
