"""The error of an install step, written for the admin who started it."""

from __future__ import annotations


class InstallError(Exception):
    """The install could not complete; the message is written for the admin."""
