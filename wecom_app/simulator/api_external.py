"""Customer contact (客户联系): customers, follow relations, corp tags.

Docs 92265 (get), 93010 (batch/get_by_user), 92696 (corp tags) — the third-party copies
of the pages; the shapes are in wecom-protocol.md §4. Customer group chats are in
:mod:`wecom_app.simulator.api_groupchat`.

Third-party apps do not get a customer's avatar, gender (always 0) or the remark
mobiles; they do get ``unionid`` (the provider's bound WeChat developer account's — a
third-party note on Doc 92114/92265). Past the trial, customer APIs refuse members
without an interface licence with 701008 (:meth:`ApiCall.require_licence`).
Relations of members who left are not shown (their customers wait for a transfer).
Changes made here (mark_tag, remark) cause no callback, as in WeCom.
"""

from __future__ import annotations

import itertools
from typing import Any

from wecom_app.simulator.api_common import (
    INVALID_EXTERNAL_USERID,
    INVALID_PARAMETER,
    INVALID_TAG_ID,
    MISSING_EXTERNAL_USERID,
    MISSING_USERID,
    NO_RELATION,
    USERID_NOT_FOUND,
    Api,
    ApiCall,
    ApiError,
    JsonObject,
    decode_cursor,
    encode_cursor,
    page,
)
from wecom_app.simulator.state import (
    CorpTag,
    CorpTagGroup,
    Customer,
    CustomerType,
    FollowRelation,
    Org,
)

FOLLOWERS_PER_PAGE = 500  # externalcontact/get pages its follow_user list past 500
BATCH_USERS_MAX = 100
BATCH_LIMIT_DEFAULT = 50
BATCH_LIMIT_MAX = 100  # a larger limit is cut to 100, not refused (Doc 93010)
REMARK_MAX = 20
DESCRIPTION_MAX = 150
REMARK_COMPANY_MAX = 20


# -- rendering ------------------------------------------------------------------------


def _customer(call: ApiCall, customer: Customer) -> JsonObject:
    rendered: JsonObject = {
        "external_userid": customer.external_userid,
        "name": customer.name,
        "type": int(customer.type),
        "gender": 0 if call.third_party else customer.gender,
    }
    if not call.third_party:
        rendered["avatar"] = customer.avatar
    if customer.unionid:
        rendered["unionid"] = customer.unionid
    if customer.type == CustomerType.WECOM:
        rendered.update(
            position=customer.position,
            corp_name=customer.corp_name,
            corp_full_name=customer.corp_full_name,
        )
    return rendered


def _relation_common(relation: FollowRelation) -> JsonObject:
    return {
        "userid": relation.userid,
        "remark": relation.remark,
        "description": relation.description,
        "createtime": relation.createtime,
    }


def _relation_tail(call: ApiCall, relation: FollowRelation, rendered: JsonObject) -> JsonObject:
    if relation.remark_corp_name:
        rendered["remark_corp_name"] = relation.remark_corp_name
    if not call.third_party:
        rendered["remark_mobiles"] = list(relation.remark_mobiles)
    rendered["oper_userid"] = relation.oper_userid
    rendered["add_way"] = relation.add_way
    if relation.state:
        rendered["state"] = relation.state
    return rendered


def _follow_user(call: ApiCall, org: Org, relation: FollowRelation) -> JsonObject:
    """``follow_user[]`` of externalcontact/get: tags with their names."""
    rendered = _relation_common(relation)
    tags = []
    for tag_id in relation.tag_ids:
        tag = org.tags[tag_id]
        tags.append(
            {
                "group_name": org.tag_groups[tag.group_id].group_name,
                "tag_name": tag.name,
                "type": 1,  # corp tag; personal tags (2) are not simulated
                "tag_id": tag.id,
            }
        )
    rendered["tags"] = tags
    return _relation_tail(call, relation, rendered)


def _follow_info(call: ApiCall, relation: FollowRelation) -> JsonObject:
    """``follow_info`` of batch/get_by_user: tag ids only."""
    rendered = _relation_common(relation)
    rendered["tag_id"] = list(relation.tag_ids)
    return _relation_tail(call, relation, rendered)


