"""Data on disk is the operator's alone: folders 0700, files 0600.

The SQLite database (and the WAL and shared-memory files SQLite creates with the
database file's mode), archived media and the embedded secret key hold tenants' data;
nobody else on the host may read them, whatever the process's umask.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents 0700 (existing ones are left alone, but
    ``path`` itself is made 0700 if it is ours)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask
    if path.is_dir() and path.stat().st_uid == os.getuid():
        os.chmod(path, DIR_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty if missing, and make it 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)
