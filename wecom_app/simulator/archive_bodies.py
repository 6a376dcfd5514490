"""The message bodies of the archive generator: every rich type of wecom-protocol.md §6.

Mixed into the generator (:mod:`wecom_app.simulator.archive_gen`): each builder makes
the type-specific fields of one message from the generator's seeded random state, and
the media ones register a new file (id, md5, size) for the message being built.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from wecom_app.simulator.archive import MediaBlob
from wecom_app.simulator.archive_corpus import (
    BIG_MEDIA,
    CITIES,
    CST,
    FILES,
    HEADERS,
    MEDIA_SIZES,
    SALES,
    SERVICE,
    pick,
)
from wecom_app.simulator.archive_log import Conversation, Person

JsonObject = dict[str, Any]


class MessageBodies:
    """Builders of message bodies, by msgtype; state comes from the generator."""

    rng: random.Random
    now_ms: int
    corp_name: str
    names: dict[str, str]
    employees: list[Person]
    media_count: int
    big_media_every: int

    # ------------------------------------------------------- ids and media

    _ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def _token(self, n: int) -> str:
        return "".join(self.rng.choices(self._ALPHABET, k=n))

    def _fileid(self) -> str:
        raw = self.rng.randbytes(84) + self.media_count.to_bytes(4, "big")
        return base64.b64encode(raw).decode("ascii")

    def _blob(self, kind: str, ext: str) -> tuple[str, MediaBlob]:
        self.media_count += 1
        low, high = MEDIA_SIZES.get(kind, (1_000, 16_000))
        if self.big_media_every and self.media_count % self.big_media_every == 0:
            low, high = BIG_MEDIA
        size = self.rng.randint(low, high)
        blob = MediaBlob.create(kind, size, self.rng.getrandbits(63), HEADERS.get(ext, b""))
        return self._fileid(), blob

    # ---------------------------------------------------------- rich bodies

    def _rich(self, kind: str, sender: str, conv: Conversation, v: dict[str, Any]) -> JsonObject:
        return self._builders[kind](self, sender, conv, v)

    def _media_body(self, kind: str, ext: str, size_key: str = "filesize") -> JsonObject:
        """A new media file for the message being built, and its body fields."""
        fileid, blob = self._blob(kind, ext)
        self._pending_media.append((fileid, blob))
        return {"sdkfileid": fileid, "md5sum": blob.md5, size_key: blob.size}

    _pending_media: list[tuple[str, MediaBlob]]

    def _image(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("image", "jpg")
        return {"image": body}

    def _voice(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("voice", "amr", "voice_size")
        body["play_length"] = self.rng.randint(2, 59)
        return {"voice": body}

    def _video(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("video", "mp4")
        body["play_length"] = self.rng.randint(5, 120)
        return {"video": body}

    def _emotion(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        gif = self.rng.random() < 0.6
        body = self._media_body("emotion", "gif" if gif else "png", "imagesize")
        size = self.rng.choice((120, 240, 300))
        body.update({"type": 1 if gif else 2, "width": size, "height": size})
        return {"emotion": body}

    def _file(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        stem, ext = pick(self.rng, FILES)
        body = self._media_body("file", ext)
        body.update({"filename": f"{stem.format(**v)}.{ext}", "fileext": ext})
        return {"file": body}

    def _link(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "link": {
                "title": f"{v['product']}深度测评：这些细节你一定要知道",
                "description": f"{v['city']}用户真实使用三个月后的体验分享",
                "link_url": f"https://mp.weixin.qq.com/s/{self._token(22)}",
                "image_url": f"https://mmbiz.qpic.cn/mmbiz_jpg/{self._token(40)}/0",
            }
        }

    def _weapp(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "weapp": {
                "title": f"{v['product']}限时特惠，点击下单",
                "description": f"活动价{v['deal']}元",
                "username": f"gh_{self._token(12).lower()}@app",
                "displayname": f"{self.corp_name.removesuffix('（演示）')}官方商城",
            }
        }

    def _card(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        colleague = pick(self.rng, self.employees)
        return {"card": {"corpname": self.corp_name, "userid": colleague.id}}

    def _location(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        city, address, lat, lng = pick(self.rng, CITIES)
        return {
            "location": {
                "longitude": round(lng + self.rng.uniform(-0.01, 0.01), 6),
                "latitude": round(lat + self.rng.uniform(-0.01, 0.01), 6),
                "address": address,
                "title": f"{self.corp_name.removesuffix('（演示）')}{city}体验店",
                "zoom": 15,
            }
        }

    def _chatrecord(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        script = pick(self.rng, SALES + SERVICE)
        start = self.rng.randrange(max(1, len(script) - 3))
        seconds = self.now_ms // 1000 - 86_400
        items: list[JsonObject] = []
        for offset, (_who, line) in enumerate(script[start : start + 3]):
            items.append(
                {
                    "type": "ChatRecordText",
                    "msgtime": seconds + offset * 60,
                    "content": json.dumps({"content": line.format(**v)}, ensure_ascii=False),
                    "from_chatroom": False,
                }
            )
        if self.rng.random() < 0.5:
            body = self._media_body("image", "jpg")
            items.append(
                {
                    "type": "ChatRecordImage",
                    "msgtime": seconds + 240,
                    "content": json.dumps(body),
                    "from_chatroom": False,
                }
            )
        title = pick(
            self.rng, ["群聊的聊天记录", f"{v['customer_name']}和{v['employee']}的聊天记录"]
        )
        return {"chatrecord": {"title": title, "item": items}}

    def _mixed(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("image", "jpg")
        text = f"这是{v['product']}的实拍图，{v['problem']}就是这个位置"
        return {
            "mixed": {
                "item": [
                    {"type": "text", "content": json.dumps({"content": text}, ensure_ascii=False)},
                    {"type": "image", "content": json.dumps(body)},
                ]
            }
        }

    def _meeting_voice_call(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        # The audio of a meeting call has an sdkfileid but no md5sum/size in WeCom's body.
        fileid = self._media_body("meeting_voice_call", "")["sdkfileid"]
        seconds = self.now_ms // 1000
        return {
            "voiceid": self._token(24),
            "meeting_voice_call": {
                "endtime": seconds,
                "sdkfileid": fileid,
                "demofiledata": [
                    {
                        "filename": f"{v['product']}方案介绍.pptx",
                        "demooperator": s,
                        "starttime": seconds - 900,
                        "endtime": seconds - 300,
                    }
                ],
                "sharescreendata": [
                    {"share": s, "starttime": seconds - 600, "endtime": seconds - 120}
                ],
            },
        }

    def _voip_doc_share(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("voip_doc_share", "pdf")
        body["filename"] = f"{v['product']}售后政策.pdf"
        return {"voipid": self._token(24), "voip_doc_share": body}

    def _voiptext(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "voipid": self._token(24),
            "voiptext": {
                "callduration": self.rng.randint(15, 900),
                "invitetype": self.rng.choice((1, 2)),
            },
        }

    def _docmsg(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "doc": {
                "title": f"{v['product']}客户需求登记表",
                "doc_creator": s,
                "link_url": f"https://doc.weixin.qq.com/sheet/{self._token(28)}",
            }
        }

    def _redpacket(self, c: Conversation) -> JsonObject:
        count = 1 if not c.roomid else self.rng.randint(3, 10)
        return {
            "redpacket": {
                "type": 1 if count == 1 else 2,
                "wish": pick(self.rng, ["恭喜发财，大吉大利", "感谢支持！", "新年快乐", "辛苦啦"]),
                "totalcnt": count,
                "totalamount": count * self.rng.choice((188, 520, 666, 888)),
            }
        }

    def _sphfeed(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "sphfeed": {
                "feed_type": self.rng.choice((2, 4)),
                "sph_name": f"{self.corp_name.removesuffix('（演示）')}官方视频号",
                "feed_desc": f"三分钟看懂{v['product']}的安装与保养",
            }
        }

    def _news(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "info": {
                "item": [
                    {
                        "title": f"{v['date']}{v['city']}新品体验会报名开启",
                        "description": f"{v['product']}现场体验，到店即送{v['gift']}",
                        "url": f"https://work.weixin.qq.com/news/{self._token(16)}",
                        "picurl": f"https://wework.qpic.cn/wwpic/{self._token(24)}/0",
                    }
                ]
            }
        }

    def _qydiskfile(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        stem, ext = pick(self.rng, FILES)
        return {"info": {"filename": f"{stem.format(**v)}.{ext}"}}

    def _vote(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "votetitle": "下次体验会大家希望安排在哪天？",
            "voteitem": ["周六上午", "周六下午", "周日下午"],
            "votetype": 101,
            "voteid": self._token(20),
        }

    def _collect(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        when = datetime.fromtimestamp(self.now_ms / 1000, CST)
        return {
            "collect": {
                "room_name": c.name,
                "creator": self.names.get(s, ""),
                "create_time": f"{when:%Y-%m-%d %H:%M:%S}",
                "title": f"{v['city']}门店新品体验会报名",
                "details": [
                    {"id": 1, "ques": "姓名", "type": "Text"},
                    {"id": 2, "ques": "参加人数", "type": "Number"},
                    {"id": 3, "ques": "到店日期", "type": "Date"},
                ],
            }
        }

    def _calendar(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        start = self.now_ms // 1000 + 86_400 * self.rng.randint(1, 7)
        attendees = [self.names[m] for m in c.members if m in self.names][:5]
        return {
            "calendar": {
                "title": f"{v['product']}方案沟通会",
                "creatorname": self.names.get(s, ""),
                "attendeename": attendees,
                "starttime": start,
                "endtime": start + 3600,
                "place": f"{v['city']}分公司3楼会议室",
                "remarks": "请提前准备客户需求清单",
            }
        }

    def _todo(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        return {
            "todo": {
                "title": "客户跟进",
                "content": f"{v['date']}前回访{v['customer_name']}，确认{v['product']}安装进度",
            }
        }

    def _meeting(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        start = self.now_ms // 1000 + 3600
        return {
            "meeting": {
                "topic": f"{v['month']}月销售复盘会",
                "starttime": start,
                "endtime": start + 5400,
                "address": f"{v['city']}分公司大会议室",
                "remarks": "请各组带上本月业绩数据",
                "meetingtype": 101,
                "meetingid": self.rng.getrandbits(40),
                "status": 1,
            }
        }

    # 会议控制, 接龙, 笔记 (Doc 91774): emitted on request, not in the rich cycles
    def _meeting_notification(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        notice = f"{v['month']}月销售复盘会已开始，请{v['customer_name']}的跟进人入会"
        meeting = {"meetingid": self.rng.getrandbits(40), "notification_type": 1}
        return {"meeting_notification": {**meeting, "content": notice}}

    def _solitaire(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        people = list(self.names.values())[:3]
        rows = [{"id": i + 1, "content": f"{n} {v['city']}"} for i, n in enumerate(people)]
        title = f"{v['product']}体验会报名"
        return {"solitaire": {"title": title, "creator": s, "details": rows}}

    def _note(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        content = f"{v['customer_name']}关心{v['product']}的安装周期"
        return {"note": {"title": "客户拜访笔记", "content": content}}

    def _markdown(self, s: str, c: Conversation, v: dict[str, Any]) -> JsonObject:
        content = (
            f"**{c.name}公告**\n> 本周活动：{v['product']}限时{v['deal']}元\n"
            f'> 截止日期：<font color="warning">{v["date"]}</font>'
        )
        return {"info": {"content": content}}

    _builders: Final[
        dict[str, Callable[[MessageBodies, str, Conversation, dict[str, Any]], JsonObject]]
    ] = {
        "image": _image,
        "voice": _voice,
        "video": _video,
        "emotion": _emotion,
        "file": _file,
        "link": _link,
        "weapp": _weapp,
        "card": _card,
        "location": _location,
        "chatrecord": _chatrecord,
        "mixed": _mixed,
        "meeting_voice_call": _meeting_voice_call,
        "voip_doc_share": _voip_doc_share,
        "voiptext": _voiptext,
        "docmsg": _docmsg,
        # 企业红包 (colleagues) and 互通红包 (customers) share the redpacket body.
        "redpacket": lambda self, s, c, v: self._redpacket(c),
        "external_redpacket": lambda self, s, c, v: self._redpacket(c),
        "sphfeed": _sphfeed,
        "news": _news,
        "qydiskfile": _qydiskfile,
        "vote": _vote,
        "collect": _collect,
        "calendar": _calendar,
        "todo": _todo,
        "meeting": _meeting,
        "markdown": _markdown,
        "meeting_notification": _meeting_notification,
        "solitaire": _solitaire,
        "note": _note,
    }