def _visible_followers(org: Org, external_userid: str) -> list[FollowRelation]:
    return [r for r in org.followers(external_userid) if r.userid in org.employees]


def _require_employee(call: ApiCall, org: Org) -> str:
    userid = call.text("userid", missing=MISSING_USERID)
    if userid not in org.employees:
        raise ApiError(USERID_NOT_FOUND)
    call.require_licence(userid)
    return userid


def _require_relation(call: ApiCall, org: Org) -> FollowRelation:
    userid = _require_employee(call, org)
    external_userid = call.text("external_userid", missing=MISSING_EXTERNAL_USERID)
    if external_userid not in org.customers:
        raise ApiError(INVALID_EXTERNAL_USERID)
    relation = org.follow(userid, external_userid)
    if relation is None:
        raise ApiError(NO_RELATION)
    return relation


# -- customers ------------------------------------------------------------------------


def get_follow_user_list(call: ApiCall) -> JsonObject:
    org = call.org()
    return {"follow_user": [e.userid for e in org.active_employees() if e.customer_contact]}


def list_customers(call: ApiCall) -> JsonObject:
    org = call.org()
    userid = _require_employee(call, org)
    external_userids = list(org.follows_by_user.get(userid, {}))
    if not external_userids:
        # ⚠️ WeCom answers a member without customers with 84061, not an empty list.
        raise ApiError(NO_RELATION)
    return {"external_userid": external_userids}


def get_customer(call: ApiCall) -> JsonObject:
    org = call.org()
    external_userid = call.text("external_userid", missing=MISSING_EXTERNAL_USERID)
    customer = org.customers.get(external_userid)
    if customer is None:
        raise ApiError(INVALID_EXTERNAL_USERID)
    followers = _visible_followers(org, external_userid)
    if not followers:
        raise ApiError(NO_RELATION)
    (offset,) = decode_cursor(call.cursor(), 1)
    end, next_cursor = page(len(followers), offset, FOLLOWERS_PER_PAGE)
    result: JsonObject = {
        "external_contact": _customer(call, customer),
        "follow_user": [_follow_user(call, org, r) for r in followers[offset:end]],
    }
    if next_cursor:
        result["next_cursor"] = next_cursor
    return result


def batch_get_by_user(call: ApiCall) -> JsonObject:
    org = call.org()
    userid_list = call.strings("userid_list")
    if not userid_list:
        raise ApiError(MISSING_USERID)
    if len(userid_list) > BATCH_USERS_MAX:
        raise ApiError(INVALID_PARAMETER, f"userid_list exceeds {BATCH_USERS_MAX}")
    limit = call.integer("limit", BATCH_LIMIT_DEFAULT)
    limit = BATCH_LIMIT_DEFAULT if limit <= 0 else min(limit, BATCH_LIMIT_MAX)
    # ❓ Unknown or departed members are skipped rather than refused, as WeCom reports
    # per-member problems beside the results (fail_info) instead of failing the batch.
    users = [u for u in dict.fromkeys(userid_list) if u in org.employees]
    call.require_licence(*users)
    user_index, offset = decode_cursor(call.cursor(), 2)
    taken: list[FollowRelation] = []
    while user_index < len(users) and len(taken) < limit:
        relations = org.follows_by_user.get(users[user_index], {})
        chunk = list(itertools.islice(relations.values(), offset, offset + limit - len(taken)))
        taken.extend(chunk)
        offset += len(chunk)
        if offset >= len(relations):
            user_index, offset = user_index + 1, 0
    return {
        "external_contact_list": [
            {
                "external_contact": _customer(call, org.customers[r.external_userid]),
                "follow_info": _follow_info(call, r),
            }
            for r in taken
        ],
        "next_cursor": encode_cursor(user_index, offset) if user_index < len(users) else "",
    }


