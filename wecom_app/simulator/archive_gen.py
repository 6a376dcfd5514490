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

import base64
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from wecom_app.simulator.archive import ArchiveRoom, MediaBlob, OrgArchive

JsonObject = dict[str, Any]

CST: Final = timezone(timedelta(hours=8))
DEFAULT_START: Final = datetime(2024, 3, 4, 9, 0, tzinfo=CST)

# ------------------------------------------------------------------- people & things

_EMPLOYEES: Final = [
    ("zhangwei", "张伟"),
    ("liuyang", "刘洋"),
    ("wangfang", "王芳"),
    ("lina", "李娜"),
    ("chenjie", "陈杰"),
    ("yangmin", "杨敏"),
    ("zhaolei", "赵磊"),
    ("huangting", "黄婷"),
    ("zhoujun", "周俊"),
    ("wuxiaoli", "吴晓丽"),
    ("xuhao", "徐浩"),
    ("sunyue", "孙悦"),
    ("maqiang", "马强"),
    ("zhujing", "朱静"),
]
_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞辉波宁燕琳晨婷雪梅俊"
    "浩宇欣怡子涵思远佳琪一诺梓轩雨桐诗雨嘉怡"
)
_COMPANIES: Final = [
    "上海明远贸易有限公司",
    "杭州云帆科技有限公司",
    "深圳前海恒通供应链有限公司",
    "北京中联信达咨询有限公司",
    "成都锦程装饰工程有限公司",
    "广州粤丰食品有限公司",
]
_CITIES: Final = [
    ("上海", "上海市浦东新区世纪大道100号", 31.2363, 121.5055),
    ("北京", "北京市朝阳区建国路88号SOHO现代城", 39.9087, 116.4662),
    ("深圳", "深圳市南山区科技园南区高新南七道", 22.5333, 113.9442),
    ("杭州", "杭州市西湖区文三路478号华星时代广场", 30.2784, 120.1297),
    ("成都", "成都市锦江区红星路三段1号国际金融中心", 30.6570, 104.0819),
    ("广州", "广州市天河区珠江新城花城大道85号", 23.1191, 113.3245),
]


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    price: int
    gifts: tuple[str, ...]
    problems: tuple[str, ...]
    unit: str = "台"


_PRODUCTS: Final = [
    Product(
        "智能净水器X5",
        3999,
        ("三年滤芯", "免费上门安装"),
        ("出水变慢", "指示灯一直闪红灯", "有异响"),
    ),
    Product(
        "变频空调1.5匹",
        4299,
        ("免费安装", "以旧换新补贴300元"),
        ("制冷效果差", "外机噪音大", "遥控器失灵"),
    ),
    Product(
        "全屋智能门锁Pro",
        2599,
        ("上门安装", "一年延保"),
        ("指纹识别不灵敏", "电池耗电太快", "APP连不上"),
    ),
    Product(
        "扫地机器人T8", 2899, ("备用边刷两套", "尘袋一盒"), ("回不了充电座", "地图丢失", "拖地漏水")
    ),
    Product(
        "企业版CRM年度套餐",
        19800,
        ("免费培训两次", "数据迁移服务"),
        ("导出报表失败", "同步延迟", "账号登录不了"),
        "套",
    ),
    Product(
        "少儿英语年课",
        8800,
        ("教材全套", "两节一对一外教课"),
        ("课程排不开", "老师临时调课", "APP卡顿"),
        "份",
    ),
]

_SMALL_TALK_CUSTOMER: Final = [
    "好的",
    "嗯嗯",
    "收到，谢谢",
    "好的，我考虑一下",
    "明白了",
    "[微笑]",
    "麻烦了",
]
_SMALL_TALK_EMPLOYEE: Final = [
    "好的，有任何问题随时联系我~",
    "收到！",
    "不客气，这是我应该做的",
    "好的，我这边帮您跟进",
    "稍等，我确认一下",
    "[握手]",
]

