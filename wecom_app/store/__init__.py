"""Persistence: Tortoise models and database set-up (SQLite embedded, PostgreSQL at scale)."""
