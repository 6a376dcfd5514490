"""Media files of archived messages, served to compliance staff.

Only fetched media of a message the viewer may see, and only a file inside the media
directory (a stored path that points elsewhere is treated as missing).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from wecom_app.search.access import Viewer
from wecom_app.search.guard import Guard
from wecom_app.search.messages import MESSAGE_COLUMNS, NotFound, message_view
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.db import db
from wecom_app.store.sql import marker, rows_of


async def media_file(
    guard: Guard, viewer: Viewer, media_id: int, media_dir: Path | None
) -> tuple[Path, str]:
    """The file of a fetched media item of a visible message, and its type."""
    detail: dict[str, Any] = {"media_id": media_id}
    await guard.require(viewer, "media", detail)
    media = await ArchiveMedia.filter(id=media_id, corp_id=viewer.corp_pk).first()
    if media is None or media.status != "done" or not media.path or media_dir is None:
        raise NotFound(f"media {media_id}")
    conn = db()
    m = marker(conn)
    rows = rows_of(
        await conn.execute_query(
            f"SELECT {MESSAGE_COLUMNS} FROM archive_messages WHERE corp_id = {m(1)} "
            f"AND msgid = {m(2)}",
            [viewer.corp_pk, media.msgid],
        )
    )
    if rows and not await guard.visible(viewer, message_view(rows[0])):
        raise await guard.deny(viewer, "media", {**detail, "reason": "out_of_scope"})
    path = await asyncio.to_thread(_media_path, media_dir, media.path)
    if path is None:
        raise NotFound(f"media {media_id}")
    await guard.audit(viewer, "media", {**detail, "msgid": media.msgid})
    return path, media.msgtype


def _media_path(media_dir: Path, stored: str) -> Path | None:
    """The file of a media row, if it exists inside the media directory."""
    root = media_dir.resolve()
    path = Path(stored)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