# Scripts: (who, line); who is "c" customer, "e" employee, "e2" a second employee.
_SALES: Final = [
    [
        ("c", "你好，我在网上看到你们的{product}，想了解一下"),
        ("e", "您好！我是{corp}的{employee}，很高兴为您服务～请问您主要关注哪些方面呢？"),
        ("c", "价格大概多少？最近有没有优惠活动？"),
        ("e", "{product}官方价{price}元，本月活动价{deal}元，还送{gift}"),
        ("c", "能便宜点吗？我朋友上个月买的好像更便宜"),
        ("e", "理解您的心情～我帮您申请一下，老客户推荐可以再减{cut}元"),
        ("c", "那可以，什么时候能发货？"),
        ("e", "今天下单的话{date}前可以送到{city}，需要我帮您下单吗？"),
        ("c", "好的，先帮我下一{unit}"),
        ("e", "已经为您下单，订单号{order}，发货后会短信通知您"),
    ],
    [
        ("c", "在吗？{product}和别家的比有什么优势？"),
        (
            "e",
            "在的！我们的{product}主要有三点优势：一是质保更长，二是售后网点覆盖{city}全城，三是{gift}",
        ),
        ("c", "质保是几年？"),
        ("e", "整机质保三年，核心部件五年"),
        ("c", "有分期吗？"),
        ("e", "支持12期免息分期，每期{instalment}元"),
        ("c", "我跟家里人商量一下再说"),
        ("e", "好的没问题，活动到{date}截止，有需要随时找我"),
    ],
    [
        ("e", "{customer_name}您好，之前您咨询的{product}今天有团购活动，价格是{deal}元"),
        ("c", "哦？团购要几个人？"),
        ("e", "三人成团就可以，我这边已经有两位客户了，您加入刚好成团"),
        ("c", "那行，怎么付款？"),
        ("e", "我发您一个小程序链接，直接在里面下单就可以"),
        ("c", "好的，已经付款了"),
        ("e", "收到，感谢您的信任！订单号{order}"),
    ],
    [
        ("c", "你好，我们公司想采购一批{product}，大概{qty}{unit}，能开专票吗？"),
        ("e", "您好，可以开增值税专用发票。请问贵公司全称和税号方便提供一下吗？"),
        ("c", "{company}，税号稍后发你"),
        ("e", "好的，批量采购我们有阶梯价，{qty}{unit}的话单价可以做到{deal}元"),
        ("c", "能再给个合同模板吗？我们走一下内部流程"),
        ("e", "没问题，我把报价单和合同模板一起发您"),
        ("c", "收到，我们法务看完给你回复"),
    ],
]
_SERVICE: Final = [
    [
        ("c", "你好，我上周买的{product}{problem}，怎么处理？"),
        ("e", "非常抱歉给您带来不便！麻烦提供一下订单号，我帮您查一下"),
        ("c", "订单号是{order}"),
        ("e", "查到了，是{date}发货的那一单。请问方便拍个照片或视频给我看一下吗？"),
        ("c", "稍等我拍一下"),
        ("e", "看到了，这个情况需要师傅上门检测，已经为您登记售后工单{ticket}"),
        ("c", "师傅什么时候来？"),
        ("e", "师傅会在24小时内联系您，预约上门时间，电话尾号{phone_tail}"),
        ("c", "好的谢谢"),
    ],
    [
        ("c", "我要退货，{product}{problem}，太失望了"),
        ("e", "非常抱歉！您的订单在七天无理由退货期内，可以直接办理退货"),
        ("c", "运费谁出？"),
        ("e", "质量问题运费由我们承担，快递员会上门取件，不用您垫付"),
        ("c", "退款多久到账？"),
        ("e", "仓库签收后1-3个工作日原路退回"),
        ("c", "行吧"),
    ],
    [
        ("c", "发票一直没收到，能帮忙看看吗？"),
        ("e", "您好，电子发票会发到您下单时填写的邮箱，我帮您查一下开票状态"),
        ("e", "已经重新开具，发送到您的邮箱了，请查收"),
        ("c", "收到了，谢谢"),
    ],
    [
        ("c", "{product}的保修卡丢了，还能保修吗？"),
        ("e", "可以的，我们系统里有您的购买记录，凭订单号{order}就能保修"),
        ("c", "太好了"),
        ("e", "另外提醒您，每半年做一次保养效果更好，这次保养可以免费帮您预约"),
    ],
]
_GROUP: Final = [
    [
        ("e", "欢迎各位加入{group}！我是大家的专属顾问{employee}，有问题随时@我"),
        ("c", "大家好"),
        ("c2", "请问{product}最近有活动吗？"),
        ("e", "有的，{date}前下单享{deal}元活动价，群内还有额外抽奖"),
        ("c", "抽奖什么奖品？"),
        ("e2", "一等奖是{gift}，每周五晚上八点开奖"),
        ("c2", "期待[愉快]"),
    ],
    [
        ("c", "@{employee} 我家的{product}{problem}"),
        ("e", "收到，我私聊您处理哈"),
        ("c2", "我家也遇到过，后来师傅上门调了一下就好了"),
        ("e2", "感谢分享～这类问题一般远程就能解决，大家遇到可以先重启试试"),
    ],
    [
        ("e", "各位客户朋友，本周六下午两点在{city}门店有新品体验会，欢迎报名参加"),
        ("c", "需要预约吗？"),
        ("e", "需要的，我发个接龙，大家报名一下"),
        ("c2", "我报名+1"),
        ("c", "我也去"),
    ],
]
_INTERNAL: Final = [
    [
        ("e", "王经理，客户{customer_name}想要{deal}元的价格，能批吗？"),
        ("e2", "他买几{unit}？"),
        ("e", "{qty}{unit}，而且是老客户转介绍的"),
        ("e2", "可以，走特价审批流程，备注老客户转介绍"),
        ("e", "好的，我马上提交"),
    ],
    [
        ("e", "{employee2}，{city}那边的工单{ticket}师傅今天能上门吗？"),
        ("e2", "今天排满了，明天上午可以"),
        ("e", "好，我跟客户确认一下时间"),
    ],
    [
        ("e", "这个月的销售报表我放共享盘了，大家看一下"),
        ("e2", "收到，我们组的数据有两单还没录入，下班前补上"),
        ("e", "辛苦了"),
    ],
]

