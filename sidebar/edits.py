"""Changes an employee makes from the sidebar.

Tags and remarks live in WeCom: they go through ``mark_tag`` / ``remark`` first, and
only when WeCom accepts them are they written to our store (WeCom sends no callback for
changes made through its API) with a timeline entry like the ones a sync would write.
Notes, the stage, custom fields and reminders are ours alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sidebar.access import CustomerGrant
from sidebar.tenant import SettingsError, TenantSettings, field_value
from wecom_app.directory import timeline
from wecom_app.store.directory import FollowRelation, Tag
from wecom_app.store.sidebar import CustomerNote, CustomerRecord, Reminder
from wecom_app.wecom import CorpAPI
from wecom_app.wecom.external_contact import MAX_DESCRIPTION_CHARS, MAX_REMARK_CHARS

MAX_NOTE_CHARS = 2000
MAX_REMINDER_CHARS = 255
MAX_TAGS_PER_CHANGE = 100


class EditError(ValueError):
    """The change is not valid (shown to the employee as is)."""

    status = 400


class NeedsRelation(EditError):
    """Only an employee who follows the customer can change tags or the remark."""

    status = 409


@dataclass(frozen=True)
class TagChange:
    add: list[str]
    remove: list[str]


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EditError(f"{key} must be a list of tag ids")
    return list(dict.fromkeys(value))


async def _my_relation(corp_pk: int, grant: CustomerGrant, external_userid: str) -> FollowRelation:
    relation = await FollowRelation.filter(
        corp_id=corp_pk, external_userid=external_userid, userid=grant.viewer, status="active"
    ).first()
    if relation is None:
        raise NeedsRelation("只有添加了该客户的员工可以修改标签和备注")
    return relation


async def change_tags(
    api: CorpAPI,
    corp_pk: int,
    grant: CustomerGrant,
    external_userid: str,
    data: dict[str, Any],
    *,
    now: int,
) -> dict[str, Any]:
    add, remove = _strings(data, "add"), _strings(data, "remove")
    if not add and not remove:
        raise EditError("nothing to change")
    if len(add) + len(remove) > MAX_TAGS_PER_CHANGE or set(add) & set(remove):
        raise EditError("a tag is either added or removed, at most 100 at once")
    relation = await _my_relation(corp_pk, grant, external_userid)
    known = {
        t.tag_id: t
        for t in await Tag.filter(corp_id=corp_pk, tag_id__in=[*add, *remove], deleted=False)
    }
    # WeCom's mark_tag sets the corp's own tags only (Doc 92118).
    if any(t not in known or known[t].type != 1 for t in [*add, *remove]):
        raise EditError("unknown tag, or a tag WeCom does not let apps set")
    add = [t for t in add if t not in relation.tag_ids]
    remove = [t for t in remove if t in relation.tag_ids]
    if add or remove:
        await api.external_contact.mark_tag(
            grant.viewer, external_userid, add_tag=add, remove_tag=remove
        )
        old = list(relation.tag_ids)
        new = [t for t in old if t not in remove] + add
        await FollowRelation.filter(id=relation.id).update(tag_ids=new)
        await timeline.record_one(
            corp_pk,
            timeline.Entry(
                external_userid=external_userid,
                userid=grant.viewer,
                kind="tags_changed",
                occurred_at=now,
                key_parts=(grant.viewer, external_userid, now, sorted(old), sorted(new)),
                detail={
                    "added": [{"id": t, "name": known[t].name} for t in add],
                    "removed": [{"id": t, "name": known[t].name} for t in remove],
                    "by": "sidebar",
                },
            ),
        )
    return {"added": add, "removed": remove}


async def change_remark(
    api: CorpAPI,
    corp_pk: int,
    grant: CustomerGrant,
    external_userid: str,
    data: dict[str, Any],
    *,
    now: int,
) -> dict[str, Any]:
    changes: dict[str, str] = {}
    for key, limit in (("remark", MAX_REMARK_CHARS), ("description", MAX_DESCRIPTION_CHARS)):
        if key in data:
            value = data[key]
            if not isinstance(value, str) or len(value) > limit:
                raise EditError(f"{key}: at most {limit} characters")
            changes[key] = value.strip()
    if not changes:
        raise EditError("nothing to change")
    relation = await _my_relation(corp_pk, grant, external_userid)
    await api.external_contact.remark(
        grant.viewer,
        external_userid,
        remark=changes.get("remark"),
        description=changes.get("description"),
    )
    old = (relation.remark, relation.description)
    new = (changes.get("remark", relation.remark), changes.get("description", relation.description))
    await FollowRelation.filter(id=relation.id).update(remark=new[0], description=new[1])
    if old != new:
        await timeline.record_one(
            corp_pk,
            timeline.Entry(
                external_userid=external_userid,
                userid=grant.viewer,
                kind="edited",
                occurred_at=now,
                key_parts=(grant.viewer, external_userid, now, *old, *new),
                detail={
                    "remark": [old[0], new[0]],
                    "description": [old[1], new[1]],
                    "by": "sidebar",
                },
            ),
        )
    return {"remark": new[0], "description": new[1]}


async def add_note(
    corp_pk: int, grant: CustomerGrant, external_userid: str, data: dict[str, Any], *, now: int
) -> dict[str, Any]:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTE_CHARS:
        raise EditError(f"a note is 1 to {MAX_NOTE_CHARS} characters")
    note = await CustomerNote.create(
        corp_id=corp_pk,
        external_userid=external_userid,
        author_userid=grant.viewer,
        text=text.strip(),
        created_at=now,
    )
    return {"id": note.id, "text": note.text, "at": now, "author": grant.viewer}


async def delete_note(
    corp_pk: int, grant: CustomerGrant, external_userid: str, note_id: int
) -> bool:
    """Only the author deletes a note; anything else is "not found"."""
    count = await CustomerNote.filter(
        id=note_id,
        corp_id=corp_pk,
        external_userid=external_userid,
        author_userid=grant.viewer,
        deleted=False,
    ).update(deleted=True)
    return bool(count)


async def _record(corp_pk: int, external_userid: str) -> CustomerRecord:
    record = await CustomerRecord.filter(corp_id=corp_pk, external_userid=external_userid).first()
    if record is None:
        record, _ = await CustomerRecord.get_or_create(
            corp_id=corp_pk, external_userid=external_userid
        )
    return record


async def set_stage(
    corp_pk: int,
    grant: CustomerGrant,
    external_userid: str,
    data: dict[str, Any],
    settings: TenantSettings,
    *,
    now: int,
) -> dict[str, Any]:
    key = data.get("stage")
    if not isinstance(key, str) or (key and settings.stage(key) is None):
        raise EditError("unknown stage")
    record = await _record(corp_pk, external_userid)
    if record.stage != key:
        previous = record.stage
        await CustomerRecord.filter(id=record.id).update(
            stage=key, stage_changed_at=now, stage_changed_by=grant.viewer
        )
        stage = settings.stage(key)
        before = settings.stage(previous)
        await timeline.record_one(
            corp_pk,
            timeline.Entry(
                external_userid=external_userid,
                userid=grant.viewer,
                kind="stage_changed",
                occurred_at=now,
                key_parts=(external_userid, now, previous, key),
                detail={
                    "from": before["name"] if before else previous,
                    "to": stage["name"] if stage else "",
                },
            ),
        )
    return {"stage": key}


async def set_fields(
    corp_pk: int,
    external_userid: str,
    data: dict[str, Any],
    settings: TenantSettings,
) -> dict[str, Any]:
    values = data.get("values")
    if not isinstance(values, dict) or not values:
        raise EditError("values must be an object of field keys")
    checked: dict[str, Any] = {}
    for key, value in values.items():
        definition = settings.field_def(str(key))
        if definition is None:
            raise EditError(f"unknown field {key!r}")
        try:
            checked[str(key)] = field_value(definition, value)
        except SettingsError as exc:
            raise EditError(str(exc)) from None
    record = await _record(corp_pk, external_userid)
    current = dict(record.field_values) if isinstance(record.field_values, dict) else {}
    for key, value in checked.items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    await CustomerRecord.filter(id=record.id).update(field_values=current)
    return {"values": current}


async def add_reminder(
    corp_pk: int, grant: CustomerGrant, external_userid: str, data: dict[str, Any], *, now: int
) -> dict[str, Any]:
    text = data.get("text")
    due = data.get("due_at")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_REMINDER_CHARS:
        raise EditError(f"a reminder is 1 to {MAX_REMINDER_CHARS} characters")
    if not isinstance(due, int) or isinstance(due, bool) or not 0 < due < 4_102_444_800:
        raise EditError("due_at is a time in epoch seconds")
    reminder = await Reminder.create(
        corp_id=corp_pk,
        external_userid=external_userid,
        userid=grant.viewer,
        created_by=grant.viewer,
        text=text.strip(),
        due_at=due,
        created_at=now,
    )
    return {"id": reminder.id, "text": reminder.text, "due_at": due}


async def finish_reminder(
    corp_pk: int, grant: CustomerGrant, external_userid: str, reminder_id: int, *, now: int
) -> bool:
    count = await Reminder.filter(
        id=reminder_id,
        corp_id=corp_pk,
        external_userid=external_userid,
        userid=grant.viewer,
        done_at__isnull=True,
    ).update(done_at=now)
    return bool(count)
