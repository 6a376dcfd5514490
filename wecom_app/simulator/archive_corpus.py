"""What the archive generator draws from: people, products, scripts, media shapes.

Employees of the generated org, Chinese names for customers, companies, cities, products with
their gifts and problems, sales/service/group/internal conversation scripts and small
talk, which rich message types show up in which kind of chat, and how big media files
are and how they begin. Data only; :mod:`wecom_app.simulator.archive_gen` walks it
with a seeded random generator, so changing a line here changes every generated log.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final

CST: Final = timezone(timedelta(hours=8))
DEFAULT_START: Final = datetime(2024, 3, 4, 9, 0, tzinfo=CST)


def pick(rng: random.Random, items: Sequence[Any]) -> Any:
    """One of ``items``, drawn with ``rng``."""
    return items[rng.randrange(len(items))]


# ------------------------------------------------------------------- people & things

EMPLOYEES: Final = [
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
SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞辉波宁燕琳晨婷雪梅俊"
    "浩宇欣怡子涵思远佳琪一诺梓轩雨桐诗雨嘉怡"
)
COMPANIES: Final = [
    "上海明远贸易有限公司",
    "杭州云帆科技有限公司",
    "深圳前海恒通供应链有限公司",
    "北京中联信达咨询有限公司",
    "成都锦程装饰工程有限公司",
    "广州粤丰食品有限公司",
]
CITIES: Final = [
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


PRODUCTS: Final = [
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

SMALL_TALK_CUSTOMER: Final = [
    "好的",
    "嗯嗯",
    "收到，谢谢",
    "好的，我考虑一下",
    "明白了",
    "[微笑]",
    "麻烦了",
]
SMALL_TALK_EMPLOYEE: Final = [
    "好的，有任何问题随时联系我~",
    "收到！",
    "不客气，这是我应该做的",
    "好的，我这边帮您跟进",
    "稍等，我确认一下",
    "[握手]",
]

# Scripts: (who, line); who is "c" customer, "e" employee, "e2" a second employee.
SALES: Final = [
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
SERVICE: Final = [
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
GROUP: Final = [
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
INTERNAL: Final = [
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
CUSTOMER_RICH: Final = [
    "image", "voice", "video", "file", "link", "weapp", "card", "location", "emotion",
    "chatrecord", "mixed", "meeting_voice_call", "voip_doc_share", "voiptext", "docmsg",
    "external_redpacket", "sphfeed", "news", "qydiskfile",
]  # fmt: skip
GROUP_RICH: Final = [
    "image", "file", "link", "vote", "collect", "external_redpacket", "calendar", "todo",
    "markdown", "news", "sphfeed", "emotion", "mixed", "docmsg", "location", "weapp", "video",
    "solitaire",
]  # fmt: skip
INTERNAL_RICH: Final = [
    "file", "redpacket", "calendar", "todo", "meeting", "docmsg", "chatrecord", "card",
    "image", "voice", "qydiskfile", "meeting_voice_call", "meeting_notification", "note",
]  # fmt: skip

ALL_MSGTYPES: Final = frozenset(
    {*CUSTOMER_RICH, *GROUP_RICH, *INTERNAL_RICH, "text", "revoke", "agree", "disagree"}
)

MEDIA_SIZES: Final = {  # (min, max) bytes; small, so a huge log is quick to make
    "image": (1_500, 24_000),
    "voice": (1_000, 12_000),
    "video": (16_000, 96_000),
    "file": (2_000, 64_000),
    "emotion": (1_000, 16_000),
    "meeting_voice_call": (8_000, 48_000),
    "voip_doc_share": (4_000, 48_000),
}
BIG_MEDIA: Final = (600_000, 1_400_000)  # more than two 512 KB chunks

HEADERS: Final = {
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
FILES: Final = [
    ("{product}报价单", "pdf"),
    ("采购合同模板", "docx"),
    ("{product}产品手册", "pdf"),
    ("{month}月销售数据", "xlsx"),
    ("售后服务政策说明", "pdf"),
    ("新品发布会方案", "pptx"),
]
