"""The archive protocol core: GetChatData records, RSA random keys, the normaliser."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wecom_app.protocol.archive.bodies import KNOWN_MSGTYPES
from wecom_app.protocol.archive.chatdata import BadChatData, ChatData, parse_chat_data
from wecom_app.protocol.archive.errors import (
    BadRandomKey,
    ChatDataResponseError,
    MalformedChatData,
    MalformedMessage,
    MissingKeyVersion,
    PrivateKeyError,
)
from wecom_app.protocol.archive.keys import (
    decrypt_random_key,
    load_private_key,
    load_private_keys,
    public_key_pem,
)
from wecom_app.protocol.archive.normalise import normalise_message
from wecom_app.protocol.archive.records import Direction, Party, conversation_key, party_of


@pytest.fixture(scope="module")
def keys() -> dict[int, rsa.RSAPrivateKey]:
    return {v: rsa.generate_private_key(public_exponent=65537, key_size=2048) for v in (1, 2)}


def encrypt_key(key: rsa.RSAPrivateKey, random_key: bytes) -> str:
    return base64.b64encode(key.public_key().encrypt(random_key, padding.PKCS1v15())).decode()


def record(n: int, **over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "seq": n,
        "msgid": f"CAQQ{n}fbb4QUY0On2rYSAgAMgip/yzgs=",
        "publickey_ver": 3,
        "encrypt_random_key": "ftJ+uz3n/z1DsxlkwxNgE+mL38H42/KCvN8T60gbbtPD==",
        "encrypt_chat_msg": "898WSfGMnIeytTsea7Rc0WsOocs0bIAerF6de0v2cFwqo9uOxrW9",
    }
    for name, value in over.items():
        if value is None:
            rec.pop(name)
        else:
            rec[name] = value
    return rec


# ------------------------------------------------------------------ GetChatData


def test_parse_chat_data_reads_records_in_order() -> None:
    body = json.dumps({"errcode": 0, "errmsg": "ok", "chatdata": [record(196), record(197)]})
    batch = parse_chat_data(body.encode())
    assert [r.seq for r in batch] == [196, 197]
    assert batch[0] == ChatData(
        seq=196,
        msgid="CAQQ196fbb4QUY0On2rYSAgAMgip/yzgs=",
        publickey_ver=3,
        encrypt_random_key=record(196)["encrypt_random_key"],
        encrypt_chat_msg=record(196)["encrypt_chat_msg"],
    )
    assert batch.malformed == ()
    assert batch.highest_seq == 197
    assert isinstance(batch, list)


def test_empty_batch_has_no_highest_seq() -> None:
    batch = parse_chat_data('{"errcode":0,"errmsg":"ok","chatdata":[]}')
    assert list(batch) == []
    assert batch.highest_seq is None


def test_a_malformed_record_is_reported_alone_and_does_not_break_the_batch() -> None:
    chatdata = [
        record(10),
        record(11, msgid=None),  # missing msgid
        "not an object",
        record(13, publickey_ver="three"),
        record(14, seq=None, encrypt_chat_msg=""),
        record(15, seq=True),  # a bool is not a seq
        record(16, seq="16", publickey_ver="2"),  # numbers as strings are accepted
        record(17),
    ]
    batch = parse_chat_data(json.dumps({"errcode": 0, "errmsg": "ok", "chatdata": chatdata}))
    assert [r.seq for r in batch] == [10, 16, 17]
    assert batch[1].publickey_ver == 2
    bad = {b.index: b for b in batch.malformed}
    assert sorted(bad) == [1, 2, 3, 4, 5]
    assert bad[1].seq == 11
    assert "msgid" in bad[1].reason
    assert bad[1].msgid is None
    assert bad[2].seq is None
    assert "not a JSON object" in bad[2].reason
    assert bad[2].raw == "not an object"
    assert bad[3].seq == 13
    assert "publickey_ver" in bad[3].reason
    assert bad[3].msgid == "CAQQ13fbb4QUY0On2rYSAgAMgip/yzgs="
    assert bad[4].seq is None
    assert "seq" in bad[4].reason
    assert "encrypt_chat_msg" in bad[4].reason
    assert bad[5].seq is None
    # The cursor may move past a malformed record whose seq is known (it gets stored).
    assert batch.highest_seq == 17
    assert all(isinstance(b, BadChatData) for b in batch.malformed)


def test_highest_seq_counts_a_trailing_malformed_record() -> None:
    batch = parse_chat_data(
        json.dumps({"errcode": 0, "chatdata": [record(1), record(2, encrypt_random_key=None)]})
    )
    assert batch.highest_seq == 2


def test_errcode_in_the_answer_raises_with_its_code() -> None:
    with pytest.raises(ChatDataResponseError) as info:
        parse_chat_data('{"errcode":301042,"errmsg":"ip not allowed","chatdata":[]}')
    assert info.value.code == 301042
    assert info.value.errmsg == "ip not allowed"


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"\xff\xfe", b"[]", b'{"errcode":0}', b'{"errcode":0,"chatdata":{}}',
     b'{"errcode":"x","chatdata":[]}', b"[" * 100_000 + b"]" * 100_000],
)  # fmt: skip
def test_unusable_envelope_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedChatData):
        parse_chat_data(body)


# ------------------------------------------------------------------------- keys


def test_decrypt_random_key_picks_the_key_of_its_version(
    keys: dict[int, rsa.RSAPrivateKey],
) -> None:
    random_key = b"a3Kx9_vQ-2mZpL7tR0wYcN5bH8jD1eFs"
    assert decrypt_random_key(keys, 2, encrypt_key(keys[2], random_key)) == random_key
    assert decrypt_random_key(keys, 1, encrypt_key(keys[1], random_key)) == random_key


def test_wrapped_base64_is_accepted(keys: dict[int, rsa.RSAPrivateKey]) -> None:
    random_key = b"0123456789abcdef0123456789abcdef"
    wrapped = encrypt_key(keys[1], random_key)
    wrapped = "\n".join(wrapped[i : i + 64] for i in range(0, len(wrapped), 64))
    assert decrypt_random_key(keys, 1, wrapped) == random_key


def test_missing_key_version_is_distinct_from_a_bad_key(
    keys: dict[int, rsa.RSAPrivateKey],
) -> None:
    with pytest.raises(MissingKeyVersion) as info:
        decrypt_random_key(keys, 3, encrypt_key(keys[1], b"x" * 32))
    assert info.value.publickey_ver == 3
    assert info.value.code == 10007
    assert "have: 1, 2" in str(info.value)
    assert not isinstance(info.value, BadRandomKey)


def test_wrong_key_for_the_version_is_a_bad_random_key(
    keys: dict[int, rsa.RSAPrivateKey],
) -> None:
    # Encrypted under version 1, claimed as version 2. With OpenSSL's implicit
    # rejection the RSA step itself "succeeds" with garbage; that must still be caught.
    for n in range(5):
        ciphertext = encrypt_key(keys[1], f"{n:02d}".encode() * 16)
        with pytest.raises(BadRandomKey) as info:
            decrypt_random_key(keys, 2, ciphertext)
        assert info.value.code == 10008


@pytest.mark.parametrize(
    "value", ["not base64!!", "", base64.b64encode(b"short").decode(), "QUJD" * 100]
)
def test_garbage_random_key_is_bad(keys: dict[int, rsa.RSAPrivateKey], value: str) -> None:
    with pytest.raises(BadRandomKey):
        decrypt_random_key(keys, 1, value)


def test_load_private_key_accepts_pkcs1_and_pkcs8(keys: dict[int, rsa.RSAPrivateKey]) -> None:
    key = keys[1]
    for fmt in (serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8):
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        assert pem.startswith(
            b"-----BEGIN RSA PRIVATE KEY"
            if fmt is serialization.PrivateFormat.TraditionalOpenSSL
            else b"-----BEGIN PRIVATE KEY"
        )
        for given_pem in (pem, pem.decode(), b"\n  " + pem + b"\n"):
            loaded = load_private_key(given_pem)
            assert loaded.private_numbers() == key.private_numbers()


def test_load_private_key_with_password(keys: dict[int, rsa.RSAPrivateKey]) -> None:
    pem = keys[1].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    assert load_private_key(pem, b"s3cret").key_size == 2048
    with pytest.raises(PrivateKeyError, match="password is needed"):
        load_private_key(pem)
    with pytest.raises(PrivateKeyError, match="wrong password"):
        load_private_key(pem, b"nope")
    plain = keys[1].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(PrivateKeyError, match="not encrypted"):
        load_private_key(plain, b"s3cret")


def test_load_private_key_explains_what_is_wrong(keys: dict[int, rsa.RSAPrivateKey]) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    small_pem = small.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    with pytest.raises(PrivateKeyError, match="1024 bits"):
        load_private_key(small_pem)
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(PrivateKeyError, match="RSA"):
        load_private_key(ec_pem)
    with pytest.raises(PrivateKeyError, match="public key"):
        load_private_key(public_key_pem(keys[1]))
    with pytest.raises(PrivateKeyError, match="empty"):
        load_private_key("  ")
    with pytest.raises(PrivateKeyError, match="not PEM"):
        load_private_key("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
    with pytest.raises(PrivateKeyError, match="could not be read"):
        load_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(PrivateKeyError, match="OpenSSH"):
        load_private_key(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----"
        )


def test_load_private_keys_names_the_version() -> None:
    with pytest.raises(PrivateKeyError, match="publickey_ver 4"):
        load_private_keys({4: "garbage"})


# ------------------------------------------------------------------ normaliser

EMP, EMP2 = "zhangsan", "lisi"
CUST = "wmErxtDgAA9AW32YyyuYRimKr7D1KWlw"
CUST2 = "woAJ2GCAAAd1asdasdqwesadsdasdA"
ROBOT = "wbAJ2GCAAAd1asdasdqwesadsdasdA"
ROOM = "wrErxtDgAAvXCv1fOWmMqWPIeX5QFzAQ"
FILEID = "CtYBMzA2OTAyMDEwMjA0NjIzMDYwMDIwMTAwMDIwNDBhMmI0YzAxMDIw"
MD5 = "0b3f9d06a1a0e1d7a2f0f7b4b1ce2fa1"


def msg(msgtype: str, body: dict[str, Any], **base: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "msgid": f"{msgtype}_10958372969718811103_1603875826",
        "action": "send",
        "from": CUST,
        "tolist": [EMP],
        "roomid": "",
        "msgtime": 1603875826338,
        "msgtype": msgtype,
    }
    message.update(body)
    message.update(base)
    return message


def item(kind: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": kind, "content": json.dumps(content, ensure_ascii=False), **extra}


# (message, words that must be in text, expected media kinds)
SAMPLES: list[tuple[dict[str, Any], list[str], list[str]]] = [
    (msg("text", {"text": {"content": "你好，我想了解一下净水器的价格"}}), ["净水器"], []),
    (
        msg("image", {"image": {"md5sum": MD5, "filesize": 18955, "sdkfileid": FILEID}}),
        [],
        ["image"],
    ),
    (
        msg(
            "revoke", {"revoke": {"pre_msgid": "14822339130656386894_1603875615"}}, action="recall"
        ),
        [],
        [],
    ),
    (msg("agree", {"agree": {"userid": CUST, "agree_time": 1603875826338}}), [], []),
    (msg("disagree", {"disagree": {"userid": CUST, "disagree_time": 1603875826338}}), [], []),
    (
        msg(
            "voice",
            {"voice": {"md5sum": MD5, "voice_size": 6810, "play_length": 10, "sdkfileid": FILEID}},
        ),
        [],
        ["voice"],
    ),
    (
        msg(
            "video",
            {"video": {"md5sum": MD5, "filesize": 1009042, "play_length": 12, "sdkfileid": FILEID}},
        ),
        [],
        ["video"],
    ),
    (
        msg("card", {"card": {"corpname": "北京明远科技有限公司", "userid": "wangwu"}}),
        ["明远科技"],
        [],
    ),
    (
        msg(
            "location",
            {
                "location": {
                    "longitude": 116.58,
                    "latitude": 39.91,
                    "address": "北京市朝阳区建国路88号",
                    "title": "SOHO现代城",
                    "zoom": 15,
                }
            },
        ),
        ["建国路88号", "SOHO现代城"],
        [],
    ),
    (
        msg(
            "emotion",
            {
                "emotion": {
                    "type": 1,
                    "width": 290,
                    "height": 290,
                    "imagesize": 962,
                    "md5sum": MD5,
                    "sdkfileid": FILEID,
                }
            },
        ),
        [],
        ["emotion"],
    ),
    (
        msg(
            "file",
            {
                "file": {
                    "md5sum": MD5,
                    "filename": "报价单.pdf",
                    "fileext": "pdf",
                    "filesize": 4400,
                    "sdkfileid": FILEID,
                }
            },
        ),
        ["报价单.pdf"],
        ["file"],
    ),
    (
        msg(
            "link",
            {
                "link": {
                    "title": "净水器测评",
                    "description": "三个月使用体验",
                    "link_url": "https://e.x/a",
                    "image_url": "https://e.x/a.png",
                }
            },
        ),
        ["净水器测评", "三个月使用体验", "https://e.x/a"],
        [],
    ),
    (
        msg(
            "weapp",
            {
                "weapp": {
                    "title": "限时特惠",
                    "description": "点击下单",
                    "username": "gh_abc@app",
                    "displayname": "官方商城",
                }
            },
        ),
        ["限时特惠", "官方商城"],
        [],
    ),
    (
        msg(
            "chatrecord",
            {
                "chatrecord": {
                    "title": "群聊的聊天记录",
                    "item": [
                        item(
                            "ChatRecordText",
                            {"content": "第一条转发的消息"},
                            msgtime=1603875610,
                            from_chatroom=False,
                        ),
                        item(
                            "ChatRecordImage",
                            {"md5sum": MD5, "filesize": 1, "sdkfileid": "IMG2"},
                            msgtime=1603875611,
                        ),
                        item(
                            "ChatRecordFile",
                            {
                                "filename": "合同.docx",
                                "fileext": "docx",
                                "md5sum": MD5,
                                "filesize": 2,
                                "sdkfileid": "FILE2",
                            },
                        ),
                    ],
                }
            },
        ),
        ["群聊的聊天记录", "第一条转发的消息", "合同.docx"],
        ["image", "file"],
    ),
    (
        msg(
            "mixed",
            {
                "mixed": {
                    "item": [
                        item("text", {"content": "你好[微笑]\n这是图片"}),
                        item("image", {"md5sum": MD5, "filesize": 18955, "sdkfileid": "IMG3"}),
                    ]
                }
            },
        ),
        ["这是图片"],
        ["image"],
    ),
    (
        msg(
            "meeting_voice_call",
            {
                "voiceid": "grb8a4c48a3c094a70982c518d55e40557",
                "meeting_voice_call": {
                    "endtime": 1616318229,
                    "sdkfileid": FILEID,
                    "demofiledata": [
                        {
                            "filename": "方案介绍.pptx",
                            "demooperator": EMP,
                            "starttime": 1616318003,
                            "endtime": 1616318013,
                        }
                    ],
                    "sharescreendata": [
                        {"share": EMP, "starttime": 1616318007, "endtime": 1616318019}
                    ],
                },
            },
        ),
        ["方案介绍.pptx"],
        ["meeting_voice_call"],
    ),
    (
        msg(
            "voip_doc_share",
            {
                "voipid": "gr2751c98b19300571f8afb3b74514bd32",
                "voip_doc_share": {
                    "filename": "售后政策.pdf",
                    "md5sum": MD5,
                    "filesize": 4400,
                    "sdkfileid": FILEID,
                },
            },
        ),
        ["售后政策.pdf"],
        ["voip_doc_share"],
    ),
    (
        msg(
            "calendar",
            {
                "calendar": {
                    "title": "方案沟通会",
                    "creatorname": "张三",
                    "attendeename": ["李四", "王五"],
                    "starttime": 1600000000,
                    "endtime": 1600003600,
                    "place": "3楼会议室",
                    "remarks": "请准备需求清单",
                }
            },
        ),
        ["方案沟通会", "李四", "3楼会议室", "请准备需求清单"],
        [],
    ),
    (
        msg("todo", {"todo": {"title": "客户跟进", "content": "周五前回访客户"}}),
        ["客户跟进", "周五前回访客户"],
        [],
    ),
    (
        msg(
            "vote",
            {
                "votetitle": "体验会时间",
                "voteitem": ["周六上午", "周日下午"],
                "votetype": 101,
                "voteid": "2009",
            },
            roomid=ROOM,
        ),
        ["体验会时间", "周日下午"],
        [],
    ),
    (
        msg(
            "collect",
            {
                "collect": {
                    "room_name": "VIP客户群",
                    "creator": "张三",
                    "create_time": "2020-09-04 15:13:46",
                    "title": "报名",
                    "details": [{"id": 1, "ques": "参加人数", "type": "Number"}],
                }
            },
            roomid=ROOM,
        ),
        ["VIP客户群", "参加人数"],
        [],
    ),
    (
        msg(
            "redpacket",
            {
                "redpacket": {
                    "type": 1,
                    "wish": "恭喜发财，大吉大利",
                    "totalcnt": 1,
                    "totalamount": 3000,
                }
            },
            **{"from": EMP, "tolist": [EMP2]},
        ),
        ["恭喜发财"],
        [],
    ),
    (
        msg(
            "meeting",
            {
                "meeting": {
                    "topic": "销售复盘会",
                    "starttime": 1,
                    "endtime": 2,
                    "address": "大会议室",
                    "remarks": "带数据",
                    "meetingtype": 102,
                    "meetingid": 1,
                    "status": 1,
                }
            },
        ),
        ["销售复盘会", "大会议室"],
        [],
    ),
    (
        msg(
            "docmsg",
            {
                "doc": {
                    "title": "需求登记表",
                    "doc_creator": EMP,
                    "link_url": "https://doc.weixin.qq.com/x",
                }
            },
        ),
        ["需求登记表"],
        [],
    ),
    (
        msg(
            "markdown",
            {"info": {"content": "**公告** 本周活动"}},
            **{"from": ROBOT, "roomid": ROOM},
        ),
        ["本周活动"],
        [],
    ),
    (
        msg(
            "news",
            {
                "info": {
                    "item": [
                        {
                            "title": "新品体验会",
                            "description": "到店即送礼",
                            "url": "https://e.x/n",
                            "picurl": "https://e.x/p",
                        }
                    ]
                }
            },
        ),
        ["新品体验会", "到店即送礼"],
        [],
    ),
    (
        msg(
            "external_redpacket",
            {"redpacket": {"type": 1, "wish": "感谢支持", "totalcnt": 1, "totalamount": 520}},
        ),
        ["感谢支持"],
        [],
    ),
    (
        msg(
            "sphfeed",
            {"sphfeed": {"feed_type": 4, "sph_name": "官方视频号", "feed_desc": "安装教程"}},
        ),
        ["官方视频号", "安装教程"],
        [],
    ),
    (
        msg(
            "voiptext",
            {"voipid": "gr2751c98b19300571", "voiptext": {"callduration": 10, "invitetype": 2}},
        ),
        [],
        [],
    ),
    (msg("qydiskfile", {"info": {"filename": "销售数据.xlsx"}}), ["销售数据.xlsx"], []),
    (
        msg(
            "meeting_notification",
            {
                "meeting_notification": {
                    "meetingid": 2107,
                    "notification_type": 2,
                    "content": "复盘会延后半小时",
                }
            },
        ),
        ["复盘会延后半小时"],
        [],
    ),
    (
        msg(
            "solitaire",
            {
                "solitaire": {
                    "title": "体验会报名",
                    "creator": "张三",
                    "details": [{"id": 1, "content": "李四 上海"}, {"id": 2, "content": "王五"}],
                }
            },
        ),
        ["体验会报名", "张三", "李四 上海", "王五"],
        [],
    ),
    (
        msg("note", {"note": {"title": "拜访笔记", "content": "客户关心安装周期"}}),
        ["拜访笔记", "客户关心安装周期"],
        [],
    ),
]


def test_samples_cover_every_known_type() -> None:
    assert {m["msgtype"] for m, _, _ in SAMPLES} == KNOWN_MSGTYPES


@pytest.mark.parametrize(
    ("message", "words", "media"), SAMPLES, ids=[m["msgtype"] for m, _, _ in SAMPLES]
)
def test_every_type_normalises(message: dict[str, Any], words: list[str], media: list[str]) -> None:
    rec = normalise_message(json.dumps(message, ensure_ascii=False).encode(), seq=42)
    assert rec.problems == (), rec.problems
    assert not rec.unknown
    assert rec.msgid == message["msgid"]
    assert rec.seq == 42
    assert rec.msgtype == message["msgtype"]
    assert rec.action == message["action"]
    assert rec.sender == message["from"]
    assert rec.receivers == tuple(message["tolist"])
    assert rec.msgtime == message["msgtime"]
    assert rec.raw == message
    for word in words:
        assert word in rec.text
    assert [m.kind for m in rec.media] == media
    assert isinstance(rec.body, dict)
    assert rec.body


def test_text_body_and_derived_fields_of_a_customer_message() -> None:
    rec = normalise_message(msg("text", {"text": {"content": "在吗"}}), seq=1)
    assert rec.body == {"content": "在吗"}
    assert rec.text == "在吗"
    assert rec.conversation_key == "|".join(sorted([CUST, EMP]))
    assert rec.customers == (CUST,)
    assert rec.employees == (EMP,)
    assert rec.customer == CUST
    assert rec.direction is Direction.CUSTOMER_TO_EMPLOYEE
    assert not rec.is_group


def test_employee_reply_has_the_same_conversation_and_customer() -> None:
    asked = normalise_message(msg("text", {"text": {"content": "在吗"}}), seq=1)
    reply = normalise_message(
        msg("text", {"text": {"content": "在的"}}, **{"from": EMP, "tolist": [CUST]}), seq=2
    )
    assert reply.conversation_key == asked.conversation_key
    assert reply.customer == CUST
    assert reply.direction is Direction.EMPLOYEE_TO_CUSTOMER


def test_internal_and_group_directions() -> None:
    internal = normalise_message(
        msg("text", {"text": {"content": "能批吗"}}, **{"from": EMP, "tolist": [EMP2]}), seq=1
    )
    assert internal.direction is Direction.INTERNAL
    assert internal.customer is None
    assert internal.customers == ()
    group = normalise_message(
        msg(
            "text",
            {"text": {"content": "大家好"}},
            **{"from": EMP, "tolist": [EMP2, CUST, CUST2, ROBOT], "roomid": ROOM},
        ),
        seq=2,
    )
    assert group.conversation_key == ROOM
    assert group.is_group
    assert group.customers == (CUST, CUST2)
    assert group.robots == (ROBOT,)
    assert group.employees == (EMP, EMP2)
    assert group.customer is None  # only a 1:1 chat belongs to one customer
    assert group.direction is Direction.EMPLOYEE_TO_CUSTOMER
    robot = normalise_message(
        msg("markdown", {"info": {"content": "公告"}}, **{"from": ROBOT, "roomid": ROOM}), seq=3
    )
    assert robot.direction is Direction.ROBOT


def test_party_and_conversation_key_helpers() -> None:
    assert party_of("wmABC") is Party.CUSTOMER
    assert party_of("woABC") is Party.CUSTOMER
    assert party_of("wbABC") is Party.ROBOT
    assert party_of("zhangsan") is Party.EMPLOYEE
    assert conversation_key("", "b", ["a"]) == conversation_key("", "a", ["b"]) == "a|b"
    assert conversation_key(ROOM, "a", ["b"]) == ROOM


def test_revoke_links_to_the_recalled_message() -> None:
    rec = normalise_message(
        msg("revoke", {"revoke": {"pre_msgid": "1482233913_1603875615"}}, action="recall"), seq=5
    )
    assert rec.action == "recall"
    assert rec.pre_msgid == "1482233913_1603875615"
    missing = normalise_message(msg("revoke", {"revoke": {}}, action="recall"), seq=6)
    assert missing.pre_msgid == ""
    assert "revoke: pre_msgid missing" in missing.problems


def test_media_references_carry_md5_size_and_name() -> None:
    rec = normalise_message(
        msg(
            "file",
            {
                "file": {
                    "md5sum": MD5,
                    "filename": "合同.docx",
                    "fileext": "docx",
                    "filesize": "2048",  # numbers may arrive as strings
                    "sdkfileid": FILEID,
                }
            },
        ),
        seq=1,
    )
    (ref,) = rec.media
    assert (ref.sdkfileid, ref.md5sum, ref.size, ref.filename, ref.ext) == (
        FILEID,
        MD5,
        2048,
        "合同.docx",
        "docx",
    )
    voice = normalise_message(
        msg("voice", {"voice": {"md5sum": MD5, "voice_size": 6810, "sdkfileid": "V1"}}), seq=2
    )
    assert voice.media[0].size == 6810
    assert voice.media[0].ext == "amr"
    gif = normalise_message(
        msg("emotion", {"emotion": {"type": 1, "imagesize": 9, "sdkfileid": "E1"}}), seq=3
    )
    png = normalise_message(
        msg("emotion", {"emotion": {"type": 2, "imagesize": 9, "sdkfileid": "E2"}}), seq=4
    )
    assert (gif.media[0].ext, png.media[0].ext, gif.media[0].size) == ("gif", "png", 9)


def test_chatrecord_items_are_parsed_and_nested_media_found() -> None:
    message, _, _ = next(s for s in SAMPLES if s[0]["msgtype"] == "chatrecord")
    rec = normalise_message(message, seq=1)
    items = rec.body["item"]
    assert rec.body["title"] == "群聊的聊天记录"
    assert [i["type"] for i in items] == ["text", "image", "file"]
    assert items[0]["raw_type"] == "ChatRecordText"
    assert items[0]["body"] == {"content": "第一条转发的消息"}
    assert items[0]["text"] == "第一条转发的消息"
    assert items[0]["msgtime"] == 1603875610
    assert items[0]["from_chatroom"] is False
    assert [(m.kind, m.sdkfileid) for m in rec.media] == [("image", "IMG2"), ("file", "FILE2")]


def test_nested_chatrecord_and_broken_items_keep_everything() -> None:
    inner = {"title": "内层记录", "item": [item("ChatRecordText", {"content": "内层消息"})]}
    message = msg(
        "chatrecord",
        {
            "chatrecord": {
                "title": "外层",
                "item": [
                    item("ChatRecordChatRecord", inner),
                    {"type": "ChatRecordText", "content": "不是JSON的纯文本"},
                    item("ChatRecordSomethingNew", {"words": "新类型的文字", "sdkfileid": "N1"}),
                    "not an object",
                ],
            }
        },
    )
    rec = normalise_message(message, seq=1)
    assert not rec.unknown
    for word in ("外层", "内层记录", "内层消息", "不是JSON的纯文本", "新类型的文字"):
        assert word in rec.text
    assert any("not JSON" in p for p in rec.problems)
    assert any("unknown type 'somethingnew'" in p for p in rec.problems)
    assert any("not an object" in p for p in rec.problems)
    assert [m.sdkfileid for m in rec.media] == ["N1"]


def test_deep_nesting_is_bounded() -> None:
    # content as an object (also accepted) so the test input stays small: nested JSON
    # strings would double their escaping at every level.
    content: dict[str, Any] = {"content": "最里层"}
    kind = "ChatRecordText"
    for _ in range(50):
        content = {"title": "层", "item": [{"type": kind, "content": content}]}
        kind = "ChatRecordChatRecord"
    rec = normalise_message(msg("chatrecord", {"chatrecord": content}), seq=1)
    assert any("nested too deeply" in p for p in rec.problems)
    assert "最里层" not in rec.text


def test_switch_record() -> None:
    rec = normalise_message(
        {"msgid": "125289002219525886280", "action": "switch", "time": 1554119421840, "user": EMP},
        seq=7,
    )
    assert rec.action == "switch"
    assert rec.msgtype == "switch"
    assert rec.sender == EMP
    assert rec.msgtime == 1554119421840
    assert rec.conversation_key == ""
    assert rec.direction is Direction.NONE
    assert rec.body == {"time": 1554119421840, "user": EMP}
    assert rec.problems == ()


def test_unknown_type_is_stored_whole_and_searchable() -> None:
    message = msg(
        "hologram",
        {"hologram": {"caption": "全息投影的说明", "sdkfileid": "H1", "frameid": "x1"}},
    )
    rec = normalise_message(message, seq=9)
    assert rec.unknown
    assert rec.body == message
    assert rec.raw == message
    assert "全息投影的说明" in rec.text
    assert "x1" not in rec.text  # ids are not text
    assert "unknown msgtype 'hologram'" in rec.problems
    assert rec.customer == CUST  # derived fields still work


def test_known_type_without_its_body_is_kept_whole() -> None:
    message = msg("image", {})
    rec = normalise_message(message, seq=1)
    assert rec.unknown
    assert rec.body == message
    assert any("body 'image' missing" in p for p in rec.problems)


def test_vote_also_accepted_as_an_object() -> None:
    rec = normalise_message(
        msg("vote", {"vote": {"votetitle": "选哪天", "voteitem": ["周六"], "votetype": 101}}),
        seq=1,
    )
    assert "选哪天" in rec.text
    assert not rec.unknown


def test_lenient_about_base_fields_but_says_so() -> None:
    rec = normalise_message(
        {"msgid": "m1", "msgtype": "text", "text": {"content": "hi"}, "tolist": ["a", 3]}, seq=1
    )
    assert rec.text == "hi"
    assert {
        "action missing",
        "from missing",
        "msgtime missing",
        "tolist has non-string entries",
    } <= set(rec.problems)
    odd = normalise_message(
        msg("text", {"text": {"content": "x"}}, action="forward", msgtime="1603875826338"), seq=2
    )
    assert odd.msgtime == 1603875826338
    assert "unknown action 'forward'" in odd.problems


def test_msgid_must_match_its_record() -> None:
    message = msg("text", {"text": {"content": "x"}})
    assert normalise_message(message, seq=1, msgid=message["msgid"]).msgid == message["msgid"]
    with pytest.raises(MalformedMessage, match="does not match"):
        normalise_message(message, seq=1, msgid="other")
    without = dict(message)
    del without["msgid"]
    assert normalise_message(without, seq=1, msgid="from-record").msgid == "from-record"
    with pytest.raises(MalformedMessage, match="no msgid"):
        normalise_message(without, seq=1)


@pytest.mark.parametrize("plaintext", [b"", b"not json", b"[1,2]", b'"text"', b"\xff\x00"])
def test_plaintext_that_is_not_a_message(plaintext: bytes) -> None:
    with pytest.raises(MalformedMessage):
        normalise_message(plaintext, seq=1)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_fields = st.sampled_from(
    ["msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype", "time", "user",
     "text", "image", "chatrecord", "mixed", "revoke", "info", "vote", "item", "content"]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(_fields, _json, max_size=8),
    st.sampled_from([*sorted(KNOWN_MSGTYPES), "mystery", ""]),
)
def test_normaliser_never_fails_on_odd_input(doc: dict[str, Any], msgtype: str) -> None:
    """Whatever WeCom sends, only a missing/odd msgid raises; everything else is a record."""
    doc = {**doc, "msgtype": msgtype} if msgtype else doc
    doc["msgid"] = "m"
    rec = normalise_message(doc, seq=1)
    assert rec.msgid == "m"
    assert rec.raw == doc
