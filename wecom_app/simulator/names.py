"""Word lists for the seeded org generator: Chinese names, companies, departments, tags.

Surnames carry rough frequency weights (the common ten cover about half of China), so
a generated customer list has the duplicate names a real one has — which is exactly
what search, dedup and the sidebar must cope with. Every character carries its pinyin
so employees get the pinyin userids most orgs use (``zhangwei``, ``liting2``).
"""

from __future__ import annotations

# (surname, pinyin, weight in per-mille, roughly)
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 71), ("李", "li", 70), ("张", "zhang", 67), ("刘", "liu", 54),
    ("陈", "chen", 45), ("杨", "yang", 31), ("黄", "huang", 22), ("赵", "zhao", 21),
    ("吴", "wu", 20), ("周", "zhou", 19), ("徐", "xu", 13), ("孙", "sun", 13),
    ("马", "ma", 11), ("朱", "zhu", 11), ("胡", "hu", 10), ("郭", "guo", 10),
    ("何", "he", 9), ("林", "lin", 9), ("高", "gao", 9), ("罗", "luo", 8),
    ("郑", "zheng", 8), ("梁", "liang", 7), ("谢", "xie", 6), ("宋", "song", 6),
    ("唐", "tang", 6), ("许", "xu", 5), ("韩", "han", 5), ("冯", "feng", 5),
    ("邓", "deng", 5), ("曹", "cao", 5), ("彭", "peng", 4), ("曾", "zeng", 4),
    ("肖", "xiao", 4), ("田", "tian", 4), ("董", "dong", 4), ("袁", "yuan", 4),
    ("潘", "pan", 3), ("于", "yu", 3), ("蒋", "jiang", 3), ("蔡", "cai", 3),
    ("余", "yu", 3), ("杜", "du", 3), ("叶", "ye", 3), ("程", "cheng", 3),
    ("苏", "su", 3), ("魏", "wei", 3), ("吕", "lv", 3), ("丁", "ding", 3),
    ("任", "ren", 3), ("沈", "shen", 3), ("姚", "yao", 2), ("卢", "lu", 2),
    ("姜", "jiang", 2), ("崔", "cui", 2), ("钟", "zhong", 2), ("谭", "tan", 2),
    ("陆", "lu", 2), ("汪", "wang", 2), ("范", "fan", 2), ("金", "jin", 2),
    ("石", "shi", 2), ("廖", "liao", 2), ("贾", "jia", 2), ("夏", "xia", 2),
    ("韦", "wei", 2), ("付", "fu", 2), ("方", "fang", 2), ("白", "bai", 2),
    ("邹", "zou", 2), ("孟", "meng", 2), ("熊", "xiong", 2), ("秦", "qin", 2),
    ("邱", "qiu", 2), ("江", "jiang", 2), ("尹", "yin", 2), ("薛", "xue", 2),
    ("闫", "yan", 2), ("段", "duan", 2), ("雷", "lei", 2), ("侯", "hou", 2),
    ("龙", "long", 2), ("史", "shi", 2), ("陶", "tao", 1), ("黎", "li", 1),
    ("贺", "he", 1), ("顾", "gu", 1), ("毛", "mao", 1), ("郝", "hao", 1),
    ("龚", "gong", 1), ("邵", "shao", 1), ("万", "wan", 1), ("钱", "qian", 1),
    ("严", "yan", 1), ("覃", "qin", 1), ("武", "wu", 1), ("戴", "dai", 1),
    ("莫", "mo", 1), ("孔", "kong", 1), ("向", "xiang", 1), ("汤", "tang", 1),
    ("欧阳", "ouyang", 0.5), ("司马", "sima", 0.2), ("上官", "shangguan", 0.2),
    ("诸葛", "zhuge", 0.1),
)  # fmt: skip

GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("勇", "yong"),
    ("杰", "jie"), ("涛", "tao"), ("斌", "bin"), ("超", "chao"), ("明", "ming"),
    ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"), ("华", "hua"),
    ("飞", "fei"), ("鑫", "xin"), ("波", "bo"), ("宇", "yu"), ("浩", "hao"),
    ("凯", "kai"), ("健", "jian"), ("俊", "jun"), ("帆", "fan"), ("帅", "shuai"),
    ("旭", "xu"), ("宁", "ning"), ("龙", "long"), ("林", "lin"), ("阳", "yang"),
    ("建", "jian"), ("国", "guo"), ("峰", "feng"), ("晨", "chen"), ("博", "bo"),
    ("文", "wen"), ("志", "zhi"), ("东", "dong"), ("海", "hai"), ("成", "cheng"),
    ("亮", "liang"), ("荣", "rong"), ("新", "xin"), ("天", "tian"), ("子", "zi"),
    ("轩", "xuan"), ("睿", "rui"), ("泽", "ze"), ("航", "hang"), ("然", "ran"),
    ("嘉", "jia"), ("豪", "hao"), ("毅", "yi"), ("彬", "bin"), ("晓", "xiao"),
    ("振", "zhen"), ("立", "li"), ("永", "yong"), ("世", "shi"), ("德", "de"),
    ("庆", "qing"), ("思", "si"), ("远", "yuan"), ("兵", "bing"), ("良", "liang"),
    ("正", "zheng"), ("义", "yi"), ("云", "yun"), ("少", "shao"), ("家", "jia"),
)  # fmt: skip

GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("艳", "yan"), ("娟", "juan"), ("霞", "xia"), ("秀", "xiu"), ("玲", "ling"),
    ("燕", "yan"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("慧", "hui"),
    ("颖", "ying"), ("倩", "qian"), ("洁", "jie"), ("佳", "jia"), ("梅", "mei"),
    ("莉", "li"), ("欣", "xin"), ("怡", "yi"), ("萍", "ping"), ("红", "hong"),
    ("琴", "qin"), ("蕾", "lei"), ("薇", "wei"), ("晶", "jing"), ("月", "yue"),
    ("璐", "lu"), ("悦", "yue"), ("雯", "wen"), ("瑶", "yao"), ("菲", "fei"),
    ("露", "lu"), ("妍", "yan"), ("婉", "wan"), ("诗", "shi"), ("涵", "han"),
    ("梦", "meng"), ("雨", "yu"), ("萱", "xuan"), ("可", "ke"), ("馨", "xin"),
    ("琪", "qi"), ("丹", "dan"), ("春", "chun"), ("桂", "gui"), ("英", "ying"),
    ("兰", "lan"), ("凤", "feng"), ("青", "qing"), ("婧", "jing"), ("媛", "yuan"),
    ("晓", "xiao"), ("思", "si"), ("文", "wen"), ("嘉", "jia"), ("子", "zi"),
)  # fmt: skip

# WeChat display names that are not a person's name: customers are WeChat users and
# many of them never change the nickname they picked years ago.
WECHAT_NICKNAMES: tuple[str, ...] = (
    "阳光", "简单快乐", "静待花开", "海阔天空", "知足常乐", "向日葵", "风轻云淡",
    "平安是福", "心想事成", "岁月静好", "追梦人", "一路向北", "小太阳", "晴天",
    "浅笑安然", "随遇而安", "青青草", "淡定", "花开半夏", "守望幸福",
)  # fmt: skip

CITIES: tuple[str, ...] = (
    "上海", "北京", "深圳", "广州", "杭州", "苏州", "成都", "武汉", "南京", "西安",
    "重庆", "天津", "长沙", "青岛", "宁波", "厦门", "合肥", "郑州", "济南", "东莞",
    "佛山", "无锡", "福州", "昆明", "沈阳", "大连", "南昌", "贵阳", "温州", "常州",
)  # fmt: skip

BRANDS: tuple[str, ...] = (
    "宏达", "华泰", "鑫源", "恒通", "瑞丰", "金诚", "博远", "天成", "嘉禾", "永信",
    "中科", "远景", "卓越", "汇通", "安泰", "德润", "佳联", "新锐", "启明", "盛世",
    "海纳", "云帆", "智联", "同创", "明泰", "君合", "正阳", "华宇", "国邦", "东方",
    "长青", "联创", "信达", "凯瑞", "锦程", "恒信", "百川", "众诚", "万象", "星辰",
)  # fmt: skip

