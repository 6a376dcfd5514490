"""Per-tenant sidebar settings: defaults, validation, and a short in-process cache."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wecom_app.store.sidebar import SidebarSettings

DEFAULT_PIPELINE: tuple[dict[str, str], ...] = (
    {"key": "new", "name": "新客户"},
    {"key": "contacted", "name": "初步沟通"},
    {"key": "interested", "name": "意向明确"},
    {"key": "quoted", "name": "已报价"},
    {"key": "won", "name": "成交"},
    {"key": "lost", "name": "流失"},
)
FIELD_TYPES = ("text", "number", "date", "select")
MAX_STAGES = 20
MAX_FIELDS = 30
MAX_FIELD_TEXT = 200
_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SettingsError(ValueError):
    """An admin's settings are not valid; the message says which part."""


@dataclass(frozen=True)
class TenantSettings:
    successor_view: bool = True
    refresh_minutes: int = 30
    pipeline: tuple[dict[str, str], ...] = DEFAULT_PIPELINE
    custom_fields: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def stage(self, key: str) -> dict[str, str] | None:
        return next((s for s in self.pipeline if s["key"] == key), None)

    def field_def(self, key: str) -> dict[str, Any] | None:
        return next((f for f in self.custom_fields if f["key"] == key), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "successor_view": self.successor_view,
            "refresh_minutes": self.refresh_minutes,
            "pipeline": list(self.pipeline),
            "custom_fields": list(self.custom_fields),
        }


def validate(data: dict[str, Any], current: TenantSettings) -> TenantSettings:
    """A new :class:`TenantSettings` from an admin's (partial) JSON."""
    successor_view = data.get("successor_view", current.successor_view)
    if not isinstance(successor_view, bool):
        raise SettingsError("successor_view must be true or false")
    refresh = data.get("refresh_minutes", current.refresh_minutes)
    if not isinstance(refresh, int) or isinstance(refresh, bool) or not 1 <= refresh <= 10080:
        raise SettingsError("refresh_minutes must be a whole number from 1 to 10080")
    pipeline = current.pipeline
    if "pipeline" in data:
        pipeline = _pipeline(data["pipeline"])
    custom = current.custom_fields
    if "custom_fields" in data:
        custom = _fields(data["custom_fields"])
    return TenantSettings(successor_view, refresh, pipeline, custom)


def _pipeline(raw: object) -> tuple[dict[str, str], ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STAGES:
        raise SettingsError(f"pipeline must list 1 to {MAX_STAGES} stages")
    out: list[dict[str, str]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise SettingsError("each stage is an object with key and name")
        key, name = item.get("key"), item.get("name")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise SettingsError("a stage key is 1-32 of a-z, 0-9, _ (starting with a letter)")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 32:
            raise SettingsError("a stage name is 1-32 characters")
        if any(s["key"] == key for s in out):
            raise SettingsError(f"stage key {key!r} appears twice")
        out.append({"key": key, "name": name.strip()})
    return tuple(out)


def _fields(raw: object) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list) or len(raw) > MAX_FIELDS:
        raise SettingsError(f"custom_fields must list at most {MAX_FIELDS} fields")
    out: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise SettingsError("each field is an object with key, label and type")
        key, label, kind = item.get("key"), item.get("label"), item.get("type", "text")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise SettingsError("a field key is 1-32 of a-z, 0-9, _ (starting with a letter)")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 32:
            raise SettingsError("a field label is 1-32 characters")
        if kind not in FIELD_TYPES:
            raise SettingsError(f"a field type is one of {', '.join(FIELD_TYPES)}")
        options: list[str] = []
        if kind == "select":
            raw_options = item.get("options")
            if (
                not isinstance(raw_options, list)
                or not 1 <= len(raw_options) <= 50
                or not all(isinstance(o, str) and 1 <= len(o) <= 32 for o in raw_options)
            ):
                raise SettingsError("a select field needs 1-50 options of 1-32 characters")
            options = list(dict.fromkeys(raw_options))
        if any(f["key"] == key for f in out):
            raise SettingsError(f"field key {key!r} appears twice")
        out.append({"key": key, "label": label.strip(), "type": kind, "options": options})
    return tuple(out)


def field_value(definition: dict[str, Any], value: object) -> str | float | None:
    """A custom field's value checked against its definition (None clears it)."""
    if value is None or value == "":
        return None
    kind = definition["type"]
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise SettingsError(f"{definition['label']}: a number")
        try:
            number = float(value)
        except ValueError:
            raise SettingsError(f"{definition['label']}: a number") from None
        if number != number or abs(number) > 1e15:
            raise SettingsError(f"{definition['label']}: a number")
        return number
    if not isinstance(value, str):
        raise SettingsError(f"{definition['label']}: text")
    if kind == "date" and not _DATE.fullmatch(value):
        raise SettingsError(f"{definition['label']}: a date as YYYY-MM-DD")
    if kind == "select" and value not in definition["options"]:
        raise SettingsError(f"{definition['label']}: one of the options")
    if len(value) > MAX_FIELD_TEXT:
        raise SettingsError(f"{definition['label']}: at most {MAX_FIELD_TEXT} characters")
    return value


class TenantSettingsCache:
    """Settings per corp, re-read after ``ttl_s`` (an admin's change in another process
    shows within that time; in this process at once).

    Concurrent misses of one corp share one read: the read goes through Tortoise's
    worker thread, which waits for the GIL while the event loop is busy, and fifty
    requests each queueing their own read at an expiry stalled for seconds.
    """

    def __init__(self, ttl_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[int, tuple[float, TenantSettings]] = {}
        self._loading: dict[int, asyncio.Future[TenantSettings | None]] = {}
        self._saves = 0  # a read that overlapped a save must not cache what it read

    async def get(self, corp_pk: int) -> TenantSettings:
        hit = self._cache.get(corp_pk)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        pending = self._loading.get(corp_pk)
        if pending is not None:
            shared = await asyncio.shield(pending)
            if shared is not None:
                return shared
            return await self._load(corp_pk)  # that read failed: try ours
        loading: asyncio.Future[TenantSettings | None] = asyncio.get_running_loop().create_future()
        self._loading[corp_pk] = loading
        settings: TenantSettings | None = None
        try:
            settings = await self._load(corp_pk)
            return settings
        finally:
            del self._loading[corp_pk]
            loading.set_result(settings)

    async def _load(self, corp_pk: int) -> TenantSettings:
        saves = self._saves
        row = await SidebarSettings.filter(corp_id=corp_pk).first()
        settings = from_row(row)
        if saves == self._saves:
            self._cache[corp_pk] = (self._clock() + self._ttl, settings)
        return settings

    async def save(self, corp_pk: int, settings: TenantSettings) -> None:
        row = await SidebarSettings.filter(corp_id=corp_pk).first()
        if row is None:
            row = SidebarSettings(corp_id=corp_pk)
        row.successor_view = settings.successor_view
        row.refresh_minutes = settings.refresh_minutes
        row.pipeline = list(settings.pipeline)
        row.custom_fields = list(settings.custom_fields)
        await row.save()
        self._saves += 1
        self._cache.pop(corp_pk, None)


def from_row(row: SidebarSettings | None) -> TenantSettings:
    if row is None:
        return TenantSettings()
    return TenantSettings(
        successor_view=row.successor_view,
        refresh_minutes=row.refresh_minutes,
        pipeline=tuple(row.pipeline) if row.pipeline else DEFAULT_PIPELINE,
        custom_fields=tuple(row.custom_fields),
    )
