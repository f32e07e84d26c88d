"""Data files shipped with the bot (read with importlib.resources)."""
