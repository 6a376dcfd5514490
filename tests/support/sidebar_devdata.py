"""Test data for the sidebar: a simulator org written into our store, with chat history.

The sidebar's tests, the browser tests and ``bench/sidebar.py`` need an org whose
directory is in our store *and* whose chat archive has messages, without running the
install, sync and archive-pulling machinery first (each tested on its own).
:func:`seed_org` writes what those features would: departments, employees, the corp
tag library, customers, follow relations, group chats — from a simulator
:class:`~wecom_app.simulator.state.Org` passed in (duck-typed) — and generates
plausible archived conversations: turns between each employee and customer, with
jieba tokens as the archive puller stores them.

Deterministic for a given seed; bulk inserts in batches. Test support, not product:
it lives under ``tests/`` so that nothing in the product can call it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wecom_app.store.archive import ArchiveConsent, ArchiveMessage
from wecom_app.store.directory import (
    Customer,
    Department,
    FollowRelation,
    GroupChat,
    GroupChatMember,
    Tag,
    TagGroup,
)
from wecom_app.store.models import Corp, Employee
from wecom_app.store.sidebar import QuickReply
from wecom_app.text.tokenise import tokenise

_BATCH = 1000

CUSTOMER_LINES = (
    "您好，我想了解一下你们的企业版报价",
    "价格方面还能再优惠一点吗",
    "我们公司大概有两百人，需要多少个账号",
    "售后服务是怎么收费的",
    "上次说的合同什么时候可以发过来",
    "发票可以开增值税专用发票吗",
    "我们领导想先试用一个月",
    "系统能和我们现有的考勤对接吗",
    "数据安全怎么保证，能私有化部署吗",
    "交付周期大概多久",
    "好的，我跟财务确认一下付款流程",
    "续费有折扣吗",
    "培训是线上还是上门",
    "这个功能演示视频可以发我一下吗",
    "我们对比了几家，你们的优势在哪里",
)
EMPLOYEE_LINES = (
    "您好，很高兴为您服务，企业版报价单稍后发您",
    "这个价格已经是年度优惠价了，我再帮您申请一下",
    "两百人的话建议选择企业版，账号不限",
    "售后服务一年内免费，之后按年收取服务费",
    "合同今天下午发到您邮箱",
    "可以开专票，麻烦提供一下开票信息",
    "试用没问题，我给您开通一个月的试用账号",
    "支持对接，我们有标准接口和实施顾问",
    "支持私有化部署，数据全部保存在您的服务器",
    "标准交付周期两周",
    "好的，有任何问题随时联系我",
    "老客户续费享受九折优惠",
    "培训线上线下都可以，看您方便",
    "演示视频已发送，请查收",
)
ROOM_LINES = (
    "大家好，欢迎加入服务群",
    "新版本今晚十点升级，预计半小时",
    "请问导出报表的入口在哪里",
    "收到，谢谢",
    "这个问题我们已经反馈给研发",
    "下周三有一场线上培训，欢迎参加",
)
QUICK_REPLIES = (
    ("问候", "欢迎语", "您好，我是您的专属顾问，有任何问题随时联系我。"),
    ("问候", "节日问候", "节日快乐！感谢您一直以来的支持。"),
    ("报价", "企业版报价", "企业版按年订阅，账号不限，报价单稍后发您邮箱。"),
    ("报价", "续费优惠", "老客户续费享受九折优惠，本月内签约再送一个月服务。"),
    ("售后", "售后政策", "购买后一年内免费售后，7×12 小时在线支持。"),
    ("售后", "开票说明", "可以开具增值税专用发票，请提供开票信息。"),
)


@dataclass
class SeedSummary:
    employees: int = 0
    customers: int = 0
    relations: int = 0
    group_chats: int = 0
    messages: int = 0


@lru_cache(maxsize=256)
def _tokens(text: str) -> str:
    return tokenise(text)


async def _bulk(model: Any, rows: Sequence[Any]) -> None:
    for start in range(0, len(rows), _BATCH):
        await model.bulk_create(rows[start : start + _BATCH])


async def seed_org(
    corp: Corp,
    org: Any,
    *,
    now: int,
    messages_per_relation: int = 12,
    room_messages: int = 20,
    seed: int = 0,
    quick_replies: bool = True,
) -> SeedSummary:
    """Write ``org`` (a simulator Org) into the store as ``corp``'s directory and archive.

    Message times end shortly before ``now`` (epoch seconds), so insights and the
    group activity have recent data.
    """
    rng = random.Random(seed)
    summary = SeedSummary()
    await _bulk(
        Department,
        [
            Department(
                corp_id=corp.id, dept_id=d.id, name=d.name, parent_id=d.parent_id, order=d.order
            )
            for d in org.departments.values()
        ],
    )
    employees = [
        Employee(
            corp_id=corp.id,
            userid=e.userid,
            open_userid=e.open_userid,
            name=e.name,
            departments=[str(d) for d in e.departments],
            main_department=str(e.main_department),
            position=e.position,
            status="active" if int(e.status) != 5 else "resigned",
        )
        for e in org.employees.values()
    ]
    await _bulk(Employee, employees)
    summary.employees = len(employees)
    await _bulk(
        TagGroup,
        [
            TagGroup(
                corp_id=corp.id,
                group_id=g.group_id,
                name=g.group_name,
                order=g.order,
                deleted=g.deleted,
            )
            for g in org.tag_groups.values()
        ],
    )
    await _bulk(
        Tag,
        [
            Tag(
                corp_id=corp.id,
                tag_id=t.id,
                group_id=t.group_id,
                name=t.name,
                type=1,
                order=t.order,
                deleted=t.deleted,
            )
            for t in org.tags.values()
        ],
    )
    customers = [
        Customer(
            corp_id=corp.id,
            external_userid=c.external_userid,
            name=c.name,
            type=int(c.type),
            avatar=c.avatar,
            corp_name=c.corp_name,
            corp_full_name=c.corp_full_name,
            position=c.position,
            gender=c.gender,
            unionid=c.unionid,
        )
        for c in org.customers.values()
    ]
    await _bulk(Customer, customers)
    summary.customers = len(customers)
    relations = []
    messages: list[ArchiveMessage] = []
    consents: list[ArchiveConsent] = []
    seq = 0
    for userid, by_customer in org.follows_by_user.items():
        for external_userid, r in by_customer.items():
            relations.append(
                FollowRelation(
                    corp_id=corp.id,
                    external_userid=external_userid,
                    userid=userid,
                    remark=r.remark,
                    description=r.description,
                    remark_corp_name=r.remark_corp_name,
                    remark_mobiles=list(r.remark_mobiles),
                    added_at=r.createtime,
                    add_way=r.add_way,
                    state=r.state,
                    oper_userid=r.oper_userid,
                    tag_ids=list(r.tag_ids),
                    status="active",
                )
            )
            consents.append(
                ArchiveConsent(
                    corp_id=corp.id,
                    subject=external_userid,
                    userid=userid,
                    status="agree" if rng.random() < 0.9 else "disagree",
                    changed_at=r.createtime,
                )
            )
            for message in conversation(
                rng, userid, external_userid, messages_per_relation, now=now
            ):
                seq += 1
                messages.append(_message(corp.id, seq, message))
    await _bulk(FollowRelation, relations)
    await _bulk(ArchiveConsent, consents)
    summary.relations = len(relations)
    chats = []
    members = []
    for chat in org.group_chats.values():
        chats.append(
            GroupChat(
                corp_id=corp.id,
                chat_id=chat.chat_id,
                name=chat.name,
                owner=chat.owner,
                notice=chat.notice,
                created_time=chat.create_time,
                admin_list=list(chat.admin_list),
                dismissed=chat.dismissed,
                member_count=len(chat.members),
            )
        )
        for m in chat.members:
            members.append(
                GroupChatMember(
                    corp_id=corp.id,
                    chat_id=chat.chat_id,
                    userid=m.userid,
                    type=m.type,
                    join_time=m.join_time,
                    join_scene=m.join_scene,
                    invitor=m.invitor,
                    group_nickname=m.group_nickname,
                    name=m.name,
                )
            )
        speakers = [m.userid for m in chat.members] or [chat.owner]
        at_ms = (now - 3 * 86400) * 1000
        for _ in range(room_messages):
            at_ms += rng.randrange(60_000, 3 * 3_600_000)
            sender = rng.choice(speakers)
            text = rng.choice(ROOM_LINES)
            seq += 1
            messages.append(
                _message(
                    corp.id,
                    seq,
                    {
                        "sender": sender,
                        "receivers": [s for s in speakers if s != sender][:5],
                        "roomid": chat.chat_id,
                        "conversation": chat.chat_id,
                        "external_userid": "",
                        "employee_userid": "",
                        # as the archive puller stores room messages
                        "direction": "from_customer"
                        if sender.startswith(("wm", "wo"))
                        else "to_customer",
                        "msgtime": min(at_ms, now * 1000 - 1000),
                        "text": text,
                    },
                )
            )
    await _bulk(GroupChat, chats)
    await _bulk(GroupChatMember, members)
    summary.group_chats = len(chats)
    await _bulk(ArchiveMessage, messages)
    summary.messages = len(messages)
    if quick_replies:
        await _bulk(
            QuickReply,
            [
                QuickReply(
                    corp_id=corp.id,
                    owner_userid="",
                    group_name=g,
                    title=t,
                    content=c,
                    position=i,
                )
                for i, (g, t, c) in enumerate(QUICK_REPLIES)
            ],
        )
    return summary


def conversation(
    rng: random.Random, userid: str, external_userid: str, count: int, *, now: int
) -> list[dict[str, Any]]:
    """``count`` messages between an employee and a customer, in turns, ending before now."""
    out: list[dict[str, Any]] = []
    # Start a little in the past; each turn moves time forward by minutes to hours.
    at_ms = (now - rng.randrange(2, 30) * 86400) * 1000 + rng.randrange(8, 20) * 3_600_000
    customer_turn = True
    while len(out) < count:
        burst = rng.choice((1, 1, 1, 2, 3)) if customer_turn else rng.choice((1, 1, 2))
        for _ in range(min(burst, count - len(out))):
            at_ms += rng.randrange(20_000, 600_000)
            lines = CUSTOMER_LINES if customer_turn else EMPLOYEE_LINES
            sender, receiver = (
                (external_userid, userid) if customer_turn else (userid, external_userid)
            )
            out.append(
                {
                    "sender": sender,
                    "receivers": [receiver],
                    "roomid": "",
                    "conversation": "|".join(sorted((userid, external_userid))),
                    "external_userid": external_userid,
                    "employee_userid": userid,
                    "direction": "from_customer" if customer_turn else "to_customer",
                    "msgtime": min(at_ms, now * 1000 - 1000),
                    "text": rng.choice(lines),
                }
            )
        at_ms += rng.randrange(60_000, 4 * 3_600_000)
        customer_turn = not customer_turn
    return out


def _message(corp_pk: int, seq: int, m: dict[str, Any]) -> ArchiveMessage:
    return ArchiveMessage(
        corp_id=corp_pk,
        msgid=f"seed{corp_pk}_{seq}",
        seq=seq,
        status="ok",
        action="send",
        msgtype="text",
        sender=m["sender"],
        receivers=m["receivers"],
        roomid=m["roomid"],
        conversation=m["conversation"],
        external_userid=m["external_userid"],
        employee_userid=m["employee_userid"],
        direction=m["direction"],
        msgtime=m["msgtime"],
        text=m["text"],
        tokens=_tokens(m["text"]),
        body={"content": m["text"]},
    )
