"""The directory of each tenant kept current by callbacks between full syncs.

- ``change_contact``: employees (create/update/delete_user) and departments (party);
- ``change_external_contact``: customers and their relations with employees;
- ``change_external_chat``: customer group chats and their members;
- ``change_external_tag``: the corp tag library.

Events can arrive out of order (retries, several workers): each employee remembers the
``CreateTime`` of the newest event applied, and an older event never overwrites it; a
relation's end older than the relation (it was added again since) is ignored; adds,
edits and chat changes fetch the current state from WeCom, which is right whatever the
order. Each customer change leaves a timeline entry (:mod:`wecom_app.timeline`) and
relation changes send :data:`wecom_app.signals.relation_changed`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from wecom_app import signals, timeline
from wecom_app.protocol.digits import is_digits
from wecom_app.protocol.events import ChangeContact, ChangeExternalChat, ChangeExternalContact
from wecom_app.protocol.xml import text as xml_text
from wecom_app.store.directory import Department, FollowRelation
from wecom_app.store.models import Corp, Employee
from wecom_app.sync import store
from wecom_app.wecom import CorpAPI, WeComError
from wecom_app.wecom.external_contact import ExternalContactDetail

log = logging.getLogger(__name__)


async def apply_user_change(corp: Corp, event: ChangeContact) -> Employee | None:
    if event.change_type == "delete_user":
        return await _mark_resigned(corp, event)
    employee = await Employee.filter(corp=corp, userid=event.user_id).first()
    if employee is None and event.new_user_id:
        employee = await Employee.filter(corp=corp, userid=event.new_user_id).first()
    if employee is None:
        employee = Employee(corp=corp, userid=event.user_id)
    elif event.create_time < employee.last_event_time:
        return employee  # stale
    if event.new_user_id and event.new_user_id != employee.userid:
        employee.userid = event.new_user_id
    # update_user carries only the fields that changed: keep the rest.
    if event.user_name:
        employee.name = event.user_name
    if event.open_user_id:
        employee.open_userid = event.open_user_id
    if event.departments:
        employee.departments = list(event.departments)
    if event.main_department:
        employee.main_department = event.main_department
    if event.position:
        employee.position = event.position
    if event.status:
        # WeCom: 1 active, 2 disabled, 4 not yet activated, 5 left.
        employee.status = {"2": "disabled", "5": "resigned"}.get(event.status, "active")
    elif employee.status != "resigned" or event.change_type == "create_user":
        employee.status = "active"
    employee.last_event_time = event.create_time
    await employee.save()
    return employee


async def _mark_resigned(corp: Corp, event: ChangeContact) -> Employee:
    employee = await Employee.filter(corp=corp, userid=event.user_id).first()
    if employee is None:
        employee = Employee(corp=corp, userid=event.user_id)
    elif event.create_time < employee.last_event_time:
        return employee
    newly_resigned = employee.status != "resigned"
    employee.status = "resigned"
    employee.resigned_at = datetime.fromtimestamp(event.create_time or 0, tz=UTC)
    if event.open_user_id:
        employee.open_userid = event.open_user_id
    employee.last_event_time = event.create_time
    await employee.save()
    if newly_resigned:
        await signals.employee_resigned.send(
            corp=corp, employee=employee, resigned_at=event.create_time
        )
    return employee


# -- departments (change_contact create_party / update_party / delete_party) ---------------


async def apply_party_change(corp: Corp, event: ChangeContact) -> None:
    """Keep the department tree; ``update_party`` carries only what changed.

    Third-party apps get no department names (WeCom sends the id): the id then stands
    in for the name, as the sync stores it.
    """
    try:
        dept_id = int(event.party_id)
    except ValueError:
        return
    if event.change_type == "delete_party":
        await Department.filter(corp_id=corp.id, dept_id=dept_id).delete()
        return
    parent = xml_text(event.fields, "ParentId")
    order = xml_text(event.fields, "Order")
    department = await Department.filter(corp_id=corp.id, dept_id=dept_id).first()
    if department is None:
        department = Department(corp_id=corp.id, dept_id=dept_id, name=str(dept_id))
    if event.user_name:
        department.name = store.cut(event.user_name, 255)
    if is_digits(parent):
        department.parent_id = int(parent)
    if is_digits(order):
        department.order = int(order)
    await department.save()


# -- customers (change_external_contact) ----------------------------------------------------

# Relation ends a callback reports, and the timeline kind / relation status of each.
_ENDS = {
    "del_external_contact": "deleted_by_employee",
    "del_follow_user": "deleted_by_customer",
}
TRANSFER_SOURCE = "DELETE_BY_TRANSFER"


async def apply_external_contact_change(
    corp: Corp, api: CorpAPI | None, event: ChangeExternalContact
) -> None:
    """A customer event. Adds and edits carry only ids: the details are fetched (a read,
    so a retried event fetches again harmlessly) and written like a sync page; ends are
    applied from the event alone. Every change leaves a timeline entry."""
    change = event.change_type
    if change in _ENDS:
        status = _ENDS[change]
        if change == "del_external_contact" and event.source == TRANSFER_SOURCE:
            # The customer moved to another employee: a transfer, not a deletion.
            status = "transferred"
        await end_relation(corp, event.user_id, event.external_user_id, status, event)
        return
    if change in ("add_external_contact", "edit_external_contact"):
        assert api is not None
        detail = await _fetch_customer(api, event.external_user_id)
        if detail is None:
            if change == "add_external_contact":
                # Gone again before we asked: the add still happened.
                await timeline.record_one(corp.id, _added_entry(event))
            return
        await store.write_customer_detail(corp, detail, at=event.create_time)
        return
    if change == "add_half_external_contact":
        # The customer added the employee, who has not accepted yet: no relation.
        await timeline.record_one(
            corp.id,
            timeline.Entry(
                external_userid=event.external_user_id,
                userid=event.user_id,
                kind="half_added",
                occurred_at=event.create_time,
                key_parts=(event.user_id, event.external_user_id, event.create_time),
                detail={"state": event.state},
            ),
        )
        if api is not None:
            detail = await _fetch_customer(api, event.external_user_id)
            if detail is not None:
                await store.write_customer_detail(corp, detail, at=event.create_time)


def _added_entry(event: ChangeExternalContact) -> timeline.Entry:
    return timeline.Entry(
        external_userid=event.external_user_id,
        userid=event.user_id,
        kind="added",
        occurred_at=event.create_time,
        key_parts=(event.user_id, event.external_user_id, event.create_time),
        detail={"state": event.state},
    )


async def _fetch_customer(api: CorpAPI, external_userid: str) -> ExternalContactDetail | None:
    try:
        return await api.external_contact.get(external_userid)
    except WeComError as exc:
        if exc.errcode in CUSTOMER_GONE:
            return None
        raise


# externalcontact/get of a customer nobody follows any more / an unknown id.
CUSTOMER_GONE = frozenset({84061, 40096})


async def end_relation(
    corp: Corp, userid: str, external_userid: str, status: str, event: ChangeExternalContact
) -> bool:
    """End one relation (deleted by either side, or transferred away); True if it changed.

    An event older than the relation (it was added again since) changes nothing.
    """
    relation = (
        await FollowRelation.filter(corp_id=corp.id, userid=userid, external_userid=external_userid)
        .select_for_update()
        .first()
    )
    changed = False
    if relation is None:
        # Never synced: keep the end anyway (the transfer feature and the timeline ask).
        await FollowRelation.create(
            corp_id=corp.id,
            userid=userid,
            external_userid=external_userid,
            status=status,
            ended_at=event.create_time,
        )
        changed = True
    elif relation.added_at > event.create_time:
        log.info("stale %s for %s/%s ignored", event.change_type, userid, external_userid)
        return False
    elif relation.status != status:
        relation.status = status
        relation.ended_at = event.create_time
        await relation.save(update_fields=["status", "ended_at", "updated_at"])
        changed = True
    if not changed:
        # Already ended this way: a replay (its entry was written with the change) or
        # a second report of the same end.
        return False
    detail: dict[str, Any] = {}
    if event.source:
        detail["source"] = event.source
    await timeline.record_one(
        corp.id,
        timeline.Entry(
            external_userid=external_userid,
            userid=userid,
            kind=status,
            occurred_at=event.create_time,
            key_parts=(userid, external_userid, event.create_time),
            detail=detail,
        ),
    )
    await store.refresh_customer_status(corp.id, [external_userid])
    await signals.relation_changed.send(
        corp=corp,
        external_userid=external_userid,
        userid=userid,
        change=status,
        at=event.create_time,
    )
    return True


# -- group chats (change_external_chat) -------------------------------------------------------


async def apply_external_chat_change(
    corp: Corp, api: CorpAPI | None, event: ChangeExternalChat
) -> None:
    """``create`` and ``update``: read the chat (a read; retries are harmless) and store
    it with who joined and left; ``dismiss``: flag it (WeCom no longer answers for it)."""
    if event.change_type == "dismiss":
        await store.dismiss_group_chat(corp, event.chat_id, at=event.create_time)
        return
    assert api is not None
    try:
        chat = await api.groupchat.get(event.chat_id)
    except WeComError as exc:
        if exc.errcode in CHAT_GONE:
            await store.dismiss_group_chat(corp, event.chat_id, at=event.create_time)
            return
        raise
    await store.write_group_chat(corp, chat, at=event.create_time)


# groupchat/get of a dismissed chat (49008) or an unknown one.
CHAT_GONE = frozenset({49008, 40050})


# -- the corp tag library (change_external_tag) -----------------------------------------------


async def apply_external_tag_change(corp: Corp, api: CorpAPI) -> store.TagLibraryChange:
    """Any tag or tag-group change: re-read the whole library (one call) and store it;
    deleted tags also leave the customers that carried them."""
    groups = await api.tags.get_corp_tag_list()
    return await store.apply_tag_library(corp.id, groups)
