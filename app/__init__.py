"""anitui: a keyboard-driven terminal app for anime fans."""

__version__ = "0.1.0"
