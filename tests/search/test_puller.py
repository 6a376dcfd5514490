"""End to end with the archive puller: what it stores is findable, in the same commit.

The puller (``wecom_app.archive``) announces stored messages inside its batch
transaction to ``on_messages_stored``, registered as a listener by the composition root;
here a simulated org's archive is pulled and then searched.
"""

from __future__ import annotations

import random

import pytest

from tests.support.archive import make_world, stored
from tests.support.search import TEST_AUDIT_KEY, compliance_viewer
from wecom_app.runtime.wiring import listen_to_archive
from wecom_app.search.query import parse_query
from wecom_app.search.request import SearchRequest
from wecom_app.search.service import Compliance
from wecom_app.store.search import SearchDoc
from wecom_app.text.terms import index_terms, runs

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture(autouse=True)
def _search_listens_to_the_archive() -> None:
    listen_to_archive()  # what the composition root registers


async def test_pulled_messages_are_indexed_and_found() -> None:
    world = await make_world(count=600)
    await world.pull(batch_size=250, hook=None)  # None: the product's own listeners
    messages = await stored(world.corp)
    searchable = [m for m in messages if m.status == "ok" and index_terms(m.text)]
    assert len(searchable) > 100
    assert await SearchDoc.filter(corp_id=world.corp.pk).count() == len(searchable)

    rng = random.Random(5)
    service = Compliance(audit_key=TEST_AUDIT_KEY)
    viewer = compliance_viewer(world.corp)
    for message in rng.sample(searchable, 25):
        chinese = [r for r in runs(message.text) if r.cls == "c" and len(r.text) >= 2]
        if not chinese:
            continue
        run = rng.choice(chinese)
        start = rng.randrange(len(run.text) - 1)
        needle = run.text[start : start + rng.randint(2, 4)]
        q = f'"{needle}"'
        found: list[int] = []
        request = SearchRequest(q, parse_query(q), limit=200)
        while True:
            page = await service.search(viewer, request)
            found += [h.id for h in page.hits]
            if page.next_cursor is None:
                break
            from wecom_app.search.request import decode_cursor

            request = SearchRequest(
                q, request.match, cursor=decode_cursor(page.next_cursor, "time"), limit=200
            )
        assert message.id in found, (message.text, needle)