# Which rich types show up where; each cycle is walked in a shuffled order so every
# type appears early, even in a small log.
_CUSTOMER_RICH: Final = [
    "image", "voice", "video", "file", "link", "weapp", "card", "location", "emotion",
    "chatrecord", "mixed", "meeting_voice_call", "voip_doc_share", "voiptext", "docmsg",
    "external_redpacket", "sphfeed", "news", "qydiskfile",
]  # fmt: skip
_GROUP_RICH: Final = [
    "image", "file", "link", "vote", "collect", "external_redpacket", "calendar", "todo",
    "markdown", "news", "sphfeed", "emotion", "mixed", "docmsg", "location", "weapp", "video",
]  # fmt: skip
_INTERNAL_RICH: Final = [
    "file", "redpacket", "calendar", "todo", "meeting", "docmsg", "chatrecord", "card",
    "image", "voice", "qydiskfile", "meeting_voice_call",
]  # fmt: skip

ALL_MSGTYPES: Final = frozenset(
    {*_CUSTOMER_RICH, *_GROUP_RICH, *_INTERNAL_RICH, "text", "revoke", "agree", "disagree"}
)

_MEDIA_SIZES: Final = {  # (min, max) bytes; small, so a huge log is quick to make
    "image": (1_500, 24_000),
    "voice": (1_000, 12_000),
    "video": (16_000, 96_000),
    "file": (2_000, 64_000),
    "emotion": (1_000, 16_000),
    "meeting_voice_call": (8_000, 48_000),
    "voip_doc_share": (4_000, 48_000),
}
_BIG_MEDIA: Final = (600_000, 1_400_000)  # more than two 512 KB chunks

