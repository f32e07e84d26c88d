"""Storage: SQLAlchemy 2 async models and the functions that read and write them.

ORM objects stay inside this package; callers get frozen dataclasses. Functions take a session and never
commit: the caller owns the transaction (one per update).
"""
