"""One demo company: the archive is generated from the same world as the directory."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from wecom_app.demo.archive import DEMO_ARCHIVE_DAYS, DEMO_ARCHIVE_MESSAGES, generate_demo_archive
from wecom_app.demo.run import demo_org
from wecom_app.simulator.archive_corpus import CST
from wecom_app.simulator.archive_gen import generate_archive
from wecom_app.simulator.archive_log import GeneratedArchive
from wecom_app.simulator.generator import generate_org
from wecom_app.simulator.simulator import Simulator
from wecom_app.simulator.state import Org, SimClock
from wecom_app.simulator.world import archive_cast

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=CST).timestamp()


def _demo_log() -> tuple[Org, GeneratedArchive]:
    sim = Simulator(clock=SimClock(NOW), seed=1)
    org = sim.add_org(demo_org())
    return org, generate_demo_archive(sim, org.corp_id, DEMO_ARCHIVE_MESSAGES)


def test_every_archive_sender_and_receiver_is_in_the_directory() -> None:
    org, log = _demo_log()
    people = set(org.employees) | set(org.customers)
    robots = {r.id for r in log.robots}
    parties = Counter[str]()
    for generated in log.messages:
        message = generated.message
        if message.get("action") == "switch":
            assert message["user"] in org.employees
            continue
        for who in (message["from"], *message["tolist"]):
            assert who in people or who in robots, who
            parties[who] += 1
        if message["roomid"]:
            assert message["roomid"] in org.group_chats
    archived = [e for e in org.employees.values() if e.customer_contact]
    assert {e.userid for e in archived} <= set(parties)
    # Most customers have had a 1:1 conversation with the employee who follows them.
    one_to_one = {g.customer for g in log.messages if g.customer}
    assert len(one_to_one) > 0.7 * len(org.customers)
    for generated in log.messages:
        if generated.customer and generated.message.get("action") == "send":
            sender = generated.message["from"]
            employee = sender if sender in org.employees else generated.message["tolist"][0]
            assert org.follow(employee, generated.customer) is not None


def test_the_demo_archive_spreads_over_weeks_and_the_hours_of_the_day() -> None:
    _, log = _demo_log()
    times = [g.message["msgtime"] / 1000 for g in log.messages if "msgtime" in g.message]
    assert times == sorted(times)
    assert max(times) < NOW  # nothing archived in the future
    assert (max(times) - min(times)) / 86400 > DEMO_ARCHIVE_DAYS * 0.7
    hours = Counter(datetime.fromtimestamp(t, CST).hour for t in times)
    assert set(hours) == set(range(8, 22))
    days = {datetime.fromtimestamp(t, CST).date() for t in times}
    assert len(days) > 25
    kinds = log.msgtypes()
    for kind in ("text", "image", "file", "revoke", "agree", "voice", "link"):
        assert kinds[kind] > 0, kind
    texts = [g.message["text"]["content"] for g in log.messages if g.msgtype == "text"]
    assert any("价" in t for t in texts)
    assert any("售后" in t or "维修" in t for t in texts)


def test_a_cast_makes_the_same_archive_for_the_same_seed() -> None:
    org = generate_org(7, customers=60, employees=10)
    first = generate_archive(3, 400, cast=archive_cast(org), span_days=10)
    again = generate_archive(3, 400, cast=archive_cast(org), span_days=10)
    assert [g.message for g in first.messages] == [g.message for g in again.messages]
    assert {p.id for p in first.customers} <= set(org.customers)


def test_a_cast_needs_people() -> None:
    org = generate_org(7, customers=0, employees=3)
    with pytest.raises(ValueError):
        generate_archive(3, 10, cast=archive_cast(org))
