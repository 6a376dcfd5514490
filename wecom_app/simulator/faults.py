"""Fault injection and rate limits for the simulated WeCom API.

Faults are armed per API path (``/cgi-bin/externalcontact/batch/get_by_user``) or for
every path with ``"*"``, and fire on the next matching calls:

* :meth:`Faults.fail_next` — answer with an errcode (``-1`` = system busy, retry),
  optionally with the extra fields WeCom sends with it (701008's ``fail_info``);
* :meth:`Faults.fail_item_next` — one item of a batch answer fails with an errcode (a
  chat in ``failed_chat_list``, a customer in a transfer's ``customer`` list);
* :meth:`Faults.delay_next` — answer late (real seconds; a client's timeout fires);
* :meth:`Faults.http_error_next` — a gateway error without a JSON body;
* :meth:`Faults.repeat_cursor` — a page whose ``next_cursor`` is the cursor that was
  sent, so a client that trusts cursors blindly loops forever.

Rate limits are WeCom's (Doc 90454, wecom-protocol.md §8): per corp per API 10,000 calls
a minute and 150,000 an hour; per calling IP per API 20,000 a minute and 600,000 an hour
over all corps (a provider's calls: 40,000 and 1,200,000). Past a limit WeCom answers
45009 (❓ the IP limit's own code is not documented; 45009 is its wording, 接口调用超过
限制) and the block lasts as long as the limit's window, on the simulator clock. App
messages are limited per app per member (30 a minute, 1,000 an hour): WeCom drops the
excess without an error, see :meth:`RateLimits.allow_message`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANY_PATH = "*"


@dataclass
class _Armed:
    remaining: int
    errcode: int = 0
    errmsg: str = ""
    seconds: float = 0.0
    status: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class InjectedFailure:
    errcode: int
    errmsg: str
    extra: dict[str, Any] = field(default_factory=dict)


class Faults:
    def __init__(self) -> None:
        self._failures: dict[str, list[_Armed]] = {}
        self._delays: dict[str, list[_Armed]] = {}
        self._http_errors: dict[str, list[_Armed]] = {}
        self._cursor_repeats: dict[str, list[_Armed]] = {}
        self._items: dict[str, list[_Armed]] = {}

    # -- arming (tests) --------------------------------------------------------------

    def fail_next(
        self,
        path: str,
        errcode: int = -1,
        times: int = 1,
        errmsg: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self._failures.setdefault(path, []).append(
            _Armed(remaining=times, errcode=errcode, errmsg=errmsg, extra=dict(extra or {}))
        )

    def fail_item_next(self, path: str, item_id: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` answers of ``path`` give ``item_id`` ``errcode``."""
        self._items.setdefault(f"{path} {item_id}", []).append(
            _Armed(remaining=times, errcode=errcode)
        )

    def delay_next(self, path: str, seconds: float, times: int = 1) -> None:
        self._delays.setdefault(path, []).append(_Armed(remaining=times, seconds=seconds))

    def http_error_next(self, path: str, status: int = 502, times: int = 1) -> None:
        self._http_errors.setdefault(path, []).append(_Armed(remaining=times, status=status))

    def repeat_cursor(self, path: str, times: int = 1) -> None:
        self._cursor_repeats.setdefault(path, []).append(_Armed(remaining=times))

    def clear(self) -> None:
        for armed in (
            self._failures,
            self._delays,
            self._http_errors,
            self._cursor_repeats,
            self._items,
        ):
            armed.clear()

    # -- firing (the API server) -----------------------------------------------------

    def take_failure(self, path: str) -> InjectedFailure | None:
        armed = _take(self._failures, path)
        if armed is None:
            return None
        return InjectedFailure(armed.errcode, armed.errmsg, dict(armed.extra))

    def take_item_failure(self, path: str, item_id: str) -> int:
        """The injected errcode of one batch item (0: none armed)."""
        queue = self._items.get(f"{path} {item_id}")
        if not queue:
            return 0
        armed = queue[0]
        armed.remaining -= 1
        if armed.remaining <= 0:
            queue.pop(0)
        return armed.errcode

    def take_delay(self, path: str) -> float:
        armed = _take(self._delays, path)
        return 0.0 if armed is None else armed.seconds

    def take_http_error(self, path: str) -> int:
        armed = _take(self._http_errors, path)
        return 0 if armed is None else armed.status

    def take_cursor_repeat(self, path: str) -> bool:
        return _take(self._cursor_repeats, path) is not None