def remark(call: ApiCall) -> JsonObject:
    org = call.org()
    relation = _require_relation(call, org)
    body = call.body
    updates: dict[str, Any] = {}
    for name, limit in (
        ("remark", REMARK_MAX),
        ("description", DESCRIPTION_MAX),
        ("remark_company", REMARK_COMPANY_MAX),
    ):
        if name in body:
            value = call.text(name)
            if len(value) > limit:
                raise ApiError(INVALID_PARAMETER, f"{name} longer than {limit} characters")
            updates[name] = value
    if "remark_mobiles" in body:
        updates["remark_mobiles"] = [m for m in call.strings("remark_mobiles") if m]
    if not updates and "remark_pic_mediaid" not in body:
        raise ApiError(INVALID_PARAMETER, "nothing to change")
    relation.remark = updates.get("remark", relation.remark)
    relation.description = updates.get("description", relation.description)
    if "remark_company" in updates and org.customers[relation.external_userid].type == (
        CustomerType.WECHAT
    ):
        # WeCom keeps a remarked company only for WeChat customers.
        relation.remark_corp_name = updates["remark_company"]
    relation.remark_mobiles = updates.get("remark_mobiles", relation.remark_mobiles)
    return {}


# -- corp tags --------------------------------------------------------------------------


def get_corp_tag_list(call: ApiCall) -> JsonObject:
    org = call.org()
    group_ids = call.strings("group_id")
    tag_ids = call.strings("tag_id")
    groups: list[tuple[CorpTagGroup, list[CorpTag]]] = []
    if group_ids:  # group_id wins when both are given (Doc 92696)
        for group_id in dict.fromkeys(group_ids):
            group = org.tag_groups.get(group_id)
            if group is not None:
                groups.append((group, [org.tags[t] for t in group.tag_ids]))
    elif tag_ids:
        wanted = [org.tags[t] for t in dict.fromkeys(tag_ids) if t in org.tags]
        for group in org.tag_groups.values():
            chosen = [t for t in wanted if t.group_id == group.group_id]
            if chosen:
                groups.append((group, chosen))
    else:
        for group in org.tag_groups.values():
            if not group.deleted:
                groups.append((group, org.live_tags(group.group_id)))
    filtered = bool(group_ids or tag_ids)
    groups.sort(key=lambda pair: -pair[0].order)
    return {"tag_group": [_tag_group(group, tags, filtered) for group, tags in groups]}


def _tag_group(group: CorpTagGroup, tags: list[CorpTag], filtered: bool) -> JsonObject:
    rendered: JsonObject = {
        "group_id": group.group_id,
        "group_name": group.group_name,
        "create_time": group.create_time,
        "order": group.order,
    }
    if filtered:  # "deleted" only comes back when asking for ids
        rendered["deleted"] = group.deleted
    rendered["tag"] = []
    for tag in sorted(tags, key=lambda t: -t.order):
        item: JsonObject = {
            "id": tag.id,
            "name": tag.name,
            "create_time": tag.create_time,
            "order": tag.order,
        }
        if filtered:
            item["deleted"] = tag.deleted
        rendered["tag"].append(item)
    return rendered


def mark_tag(call: ApiCall) -> JsonObject:
    org = call.org()
    relation = _require_relation(call, org)
    add = call.strings("add_tag")
    remove = call.strings("remove_tag")
    if not add and not remove:
        raise ApiError(INVALID_PARAMETER, "add_tag and remove_tag are both empty")
    for tag_id in [*add, *remove]:
        tag = org.tags.get(tag_id)
        if tag is None or tag.deleted:
            raise ApiError(INVALID_TAG_ID)
    removed = set(remove)
    kept = [t for t in relation.tag_ids if t not in removed]
    relation.tag_ids = kept + [t for t in dict.fromkeys(add) if t not in kept and t not in removed]
    return {}


_EXTERNAL = "/cgi-bin/externalcontact"

APIS = (
    Api(f"{_EXTERNAL}/get_follow_user_list", "GET", get_follow_user_list),
    Api(f"{_EXTERNAL}/list", "GET", list_customers),
    Api(f"{_EXTERNAL}/get", "GET", get_customer),
    Api(f"{_EXTERNAL}/batch/get_by_user", "POST", batch_get_by_user),
    Api(f"{_EXTERNAL}/remark", "POST", remark),
    Api(f"{_EXTERNAL}/get_corp_tag_list", "POST", get_corp_tag_list),
    Api(f"{_EXTERNAL}/mark_tag", "POST", mark_tag),
)
