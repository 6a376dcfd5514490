"""Random round trips: any genuine event, encrypted as WeCom does, is stored whole, once.

Hypothesis builds self-built events (known and unknown names, Chinese text, numbers,
lists, timestamps anywhere inside the replay window); each is sealed with a fresh nonce
and random prefix, posted, answered ``success`` and found in the inbox exactly as
decrypted. A retry of it (WeCom re-encrypts) answers ``success`` and adds nothing.
"""

from __future__ import annotations

import string

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.callbacks import CORP_URL, corp_crypto
from wecom_app.protocol.xml import parse_xml
from wecom_app.services import Services
from wecom_app.simulator.callbacks import FieldValue, event_xml, seal, self_built_event
from wecom_app.store.models import InboxEvent

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
_tag = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=1).flatmap(
    lambda head: st.text(alphabet=string.ascii_letters, max_size=12).map(lambda t: head + t)
)
_value: st.SearchStrategy[FieldValue] = st.one_of(
    _text,
    st.integers(min_value=0, max_value=2**53),
    st.lists(st.text(alphabet=string.ascii_letters + string.digits, max_size=10), max_size=3),
)
_event = st.sampled_from(
    [
        ("change_contact", "create_user"),
        ("change_contact", "update_user"),
        ("change_external_contact", "add_external_contact"),
        ("change_external_chat", "update"),
        ("change_external_tag", "create"),
        ("msgaudit_notify", ""),
        ("some_future_event", "whatever"),
    ]
)
_reserved = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "ChangeType"}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=_event,
    extra=st.dictionaries(_tag.filter(lambda t: t not in _reserved), _value, max_size=6),
    skew=st.integers(min_value=-290, max_value=290),
)
async def test_random_genuine_events_round_trip_into_the_inbox_once(
    client: httpx.AsyncClient,
    services: Services,
    clock: FakeClock,
    kind: tuple[str, str],
    extra: dict[str, FieldValue],
    skew: int,
) -> None:
    event, change = kind
    sent_at = int(clock()) + skew
    fields = self_built_event(TEST_CORP_ID, event, change, create_time=sent_at, **extra)
    message = event_xml(fields)
    before = await InboxEvent.all().count()
    duplicates = services.metrics.callbacks_duplicate.value("corp")

    first = seal(corp_crypto(), message, timestamp=sent_at)
    answer = await client.post(CORP_URL, params=first.query, content=first.body.encode())
    assert (answer.status_code, answer.text) == (200, "")
    stored = await InboxEvent.filter(payload=message.decode()).all()
    new = await InboxEvent.all().count() - before
    if new == 1:  # a brand-new event (hypothesis may repeat an earlier example)
        assert len(stored) == 1
        assert stored[0].corp_id == TEST_CORP_ID
        assert stored[0].name == event
        assert parse_xml(stored[0].payload) == parse_xml(message)
    else:
        assert new == 0
        assert len(stored) == 1
        duplicates += 1

    retry = seal(corp_crypto(), message, timestamp=sent_at)
    assert retry.body != first.body  # re-encrypted, as WeCom retries
    answer = await client.post(CORP_URL, params=retry.query, content=retry.body.encode())
    assert (answer.status_code, answer.text) == (200, "")
    assert await InboxEvent.filter(payload=message.decode()).count() == 1
    assert services.metrics.callbacks_duplicate.value("corp") == duplicates + 1
