"""Typed async clients, one per API; never imports Textual."""