_HEADERS: Final = {
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "gif": b"GIF89a",
    "amr": b"#!AMR\n",
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41",
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "docx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
    "xlsx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
    "pptx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
}
_FILES: Final = [
    ("{product}报价单", "pdf"),
    ("采购合同模板", "docx"),
    ("{product}产品手册", "pdf"),
    ("{month}月销售数据", "xlsx"),
    ("售后服务政策说明", "pdf"),
    ("新品发布会方案", "pptx"),
]


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    company: str = ""


@dataclass(frozen=True, slots=True)
class Group:
    roomid: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GeneratedMessage:
    """One decrypted message plus what the generator meant by it."""

    message: JsonObject
    conversation: str  # roomid or the sorted 1:1 pair joined by "|"; "" for switch
    customer: str | None  # the customer of a 1:1 chat
    media: tuple[tuple[str, MediaBlob], ...] = ()  # (sdkfileid, blob)

    @property
    def msgid(self) -> str:
        return str(self.message["msgid"])

    @property
    def msgtype(self) -> str:
        return str(self.message.get("msgtype", "switch"))


@dataclass
class GeneratedArchive:
    corp_id: str
    corp_name: str
    employees: list[Person]
    customers: list[Person]
    robots: list[Person]
    groups: list[Group]
    messages: list[GeneratedMessage] = field(default_factory=list)

    @property
    def media(self) -> dict[str, MediaBlob]:
        return {fileid: blob for m in self.messages for fileid, blob in m.media}

    def msgtypes(self) -> Counter[str]:
        return Counter(m.msgtype for m in self.messages)

    def load_into(self, org: OrgArchive, *, key_versions: Sequence[int] | None = None) -> None:
        """Append the log to ``org``: the versions in order, each for an equal span
        (the admin rotated keys over time), and register every media file.

        The msgaudit side follows the log: every employee is archived, each customer's
        agree/disagree message sets their consent with that employee, and internal
        groups are known to ``msgaudit/groupchat/get``.
        """
        versions = list(key_versions or [org.current_version])
        span = max(1, -(-len(self.messages) // len(versions)))
        for index, generated in enumerate(self.messages):
            org.append(
                generated.message, publickey_ver=versions[min(index // span, len(versions) - 1)]
            )
            for fileid, blob in generated.media:
                org.add_media(blob, fileid)
            self._consent(org, generated.message)
        for employee in self.employees:
            org.permit(employee.id)
        for group in self.groups:
            if all(not m.startswith(("wm", "wo", "wb")) for m in group.members):
                created = int(DEFAULT_START.timestamp())
                org.add_room(
                    ArchiveRoom(
                        roomid=group.roomid,
                        name=group.name,
                        creator=group.members[0],
                        created_at=created,
                        members=tuple((m, created) for m in group.members),
                    )
                )

    @staticmethod
    def _consent(org: OrgArchive, message: JsonObject) -> None:
        kind = message.get("msgtype")
        if kind not in ("agree", "disagree"):
            return
        body = message.get(kind)
        if not isinstance(body, dict):
            return
        customer = str(body.get("userid", ""))
        when = body.get(f"{kind}_time", message.get("msgtime", 0))
        at = (when if isinstance(when, int) else 0) // 1000
        status = "Agree" if kind == "agree" else "Disagree"
        receivers = [r for r in message.get("tolist", []) if isinstance(r, str)]
        roomid = message.get("roomid") or ""
        if roomid:
            org.agree_in_room(str(roomid), customer, status, at)
        else:
            for employee in receivers:
                org.agree(employee, customer, status, at)


def _pick(rng: random.Random, items: Sequence[Any]) -> Any:
    return items[rng.randrange(len(items))]


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


@dataclass
class _Conv:
    kind: str  # sales | service | group | internal
    members: tuple[str, ...]
    roomid: str = ""
    name: str = ""

    @property
    def key(self) -> str:
        return self.roomid or "|".join(sorted(self.members))


_Turn = tuple[str, str, JsonObject]  # (sender, msgtype, fields beside the base fields)


class _Generator:
    def __init__(
        self, seed: int, corp_id: str, start: datetime, big_media_every: int, parallel: int
    ) -> None:
        self.rng = random.Random(seed)
        self.corp_id = corp_id
        self.now_ms = int(start.timestamp() * 1000)
        self.big_media_every = big_media_every
        self.parallel = parallel
        self.media_count = 0
        self.msg_count = 0
        self.corp_name = (
            _pick(self.rng, ["简致家居", "优选电器", "启明教育", "云启软件"]) + "（演示）"
        )
        self.employees = [Person(uid, name, self.corp_name) for uid, name in _EMPLOYEES]
        self.customers = [self._customer(i) for i in range(240)]
        self.robots = [Person("wb" + self._token(30), name) for name in ("群助手", "活动小助手")]
        self.names = {p.id: p.name for p in [*self.employees, *self.customers, *self.robots]}
        self.groups = [self._group(i) for i in range(24)]
        self.cycles = {
            "customer": _Cycle(self.rng, _CUSTOMER_RICH),
            "group": _Cycle(self.rng, _GROUP_RICH),
            "internal": _Cycle(self.rng, _INTERNAL_RICH),
        }
        self.agreed: set[str] = set()
        self.refused: set[str] = set()
        self.owner = {c.id: _pick(self.rng, self.employees).id for c in self.customers}

    # ------------------------------------------------------------------ ids

    _ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def _token(self, n: int) -> str:
        return "".join(self.rng.choices(self._ALPHABET, k=n))

    def _customer(self, index: int) -> Person:
        name = _pick(self.rng, _SURNAMES) + "".join(
            self.rng.choices(_GIVEN, k=self.rng.choice((1, 2)))
        )
        if index % 5 == 4:  # a member of another WeCom org
            return Person("wo" + self._token(30), name, _pick(self.rng, _COMPANIES))
        return Person("wm" + self._token(30), name, "微信")

    def _group(self, index: int) -> Group:
        product = _pick(self.rng, _PRODUCTS).name
        name = _pick(
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

    def _fileid(self) -> str:
        raw = self.rng.randbytes(84) + self.media_count.to_bytes(4, "big")
        return base64.b64encode(raw).decode("ascii")

    def _blob(self, kind: str, ext: str) -> tuple[str, MediaBlob]:
        self.media_count += 1
        low, high = _MEDIA_SIZES.get(kind, (1_000, 16_000))
        if self.big_media_every and self.media_count % self.big_media_every == 0:
            low, high = _BIG_MEDIA
        size = self.rng.randint(low, high)
        blob = MediaBlob.create(kind, size, self.rng.getrandbits(63), _HEADERS.get(ext, b""))
        return self._fileid(), blob

    # -------------------------------------------------------------- sessions

    def _new_session(self) -> tuple[_Conv, Iterator[_Turn]]:
        roll = self.rng.random()
        if roll < 0.33:
            conv = self._single("sales")
        elif roll < 0.58:
            conv = self._single("service")
        elif roll < 0.86:
            group = _pick(self.rng, self.groups)
            conv = _Conv("group", group.members, group.roomid, group.name)
        else:
            a, b = self.rng.sample(self.employees, 2)
            conv = _Conv("internal", (a.id, b.id))
        return conv, self._turns(conv)

    def _single(self, kind: str) -> _Conv:
        customer = _pick(self.rng, self.customers)
        for _ in range(8):  # customers who refused archiving have no archived 1:1 chats
            if customer.id not in self.refused:
                break
            customer = _pick(self.rng, self.customers)
        return _Conv(kind, (self.owner[customer.id], customer.id))

    def _vars(self, conv: _Conv) -> dict[str, Any]:
        rng = self.rng
        product: Product = _pick(rng, _PRODUCTS)
        city = _pick(rng, _CITIES)[0]
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
            "gift": _pick(rng, product.gifts),
            "problem": _pick(rng, product.problems),
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
            "company": _pick(rng, _COMPANIES),
            "group": conv.name,
            "employee": self.names.get(staff[0], "") if staff else "",
            "employee2": _pick(rng, others).name if others else "",
            "customer_name": (
                self.names[customers[0]] if customers else _pick(rng, self.customers).name
            ),
        }

    def _turns(self, conv: _Conv) -> Iterator[_Turn]:
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
        scripts = {"sales": _SALES, "service": _SERVICE, "group": _GROUP, "internal": _INTERNAL}
        cycle = self.cycles[{"sales": "customer", "service": "customer"}.get(conv.kind, conv.kind)]

        if conv.kind in ("sales", "service") and roles["c"] not in self.agreed:
            # First archived contact: the customer answers the archiving consent.
            self.agreed.add(roles["c"])
            kind = "disagree" if rng.random() < 0.08 else "agree"
            yield roles["c"], kind, {kind: {"userid": roles["c"], f"{kind}_time": self.now_ms}}
            if kind == "disagree":
                self.refused.add(roles["c"])
                return

        for who, line in _pick(rng, scripts[conv.kind]):
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
                talk = _SMALL_TALK_CUSTOMER if other == "c" else _SMALL_TALK_EMPLOYEE
                yield roles[other], "text", {"text": {"content": _pick(rng, talk)}}

    # ---------------------------------------------------------- rich bodies

    def _rich(self, kind: str, sender: str, conv: _Conv, v: dict[str, Any]) -> JsonObject:
        return self._builders[kind](self, sender, conv, v)

    def _media_body(self, kind: str, ext: str, size_key: str = "filesize") -> JsonObject:
        """A new media file for the message being built, and its body fields."""
        fileid, blob = self._blob(kind, ext)
        self._pending_media.append((fileid, blob))
        return {"sdkfileid": fileid, "md5sum": blob.md5, size_key: blob.size}

    _pending_media: list[tuple[str, MediaBlob]]

    def _image(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("image", "jpg")
        return {"image": body}

    def _voice(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("voice", "amr", "voice_size")
        body["play_length"] = self.rng.randint(2, 59)
        return {"voice": body}

    def _video(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("video", "mp4")
        body["play_length"] = self.rng.randint(5, 120)
        return {"video": body}

    def _emotion(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        gif = self.rng.random() < 0.6
        body = self._media_body("emotion", "gif" if gif else "png", "imagesize")
        size = self.rng.choice((120, 240, 300))
        body.update({"type": 1 if gif else 2, "width": size, "height": size})
        return {"emotion": body}

    def _file(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        stem, ext = _pick(self.rng, _FILES)
        body = self._media_body("file", ext)
        body.update({"filename": f"{stem.format(**v)}.{ext}", "fileext": ext})
        return {"file": body}

    def _link(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "link": {
                "title": f"{v['product']}深度测评：这些细节你一定要知道",
                "description": f"{v['city']}用户真实使用三个月后的体验分享",
                "link_url": f"https://mp.weixin.qq.com/s/{self._token(22)}",
                "image_url": f"https://mmbiz.qpic.cn/mmbiz_jpg/{self._token(40)}/0",
            }
        }

    def _weapp(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "weapp": {
                "title": f"{v['product']}限时特惠，点击下单",
                "description": f"活动价{v['deal']}元",
                "username": f"gh_{self._token(12).lower()}@app",
                "displayname": f"{self.corp_name.removesuffix('（演示）')}官方商城",
            }
        }

    def _card(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        colleague = _pick(self.rng, self.employees)
        return {"card": {"corpname": self.corp_name, "userid": colleague.id}}

    def _location(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        city, address, lat, lng = _pick(self.rng, _CITIES)
        return {
            "location": {
                "longitude": round(lng + self.rng.uniform(-0.01, 0.01), 6),
                "latitude": round(lat + self.rng.uniform(-0.01, 0.01), 6),
                "address": address,
                "title": f"{self.corp_name.removesuffix('（演示）')}{city}体验店",
                "zoom": 15,
            }
        }

    def _chatrecord(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        script = _pick(self.rng, _SALES + _SERVICE)
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
        title = _pick(
            self.rng, ["群聊的聊天记录", f"{v['customer_name']}和{v['employee']}的聊天记录"]
        )
        return {"chatrecord": {"title": title, "item": items}}

    def _mixed(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
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

    def _meeting_voice_call(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
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

    def _voip_doc_share(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        body = self._media_body("voip_doc_share", "pdf")
        body["filename"] = f"{v['product']}售后政策.pdf"
        return {"voipid": self._token(24), "voip_doc_share": body}

    def _voiptext(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "voipid": self._token(24),
            "voiptext": {
                "callduration": self.rng.randint(15, 900),
                "invitetype": self.rng.choice((1, 2)),
            },
        }

    def _docmsg(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "doc": {
                "title": f"{v['product']}客户需求登记表",
                "doc_creator": s,
                "link_url": f"https://doc.weixin.qq.com/sheet/{self._token(28)}",
            }
        }

    def _redpacket(self, c: _Conv) -> JsonObject:
        count = 1 if not c.roomid else self.rng.randint(3, 10)
        return {
            "redpacket": {
                "type": 1 if count == 1 else 2,
                "wish": _pick(self.rng, ["恭喜发财，大吉大利", "感谢支持！", "新年快乐", "辛苦啦"]),
                "totalcnt": count,
                "totalamount": count * self.rng.choice((188, 520, 666, 888)),
            }
        }

    def _sphfeed(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "sphfeed": {
                "feed_type": self.rng.choice((2, 4)),
                "sph_name": f"{self.corp_name.removesuffix('（演示）')}官方视频号",
                "feed_desc": f"三分钟看懂{v['product']}的安装与保养",
            }
        }

    def _news(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
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

    def _qydiskfile(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        stem, ext = _pick(self.rng, _FILES)
        return {"info": {"filename": f"{stem.format(**v)}.{ext}"}}

    def _vote(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "votetitle": "下次体验会大家希望安排在哪天？",
            "voteitem": ["周六上午", "周六下午", "周日下午"],
            "votetype": 101,
            "voteid": self._token(20),
        }

    def _collect(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
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

    def _calendar(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
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

    def _todo(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        return {
            "todo": {
                "title": "客户跟进",
                "content": f"{v['date']}前回访{v['customer_name']}，确认{v['product']}安装进度",
            }
        }

    def _meeting(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
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

    def _markdown(self, s: str, c: _Conv, v: dict[str, Any]) -> JsonObject:
        content = (
            f"**{c.name}公告**\n> 本周活动：{v['product']}限时{v['deal']}元\n"
            f'> 截止日期：<font color="warning">{v["date"]}</font>'
        )
        return {"info": {"content": content}}

    _builders: Final[dict[str, Callable[[_Generator, str, _Conv, dict[str, Any]], JsonObject]]] = {
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
    }

    # ---------------------------------------------------------------- driver

    def _base(self, sender: str, conv: _Conv, msgtype: str, action: str = "send") -> JsonObject:
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

    def _emit(self, conv: _Conv, sender: str, msgtype: str, fields: JsonObject) -> GeneratedMessage:
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
            self.now_ms += rng.randint(2_000, 90_000)
            try:
                sender, msgtype, fields = next(turns)
            except StopIteration:
                sessions[slot] = self._new_session()
                continue
            generated = self._emit(conv, sender, msgtype, fields)
            out.append(generated)
            if len(out) < count and msgtype not in ("agree", "disagree") and rng.random() < 0.015:
                # Recalled within two minutes, by its sender, as WeCom allows.
                self.now_ms += rng.randint(3_000, 110_000)
                recall = self._base(sender, conv, "revoke", action="recall")
                recall["revoke"] = {"pre_msgid": generated.msgid}
                out.append(GeneratedMessage(recall, conv.key, generated.customer))
            if len(out) < count and rng.random() < 0.004:
                self.now_ms += rng.randint(1_000, 30_000)
                user = _pick(rng, self.employees).id
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
) -> GeneratedArchive:
    """A deterministic log of ``count`` messages: the same seed gives the same log.

    ``big_media_every``: every n-th media file is 0.6–1.4 MB, so it spans several
    512 KB chunks (0 disables big files).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    return _Generator(seed, corp_id, start, big_media_every, max(1, parallel)).run(count)
