"""Hardgate: a fail-closed security gate for database-backed services."""

__version__ = "0.1.0"
