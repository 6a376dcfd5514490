"""Realistic Chinese sales and service conversations for the simulator's archive.

``generate_archive(seed, count)`` writes a deterministic log of ``count`` decrypted
archive messages, shaped exactly as DecryptData yields them (wecom-protocol.md §6): 1:1
chats between employees and customers (sales and after-sales scripts), customer groups
with several customers and a robot, internal chats between colleagues; every message
type of §6, recalls of earlier messages, switch records, and media (images, voice,
video, files, ...) with bytes and correct md5.

Several sessions run at once and their turns interleave, as in a real org. Every
message also carries what the generator *meant* (its conversation, the customer of a
1:1 chat, its media), so tests check the normaliser against the generator rather than
against itself. 100,000 messages take a few seconds; media bytes are made on demand
(:class:`~wecom_app.simulator.archive.MediaBlob`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from wecom_app.simulator.archive_bodies import MessageBodies
from wecom_app.simulator.archive_corpus import (
    CITIES,
    COMPANIES,
    CST,
    CUSTOMER_RICH,
    DEFAULT_START,
    EMPLOYEES,
    GIVEN,
    GROUP,
    GROUP_RICH,
    INTERNAL,
    INTERNAL_RICH,
    PRODUCTS,
    SALES,
    SERVICE,
    SMALL_TALK_CUSTOMER,
    SMALL_TALK_EMPLOYEE,
    SURNAMES,
    Product,
    pick,
)
from wecom_app.simulator.archive_log import (
    Conversation,
    GeneratedArchive,
    GeneratedMessage,
    Group,
    Person,
)
from wecom_app.simulator.world import Cast

JsonObject = dict[str, Any]
_ACTIVE_DAY_MS = 14 * 3600 * 1000  # 08:00–22:00: when people chat


class _Cycle:
    """Deterministic round robin over a shuffled list, reshuffled when used up."""

    def __init__(self, rng: random.Random, items: Sequence[str]) -> None:
        self._rng = rng
        self._items = list(items)
        self._queue: list[str] = []

    def next(self) -> str:
        if not self._queue:
            self._queue = list(self._items)
            self._rng.shuffle(self._queue)
        return self._queue.pop()

    def push_back(self, item: str) -> None:
        """``item`` comes next again."""
        self._queue.append(item)


_Turn = tuple[str, str, JsonObject]  # (sender, msgtype, fields beside the base fields)


class _Generator(MessageBodies):
    def __init__(
        self,
        seed: int,
        corp_id: str,
        start: datetime,
        big_media_every: int,
        parallel: int,
        cast: Cast | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.corp_id = corp_id
        self.now_ms = int(start.timestamp() * 1000)
        self.start_ms = self.now_ms
        self.active_ms = 0
        self.step_ms = (2_000, 90_000)
        self.spread = False
        self.big_media_every = big_media_every
        self.parallel = parallel
        self.media_count = 0
        self.msg_count = 0
        self.corp_name = (
            pick(self.rng, ["简致家居", "优选电器", "启明教育", "云启软件"]) + "（演示）"
        )
        if cast is None:
            self.employees = [Person(uid, name, self.corp_name) for uid, name in EMPLOYEES]
            self.customers = [self._customer(i) for i in range(240)]
        else:
            self.corp_name = cast.corp_name
            self.employees = list(cast.employees)
            self.customers = list(cast.customers)
        self.robots = [Person("wb" + self._token(30), name) for name in ("群助手", "活动小助手")]
        self.names = {p.id: p.name for p in [*self.employees, *self.customers, *self.robots]}
        if cast is None:
            self.groups = [self._group(i) for i in range(24)]
        else:
            self.groups = [self._with_robot(i, g) for i, g in enumerate(cast.groups)]
        self.cycles = {
            "customer": _Cycle(self.rng, CUSTOMER_RICH),
            "group": _Cycle(self.rng, GROUP_RICH),
            "internal": _Cycle(self.rng, INTERNAL_RICH),
        }
        self.agreed: set[str] = set()
        self.refused: set[str] = set()
        if cast is None:
            self.owner = {c.id: pick(self.rng, self.employees).id for c in self.customers}
        else:
            self.owner = dict(cast.owner)
        # With a cast every customer is talked to before anyone is talked to twice.
        self.next_customer = _Cycle(self.rng, [c.id for c in self.customers])
        self.by_id = {c.id: c for c in self.customers}
        self.cast = cast is not None

    def _with_robot(self, index: int, group: Group) -> Group:
        if index % 2:
            return group
        robot = self.robots[index % len(self.robots)].id
        return Group(group.roomid, group.name, (*group.members, robot))

    def spread_over(self, days: int, count: int) -> None:
        """Spread ``count`` messages over ``days`` days, 08:00–22:00 China time each."""
        self.spread = True
        # Sessions that end tick without a message: aim short so the log ends in time.
        average = days * _ACTIVE_DAY_MS * 4 // (5 * max(1, count))
        self.step_ms = (max(1_000, average // 5), max(2_000, average * 9 // 5))

    def _tick(self, low: int, high: int) -> None:
        step = self.rng.randint(low, high)
        if not self.spread:
            self.now_ms += step
            return
        self.active_ms += step
        day, within = divmod(self.active_ms, _ACTIVE_DAY_MS)
        self.now_ms = self.start_ms + day * 86_400_000 + within

    # ------------------------------------------------------------------ ids

    def _customer(self, index: int) -> Person:
        name = pick(self.rng, SURNAMES) + "".join(
            self.rng.choices(GIVEN, k=self.rng.choice((1, 2)))
        )
        if index % 5 == 4:  # a member of another WeCom org
            return Person("wo" + self._token(30), name, pick(self.rng, COMPANIES))
        return Person("wm" + self._token(30), name, "微信")

    def _group(self, index: int) -> Group:
        product = pick(self.rng, PRODUCTS).name
        name = pick(
            self.rng,
            [f"{product}客户交流群", f"VIP客户服务群{index + 1}", f"{product}团购{index + 1}群"],
        )
        staff = self.rng.sample(self.employees, self.rng.randint(1, 3))
        customers = self.rng.sample(self.customers, self.rng.randint(3, 12))
        members = [p.id for p in staff] + [p.id for p in customers]
        if index % 2 == 0:
            members.append(self.robots[index % len(self.robots)].id)
        return Group("wr" + self._token(30), name, tuple(members))

    def _msgid(self, external: bool) -> str:
        self.msg_count += 1
        number = self.rng.getrandbits(60) << 4 | (self.msg_count & 0xF)
        return f"{number}_{self.now_ms}" + ("_external" if external else "")

    # -------------------------------------------------------------- sessions

    def _new_session(self) -> tuple[Conversation, Iterator[_Turn]]:
        roll = self.rng.random()
        # With a cast, most sessions are with customers.
        sales, service, group = (0.43, 0.75, 0.92) if self.cast else (0.33, 0.58, 0.86)
        if roll < sales:
            conv = self._single("sales")
        elif roll < service:
            conv = self._single("service")
        elif roll < group and self.groups:
            group = pick(self.rng, self.groups)
            conv = Conversation("group", group.members, group.roomid, group.name)
        else:
            a, b = self.rng.sample(self.employees, 2)
            conv = Conversation("internal", (a.id, b.id))
        return conv, self._turns(conv)

    def _single(self, kind: str) -> Conversation:
        choose = (
            (lambda: self.by_id[self.next_customer.next()])
            if self.cast
            else (lambda: pick(self.rng, self.customers))
        )
        customer = choose()
        for _ in range(8):  # customers who refused archiving have no archived 1:1 chats
            if customer.id not in self.refused:
                break
            customer = choose()
        return Conversation(kind, (self.owner[customer.id], customer.id))

    def _vars(self, conv: Conversation) -> dict[str, Any]:
        rng = self.rng
        product: Product = pick(rng, PRODUCTS)
        city = pick(rng, CITIES)[0]
        staff = [
            m for m in conv.members if m in self.names and not m.startswith(("wm", "wo", "wb"))
        ]
        customers = [m for m in conv.members if m.startswith(("wm", "wo"))]
        deal = int(product.price * rng.choice((0.8, 0.85, 0.88, 0.9)))
        others = [e for e in self.employees if e.id not in staff]
        when = datetime.fromtimestamp(self.now_ms / 1000, CST) + timedelta(days=rng.randint(1, 9))
        return {
            "product": product.name,
            "price": product.price,
            "deal": deal,
            "cut": rng.choice((50, 100, 200, 300)),
            "gift": pick(rng, product.gifts),
            "problem": pick(rng, product.problems),
            "unit": product.unit,
            "qty": rng.choice((5, 10, 20, 50, 100)),
            "instalment": round(deal / 12),
            "city": city,
            "date": f"{when.month}月{when.day}日",
            "month": when.month,
            "order": f"SO{when:%Y%m%d}{rng.randint(100000, 999999)}",
            "ticket": f"GD{rng.randint(10000000, 99999999)}",
            "phone_tail": f"{rng.randint(0, 9999):04d}",
            "corp": self.corp_name,
            "company": pick(rng, COMPANIES),
            "group": conv.name,
            "employee": self.names.get(staff[0], "") if staff else "",
            "employee2": pick(rng, others).name if others else "",
            "customer_name": (
                self.names[customers[0]] if customers else pick(rng, self.customers).name
            ),
        }

    def _turns(self, conv: Conversation) -> Iterator[_Turn]:
        rng = self.rng
        values = self._vars(conv)
        staff = [m for m in conv.members if not m.startswith(("wm", "wo", "wb"))]
        customers = [m for m in conv.members if m.startswith(("wm", "wo"))]
        robots = [m for m in conv.members if m.startswith("wb")]
        roles = {
            "e": staff[0],
            "e2": staff[1] if len(staff) > 1 else staff[0],
            "c": customers[0] if customers else staff[-1],
            "c2": customers[1]
            if len(customers) > 1
            else (customers[0] if customers else staff[-1]),
        }
        if conv.kind == "group" and len(customers) > 2:
            roles["c"], roles["c2"] = rng.sample(customers, 2)
        if conv.kind == "internal":
            roles["e2"] = staff[1]
        scripts = {"sales": SALES, "service": SERVICE, "group": GROUP, "internal": INTERNAL}
        cycle = self.cycles[{"sales": "customer", "service": "customer"}.get(conv.kind, conv.kind)]

        if conv.kind in ("sales", "service") and roles["c"] not in self.agreed:
            # First archived contact: the customer answers the archiving consent.
            self.agreed.add(roles["c"])
            kind = "disagree" if rng.random() < 0.08 else "agree"
            yield roles["c"], kind, {kind: {"userid": roles["c"], f"{kind}_time": self.now_ms}}
            if kind == "disagree":
                self.refused.add(roles["c"])
                return

        for who, line in pick(rng, scripts[conv.kind]):
            if rng.random() < 0.22:
                rich_sender = roles[who]
                rich = cycle.next()
                if rich == "markdown" and not robots:
                    # Only group robots send markdown: keep it for a group that has one.
                    rich = cycle.next()
                    cycle.push_back("markdown")
                if rich == "markdown" or (rich == "news" and robots and rng.random() < 0.5):
                    rich_sender = robots[0] if robots else rich_sender
                yield rich_sender, rich, self._rich(rich, rich_sender, conv, values)
            yield roles[who], "text", {"text": {"content": line.format(**values)}}
            if rng.random() < 0.12:
                other = "c" if who.startswith("e") else "e"
                talk = SMALL_TALK_CUSTOMER if other == "c" else SMALL_TALK_EMPLOYEE
                yield roles[other], "text", {"text": {"content": pick(rng, talk)}}

    # ---------------------------------------------------------------- driver

    def _base(
        self, sender: str, conv: Conversation, msgtype: str, action: str = "send"
    ) -> JsonObject:
        receivers = [m for m in conv.members if m != sender]
        external = any(m.startswith(("wm", "wo", "wb")) for m in conv.members)
        return {
            "msgid": self._msgid(external),
            "action": action,
            "from": sender,
            "tolist": receivers,
            "roomid": conv.roomid,
            "msgtime": self.now_ms,
            "msgtype": msgtype,
        }

    def _emit(
        self, conv: Conversation, sender: str, msgtype: str, fields: JsonObject
    ) -> GeneratedMessage:
        message = self._base(sender, conv, msgtype)
        message.update(fields)
        customer = None
        if not conv.roomid:
            customer = next((m for m in conv.members if m.startswith(("wm", "wo"))), None)
        media = tuple(self._pending_media)
        self._pending_media = []
        return GeneratedMessage(message, conv.key, customer, media)

    def run(self, count: int) -> GeneratedArchive:
        rng = self.rng
        self._pending_media = []
        out: list[GeneratedMessage] = []
        sessions = [self._new_session() for _ in range(self.parallel)]
        while len(out) < count:
            slot = rng.randrange(len(sessions))
            conv, turns = sessions[slot]
            self._tick(*self.step_ms)
            try:
                sender, msgtype, fields = next(turns)
            except StopIteration:
                sessions[slot] = self._new_session()
                continue
            generated = self._emit(conv, sender, msgtype, fields)
            out.append(generated)
            if len(out) < count and msgtype not in ("agree", "disagree") and rng.random() < 0.015:
                # Recalled within two minutes, by its sender, as WeCom allows.
                self._tick(3_000, 110_000)
                recall = self._base(sender, conv, "revoke", action="recall")
                recall["revoke"] = {"pre_msgid": generated.msgid}
                out.append(GeneratedMessage(recall, conv.key, generated.customer))
            if len(out) < count and rng.random() < 0.004:
                self._tick(1_000, 30_000)
                user = pick(rng, self.employees).id
                switch = {
                    "msgid": self._msgid(False),
                    "action": "switch",
                    "time": self.now_ms,
                    "user": user,
                }
                out.append(GeneratedMessage(switch, "", None))
        return GeneratedArchive(
            corp_id=self.corp_id,
            corp_name=self.corp_name,
            employees=self.employees,
            customers=self.customers,
            robots=self.robots,
            groups=self.groups,
            messages=out,
        )


def generate_archive(
    seed: int,
    count: int,
    *,
    corp_id: str = "wwsimcorp0000001",
    start: datetime = DEFAULT_START,
    big_media_every: int = 60,
    parallel: int = 6,
    cast: Cast | None = None,
    span_days: int = 0,
) -> GeneratedArchive:
    """A deterministic log of ``count`` messages: the same seed gives the same log.

    ``big_media_every``: every n-th media file is 0.6–1.4 MB, so it spans several
    512 KB chunks (0 disables big files). ``cast``: talk with these people (an org's,
    :func:`~wecom_app.simulator.world.archive_cast`) instead of a cast of its own.
    ``span_days``: spread the log over that many days from ``start`` (its time of day
    taken as the day's first hour, 14 active hours a day) instead of a few seconds
    apart.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if cast is not None and not (cast.employees and cast.customers):
        raise ValueError("the cast needs employees and customers")
    generator = _Generator(seed, corp_id, start, big_media_every, max(1, parallel), cast)
    if span_days > 0:
        generator.spread_over(span_days, count)
    return generator.run(count)
