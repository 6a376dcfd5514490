"""会议控制 (meeting_notification), 接龙 (solitaire), 笔记 (note): the simulator's
generator emits them and the normaliser turns them into searchable text, not unknowns."""

from __future__ import annotations

import json

from wecom_app.protocol.archive.normalise import normalise_message
from wecom_app.simulator.archive_corpus import ALL_MSGTYPES
from wecom_app.simulator.archive_gen import generate_archive

NEW_TYPES = {"meeting_notification", "solitaire", "note"}


def test_the_generator_emits_the_new_types_and_each_normalises_to_text() -> None:
    assert NEW_TYPES <= ALL_MSGTYPES
    log = generate_archive(seed=5, count=3000)
    seen: set[str] = set()
    for generated in log.messages:
        message = generated.message
        if message.get("msgtype") not in NEW_TYPES:
            continue
        seen.add(message["msgtype"])
        rec = normalise_message(json.dumps(message, ensure_ascii=False).encode(), seq=1)
        assert not rec.unknown
        assert rec.problems == ()
        assert rec.text.strip()
    assert seen == NEW_TYPES
