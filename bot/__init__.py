"""Anlaufstelle: a Telegram bot as the first point of contact for a mobile youth-outreach office."""

__version__ = "0.1.0"