def _take(table: dict[str, list[_Armed]], path: str) -> _Armed | None:
    for key in (path, ANY_PATH):
        queue = table.get(key)
        if not queue:
            continue
        armed = queue[0]
        armed.remaining -= 1
        if armed.remaining <= 0:
            queue.pop(0)
        return armed
    return None


@dataclass
class _Window:
    started: float
    count: int = 0
    blocked_until: float = 0.0


@dataclass
class RateLimits:
    """WeCom's per-corp, per-API call limits on the simulator clock.

    ``per_path_per_minute`` overrides the minute limit for single paths (a test that
    wants 45009 after 5 calls sets it to 5 for one API).
    """

    clock: Callable[[], float]
    per_minute: int = 10_000
    per_hour: int = 150_000
    per_path_per_minute: dict[str, int] = field(default_factory=dict)
    ip_per_minute: int = 20_000
    ip_per_hour: int = 600_000
    provider_ip_per_minute: int = 40_000
    provider_ip_per_hour: int = 1_200_000
    messages_per_member_minute: int = 30
    messages_per_member_hour: int = 1_000
    _minute: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _hour: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _messages: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    _messages_hour: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def allow(self, caller: str, path: str) -> bool:
        """Count one call of ``caller`` (a corp or suite id) to ``path``; False = 45009."""
        now = self.clock()
        key = (caller, path)
        minute_limit = self.per_path_per_minute.get(path, self.per_minute)
        allowed_minute = _count(self._minute, key, now, 60.0, minute_limit)
        allowed_hour = _count(self._hour, key, now, 3600.0, self.per_hour)
        return allowed_minute and allowed_hour

    def allow_ip(self, ip: str, path: str, *, provider: bool) -> bool:
        """Count one call from ``ip`` to ``path`` (all corps together); False = 45009."""
        now = self.clock()
        key = (f"ip:{'provider:' if provider else ''}{ip}", path)
        per_minute = self.provider_ip_per_minute if provider else self.ip_per_minute
        per_hour = self.provider_ip_per_hour if provider else self.ip_per_hour
        allowed_minute = _count(self._minute, key, now, 60.0, per_minute)
        allowed_hour = _count(self._hour, key, now, 3600.0, per_hour)
        return allowed_minute and allowed_hour

    def allow_message(self, corp_id: str, agent_id: int, userid: str) -> bool:
        """Count one app message to ``userid``; False: WeCom drops it (no error)."""
        now = self.clock()
        key = (f"msg:{corp_id}:{agent_id}", userid)
        minute = _sliding(self._messages, key, now, 60.0, self.messages_per_member_minute)
        hour = _sliding(self._messages_hour, key, now, 3600.0, self.messages_per_member_hour)
        if minute and hour:
            self._messages.setdefault(key, []).append(now)
            self._messages_hour.setdefault(key, []).append(now)
            return True
        return False

    def reset(self) -> None:
        self._minute.clear()
        self._hour.clear()
        self._messages.clear()
        self._messages_hour.clear()


def _count(
    windows: dict[tuple[str, str], _Window],
    key: tuple[str, str],
    now: float,
    length: float,
    limit: int,
) -> bool:
    window = windows.get(key)
    if window is None or (now - window.started >= length and now >= window.blocked_until):
        window = windows[key] = _Window(started=now)
    if now < window.blocked_until:
        return False
    window.count += 1
    if window.count > limit:
        # The block lasts as long as the window the limit is counted over (Doc 90313).
        window.blocked_until = now + length
        return False
    return True


def _sliding(
    sent: dict[tuple[str, str], list[float]],
    key: tuple[str, str],
    now: float,
    length: float,
    limit: int,
) -> bool:
    """Room for one more in the last ``length`` seconds (old entries are forgotten)."""
    times = [t for t in sent.get(key, []) if now - t < length]
    sent[key] = times
    return len(times) < limit