INDUSTRIES: tuple[str, ...] = (
    "科技", "机械制造", "电子", "贸易", "物流", "建材", "医疗器械", "教育科技",
    "餐饮管理", "信息技术", "包装材料", "化工", "服饰", "食品", "家居", "汽车配件",
    "环保科技", "文化传媒", "生物科技", "装饰工程", "软件", "网络科技", "实业", "商贸",
)  # fmt: skip

COMPANY_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("有限公司", 0.8),
    ("股份有限公司", 0.15),
    ("集团有限公司", 0.05),
)

CUSTOMER_POSITIONS: tuple[str, ...] = (
    "总经理", "副总经理", "采购经理", "采购主管", "行政主管", "财务总监", "运营总监",
    "IT经理", "技术总监", "市场经理", "销售总监", "人事经理", "董事长", "项目经理",
    "店长", "产品经理", "办公室主任", "商务经理",
)  # fmt: skip

# Department tree of the generated org: (name, parent name or "" for the root's
# children, positions of the people who work there).
DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("销售部", "", ("销售总监",)),
    ("华东销售组", "销售部", ("销售经理", "销售顾问", "大客户经理")),
    ("华南销售组", "销售部", ("销售经理", "销售顾问", "大客户经理")),
    ("华北销售组", "销售部", ("销售经理", "销售顾问")),
    ("电话销售组", "销售部", ("电销专员", "电销组长")),
    ("客户成功部", "", ("客户成功经理", "客户成功专员")),
    ("售后服务部", "", ("售后工程师", "客服专员", "客服主管")),
    ("市场部", "", ("市场专员", "品牌经理", "活动策划")),
    ("产品部", "", ("产品经理", "产品助理")),
    ("技术部", "", ("后端工程师", "前端工程师", "测试工程师", "技术总监")),
    ("人事行政部", "", ("人事专员", "行政专员", "HRBP")),
    ("财务部", "", ("会计", "出纳", "财务经理")),
)

# Departments whose people talk to customers (WeCom's 客户联系 range). The others
# exist so that directory sync sees a whole org, not only sales.
CUSTOMER_FACING = frozenset(
    {"华东销售组", "华南销售组", "华北销售组", "电话销售组", "客户成功部", "售后服务部", "销售部"}
)

# Corp tag library: group name → tag names (ordered as an admin would order them).
TAG_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("客户等级", ("A类客户", "B类客户", "C类客户", "D类客户")),
    ("意向产品", ("企业版", "专业版", "标准版", "私有化部署", "增值服务")),
    ("来源渠道", ("官网咨询", "展会", "老客户转介绍", "抖音", "百度推广", "线下活动")),
    ("客户阶段", ("初次接触", "需求确认", "方案报价", "商务谈判", "已成交", "已流失")),
    ("所属行业", ("制造业", "教育", "医疗", "零售", "金融", "互联网", "政府机构")),
)

DESCRIPTIONS: tuple[str, ...] = (
    "关注价格，需要报价单", "年底有采购预算", "决策人，需重点跟进", "对私有化部署感兴趣",
    "老客户介绍，态度积极", "已试用两周", "竞品对比中", "需要上门演示",
    "合同在走审批流程", "续费客户", "对售后响应速度有要求", "只在工作日联系",
)  # fmt: skip

GROUP_NOTICES: tuple[str, ...] = (
    "欢迎加入服务群，有问题请随时@我们的工作人员。",
    "本群为项目对接群，请勿发送广告。",
    "工作时间：周一至周五 9:00-18:00，紧急问题请拨打客服热线。",
    "新版本已上线，更新说明见群文件。",
)

# add_way values (来源定义 of externalcontact/get) with how often each occurs in sales.
ADD_WAYS: tuple[tuple[int, float], ...] = (
    (1, 0.35),  # 扫描二维码
    (2, 0.2),  # 搜索手机号
    (3, 0.1),  # 名片分享
    (4, 0.1),  # 群聊
    (0, 0.05),  # 未知来源
    (201, 0.1),  # 内部成员共享
    (202, 0.1),  # 管理员/负责人分配
)
