"""Domain knowledge of Chinese district bulletins, in one place: offices and titles, person-name
shape, date phrases, figures with their units, ordinals, and the synonym groups of official
language (`data/synonyms.txt`).

Everything that recognises a kind of fact (a titled name, a date, a quantity) reads it from here,
so a new title or unit is added once and every stage (harvest, retrieval boosts, question
analysis, answer extraction) sees it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

H = "\u4e00-\u9fff"

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝乐鄂"
    # rarer ones, printed often enough in district papers
    "鄢冼蔺揭邰宓郜晏粟荆逯亓扈谌禹宫暴闻钮厉权綦寿蹇弓冀费卫景储晋"
    # more of the 百家姓, those that seldom start a word of their own (not 廉, 劳, 惠, 扶, 暨)
    "奚酆傅湛狄贝茅邴糜隗钭蓟胥莘逄郦雍璩濮郏阎茹宦庾匡阙殳夔厍晁阚乜蒯竺桓昝眭佴禤禚訾郗嵇荀羿汲芮粘笪缑"
    "仉闾郇麹"
)

# two-character surnames (公冶明远, 鲜于家航); not those that are common words too (东方, 西门, 百里)
DOUBLE_SURNAMES = frozenset(
    {"欧阳", "司马", "上官", "诸葛", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯"}
    | {"轩辕", "令狐", "钟离", "澹台", "公冶", "鲜于", "闻人", "申屠", "端木", "呼延", "万俟", "濮阳"}
    | {"公羊", "赫连", "独孤", "拓跋", "左丘", "司空", "仲孙", "宗政", "漆雕", "乐正", "壤驷", "公良"}
)
# a person's name as the patterns read it: two or three characters, four with a two-character surname
NAME = rf"[{H}]{{2,4}}"

# Offices, longest first so that 常务副区长 is read whole, never as 区长. An office and its deputy
# (区长 / 副区长 / 常务副区长) are different offices: `same_office` never equates them.
_OFFICES = (
    "区委常委",
    "区委书记",
    "区委副书记",
    "县委书记",
    "县委副书记",
    "市委书记",
    "市委副书记",
    "纪委书记",
    "纪委副书记",
    "监委主任",
    "党工委书记",
    "党工委副书记",
    "党委书记",
    "党委副书记",
    "党组书记",
    "党支部书记",
    "村支书",
    "第一书记",
    "副书记",
    "书记",
    "常务副区长",
    "常务副县长",
    "常务副市长",
    "副区长",
    "副县长",
    "副市长",
    "区长",
    "县长",
    "市长",
    "副镇长",
    "镇长",
    "副乡长",
    "乡长",
    "人大常委会主任",
    "人大常委会副主任",
    "人大主任",
    "政协主席",
    "政协副主席",
    "副主席",
    "主席",
    "办事处主任",
    "常务副主任",
    "副主任",
    "主任",
    "副局长",
    "局长",
    "副部长",
    "部长",
    "副组长",
    "组长",
    "副处长",
    "处长",
    "副科长",
    "科长",
    "副所长",
    "所长",
    "副院长",
    "执行院长",
    "院长",
    "副校长",
    "校长",
    "董事长",
    "总经理",
    "副总经理",
    "总工程师",
    "巡视员",
    "调研员",
    "常委",
    "委员",
    "秘书长",
    "副秘书长",
    "队长",
    "站长",
    "馆长",
    "社长",
    "总编辑",
    "网格员",
    "理事长",
    "副理事长",
    "会长",
    "副会长",
    "行长",
    "经理",
    "负责人",
    "党支部书记",
    "支部书记",
    "村委会主任",
    "居委会主任",
    "园长",
    "院长助理",
)
OFFICES = tuple(sorted(set(_OFFICES), key=lambda w: (-len(w), w)))
# what a person is called in a report without holding an office (教师邵语桐, 种粮大户彭满仓): the
# index learns the names that follow them
ROLES = (
    "教师",
    "老师",
    "医生",
    "护士",
    "村民",
    "居民",
    "志愿者",
    "党员",
    "民警",
    "辅警",
    "消防员",
    "退役军人",
    "种粮大户",
    "养殖户",
    "劳动模范",
    "劳模",
    "工匠",
    "技师",
    "企业家",
    "创业者",
    "选手",
    "学生",
    "代表",
    "委员",
    "负责人",
)
TITLE_ALT = "|".join(OFFICES)
OFFICE_WORD = re.compile(TITLE_ALT)  # the longest office at each place (常务副区长, not 区长)

# what follows a name printed after its title: a verb of the report or punctuation
AFTER_NAME = (
    "提出|指出|要求|强调|表示|带队|带领|主持|参加|出席|一行|对|在|到|等|和|与|作|汇报|陪同|率|宣布|传达|讲话|说|"
    "就|深入|实地|先后|调研|督导|督查|检查|听取|介绍|走访|看望|慰问|会见|莅临|为|向|来到|前往|同志|"
    "一边|正在|告诉|认为|坦言|感慨|笑着|希望|也|还|又|已|将|是|所作|所做|受|代表|作为|分别|亲自|现场|详细|"
    "今年|去年|近年|多年|常年|从|自|每|平时|回忆|说道|谈到|透露|算了|"
    "、|，|,|。|；|;|：|:|（|\\(|“|\\s|$"
)
TITLED_NAME = re.compile(rf"({TITLE_ALT})({NAME}?)(?={AFTER_NAME})")
_AFTER_NAME_AT = re.compile(rf"(?:{AFTER_NAME})")
NOT_NAMES = frozenset(
    {"全区", "我区", "各级", "相关", "有关", "全体", "一行", "下一步", "今后", "要求", "工作", "同志", "带队", "主持"}
    | {"单位", "项目", "成员", "任命", "方案", "和委员", "和市长", "农民工", "路长制", "和主任", "于会议"}
)
# a word ending so names an organisation, a place or a scheme, not a person (商务局, 贾鲁河, 柏林路)
NOT_NAME_ENDINGS = tuple("局委办会院所处科部组队站河路街村镇区县市省制工案")


@lru_cache(maxsize=65_536)  # asked ~400 times a question, mostly of the same words
def is_person_name(word: str) -> bool:
    double = 3 <= len(word) <= 4 and word[:2] in DOUBLE_SURNAMES  # 公冶明远, 鲜于家航
    return (
        (double or (2 <= len(word) <= 3 and word[0] in SURNAMES))
        and word not in NOT_NAMES
        and not word.endswith(NOT_NAME_ENDINGS)
        and not any(o in word for o in ("书记", "区长", "县长", "市长", "主任", "局长", "部长", "委员"))
        and bool(re.fullmatch(f"[{H}]+", word))
    )


@dataclass(frozen=True)
class TitledName:
    title: str
    name: str
    start: int  # offset of the title in the text
    end: int  # offset after the name

    @property
    def text(self) -> str:
        return self.title + self.name


def titled_names(text: str) -> list[TitledName]:
    """(title, name) pairs such as (区长, 苏建设); the name must look like a person's name."""
    out = []
    for m in TITLED_NAME.finditer(text):
        name, end = m.group(2), m.end()
        if (
            len(name) == 2
            and text[end : end + 1] in ("和", "与")
            and _AFTER_NAME_AT.match(text, end + 1)
            and not OFFICE_WORD.match(text, end + 1)
            and is_person_name(name + text[end])
        ):  # 区长邴永和主持: the name runs on (区长甲和副区长乙 is a list)
            name, end = name + text[end], end + 1
        if is_person_name(name):
            out.append(TitledName(m.group(1), name, m.start(), end))
    return out


# 任免 lists and reports: 覃雅雯为澄湾区教育局局长 (appointed), 免去卢振声的澄湾区商务局局长职务 (removed)
_POST = rf"[{H}]{{0,12}}?(?:{TITLE_ALT})"
_HEAD = r"(?:^|(?<=[：:，,；;。、\s]))"
APPOINTED = re.compile(rf"(?:{_HEAD}|(?<=任命))({NAME}?)(?:同志)?(?:担任|为|任)({_POST})(?=[；;，,。、\s]|职务|$)")
REMOVED = re.compile(rf"(?:{_HEAD}|(?<=免去))({NAME}?)(?:同志)?的({_POST})职务")


def appointed(text: str) -> list[TitledName]:
    """(post, name) of each appointment printed name first (覃雅雯为澄湾区教育局局长), each of the
    names of a list appointed to the same post (任命王喜峰、韩伟达为区人民政府副区长)."""
    out = []
    for m in APPOINTED.finditer(text):
        if not is_person_name(m.group(1)):
            continue
        at = m.start(1)
        names = [m.group(1)]
        while at > 0 and text[at - 1] == "、":  # the names listed before the one the pattern read
            end = at - 1
            found = next(
                (
                    end - n
                    for n in (3, 2, 4)
                    if end - n >= 0
                    and is_person_name(text[end - n : end])
                    and (end - n == 0 or text[end - n - 1] in "命：:，,；;、 ")
                ),
                -1,
            )
            if found < 0:
                break
            names.insert(0, text[found:end])
            at = found
        start = at
        for n in names:
            k = text.find(n, start)
            out.append(TitledName(m.group(2), n, k, k + len(n)))
            start = k + len(n)
    return out


def office_of(text: str, name: str, former: bool = False) -> str:
    """The title printed right before `name` (副区长王玉红 -> 副区长), or after it in brackets or
    apposition (王玉红（副区长）, 王玉红同志任副区长, 覃雅雯为澄湾区教育局局长), or "". With `former`
    (原来是什么职务), the post a 免去…职务 line takes from the person comes first."""
    if former:
        for r in REMOVED.finditer(text):
            if r.group(1) == name:
                return r.group(2)
    for t in titled_names(text):
        if t.name == name:
            return _with_org(text, t)
    for t in appointed(text):
        if t.name == name:
            return t.title
    # 王玉红（副区长） or 王玉红同志任副区长: the office in brackets or after 任/担任, never a 的 between
    m = re.search(
        rf"{re.escape(name)}(?:[（(]|同志(?:担任|任|为)|(?:担任|任))((?:(?!的)[{H}]){{0,12}}?(?:{TITLE_ALT}))", text
    )
    if m and not re.search(r"[，。；、]", m.group(1)):
        return m.group(1)
    return ""


def _with_org(text: str, t: TitledName) -> str:
    """The title with the organisation printed before it (区人大常委会 + 主任), when there is one."""
    m = re.search(
        rf"([{H}]{{1,10}}?(?:区|县|市|镇|街道|局|委|办|院|中心|公司|委员会|常委会))$",
        text[max(0, t.start - 12) : t.start],
    )
    if m and not re.search(r"[，。、；：]", m.group(1)):
        org = m.group(1)
        # drop a verb or other words that run into the organisation (带领区城管局 -> 区城管局)
        for cut in ("带领", "陪同", "参加", "出席", "主持", "和", "与", "及", "、"):
            if cut in org:
                org = org.rsplit(cut, 1)[1]
        if org:
            return org + t.title
    return t.title


def same_office(asked: str, printed: str) -> bool:
    """Whether the office `printed` before a name is the office `asked` about: 区长 is not 副区长
    or 常务副区长, 书记 is not 副书记; an organisation before the office may differ (区委书记 = 书记)."""
    a, p = office_suffix(asked), office_suffix(printed)
    if not a or not p:
        return False
    if a == p:
        return True
    longer, shorter = (a, p) if len(a) > len(p) else (p, a)
    return longer.endswith(shorter) and not any(
        d in longer[: len(longer) - len(shorter)] for d in ("副", "常务", "执行")
    )


def office_printed(office: str, text: str) -> bool:
    """Whether `text` prints the office itself, not its deputy (区长 is not printed by 副区长)."""
    return any(same_office(office, m.group(0)) for m in OFFICE_WORD.finditer(text))


def office_suffix(t: str) -> str:
    """The office a word ends with (区纪委书记 -> 纪委书记), or ""."""
    for o in OFFICES:
        if t.endswith(o):
            return o
    return ""


def offices_in(text: str) -> list[str]:
    """Offices named in a question (区长, 区委书记 ...), never the 常委 of 常委会 or the 委员 of 委员会."""
    return [m.group(0) for m in re.finditer(rf"(?:{TITLE_ALT})(?!会)", text)]


# ---- questions ----------------------------------------------------------------------------------

# words of how people ask, not of what they ask about: never required in the evidence
# words before a question's slot that say how, not what (计划做多少人次, 打算修多少条): never the
# predicate a figure must stand beside; the general verbs (做, 搞) neither
NOT_PREDICATES = frozenset(
    {"计划", "打算", "准备", "需要", "可以", "能够", "应该", "预计", "一共", "总共", "各是", "分别是", "分别"}
    | {"要花", "花了", "得花", "能花", "花钱"}  # 花多少钱 asks a sum of money (总投资), which the unit says
)
# a one-character verb the question puts just before its slot, and the words a bulletin prints for it
ONE_CHAR_FORMS: dict[str, tuple[str, ...]] = {
    "补": ("补贴", "补助", "奖补"),
    "建": ("建设", "新建", "建成", "修建"),
    "修": ("修建", "改造", "提升", "维修", "硬化", "新建"),
    "卖": ("销售", "售出", "成交", "卖出"),
    "买": ("购买", "采购", "购置"),
    "种": ("种植", "播种"),
    "养": ("养殖", "饲养"),
    "招": ("招聘", "招录", "招收", "招引"),
    "缴": ("缴纳", "缴费"),
    "培": ("培训", "培育"),
    "奖": ("奖励", "奖补"),
    "罚": ("罚款", "处罚"),
    "拆": ("拆除", "拆迁"),
    "装": ("安装", "加装"),
    "捐": ("捐赠", "捐款", "捐助"),
}
ONE_CHAR_PREDICATES = frozenset(ONE_CHAR_FORMS)
QUESTION_FILLER = frozenset(
    [
        "原来",  # 原来是多少: which of a changed figure is asked (ASKS_BEFORE), no word to find
        "原先",
        "这份",
        "报纸",
        "公报",
        "本期",
        "这期",
        "一期",
        "文章",
        "报道",
        "新闻",
        "内容",
        "提到",
        "写",
        "说",
        "中",
        "里",
        "相关",
        "具体",
        "要",
        "时",
        "主要",
        "名字",
        "叫",
        "现在",
        "目前",
        "当时",
        "一共",
        "总共",
        "那片",
        "那个",
        "这个",
        "这次",
        "那次",
        "这些",
        "那些",
        "人家",
        "大概",
        "大约",
        "一下",
        "知道",
        "请问",
        "想",
        "问",
        "能",
        "会",
        "可以",
        "到底",
        "究竟",
        "都",
        "是不是",
        "哪家",
        "地方",
        "已经",
        "开始",  # 什么时候开始施行: the event is 施行
        "会上",
        "得",
        "给",
        "让",
        "算",
        "属于",
        "开的",
        "办的",
        "搞的",
        "弄",
        "这里",
        "那里",
        "上面",
        "报上",
        "期间",
        "当天",
        "其中",
        "分别",
        "各自",
        "有关",
        "方面",
        "情况",
        "问题",
        # colloquial fillers of users' questions: they name nothing the answer must print
        "以后",
        "之后",
        "这回",
        "那回",
        "那位",
        "这位",
        "的话",
        "还要",
        "碰到",
        "有人",
        "各家",
        "上台",
        "出来",
        "两个",
        "一次",
        "最迟",
        "最晚",
        "之前",
        "路上",
        "下来",
        "再交",
    ]
)
# words after 谁 (or before 的是谁) that are not an act the question asks the doer of: 是/当/任 ask a
# role, and 评的是谁 / 表彰的是谁 ask who was chosen, not who chose
NOT_ACTIONS = frozenset(
    {"是区", "是县", "是市", "担任", "负责", "分管", "出任", "当选", "是谁", "是", "谁", "当", "任"}
    | {"评", "评上", "评为", "评选", "选", "选出", "选上", "表彰", "任命", "提名", "获评", "入选"}
)
# acts a leader is reported doing: in "11月3日带队督导检查安全生产的县领导是谁" the first of them is
# the act asked about
LEAD_VERBS = frozenset(
    {"带队", "率队", "带领", "主持", "陪同", "调研", "督导", "督查", "检查", "慰问", "看望", "走访", "讲话"}
    | {"宣布", "出席", "参加", "签署", "签约", "揭牌", "部署", "会见", "接见", "视察", "考察", "暗访", "夜查"}
)
# words between 谁 and the verb of a who-question that are not the verb (谁对整改提了要求: 对 整改)
ACTION_PREPOSITIONS = frozenset({"对", "给", "向", "为", "跟", "同", "与", "和", "在", "替", "帮", "代表", "作为"})
ACTION_FILLER = frozenset(
    {"了", "的", "过", "着", "又", "也", "都", "就", "还", "才", "最", "人", "事", "出来", "出面"}
)


# a district or county named in a question (北塘区, 柳河县)
DISTRICT_NAME = re.compile(
    rf"(?:^|(?<=[\s，,。？?、问在到]))((?![哪什几这那各全本我该每多高经开示园新城景老除])[{H}]"
    rf"(?![小社片园校景城郊山库矿港街辖营院了])[{H}](?:区|县))"  # 老小区, 除了区领导: no district
    rf"(?!委|长|政府|人大|政协|委员|领导|级|直|属|里|内)"
)


# 几点开门 asks a time of day; 几点要求 asks for a list
TIME_ASKED = re.compile(r"几点(?!要求|意见|建议|措施|做法|经验|体会|希望|内容|打算|思考|启示)")


def date_grain(question: str) -> str:
    if re.search(r"哪一?年|什么年份|几几年|何年", question):
        return "year"
    if re.search(r"哪个月|几月份|什么月份", question):
        return "month"
    if re.search(r"哪天|哪一天|几号|几日|几月几日|哪日|日期|什么日子", question):
        return "day"
    if TIME_ASKED.search(question):
        return "time"
    return ""


# ---- dates -----------------------------------------------------------------------------------------

CN_DIGITS = "〇零一二三四五六七八九十两百千万"
DATE_PHRASE = re.compile(
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}(?:日|号)(?:[上下中]午|夜间|夜|晚上|晚|凌晨|早上)?"
    r"|(?:\d{4}年|今年|明年)?\d{1,2}月(?:[上中下]旬|底|初|中旬|份|末)"
    r"|\d{4}年\d{1,2}月"
    r"|\d{4}年(?:底|初|年底|上半年|下半年)?"
    r"|(?:今年|明年|去年)\d{1,2}月(?:\d{1,2}[日号]|[上中下]旬|底|初|份|末)?"
    r"|(?:今年|明年|年底前|年内|月底前|本月底|春节前|国庆前)"
    r"|(?:[上下中]午|晚上|早上|凌晨)?\d{1,2}[:：]\d{2}"  # 14:30, for 几点
    r"|(?:[上下中]午|晚上|早上|凌晨)\d{1,2}(?:时|点)(?:\d{1,2}分|半)?"
)
RANGE_SEP = r"(?:至|到|—|－|~|～|-)"
# 12月1日至12月31日, 12月1日至31日, 2021年12月上旬至2022年1月中旬: one answer, never half of it
DATE_RANGE = re.compile(rf"(?:{DATE_PHRASE.pattern})\s*{RANGE_SEP}\s*(?:(?:{DATE_PHRASE.pattern})|\d{{1,2}}(?:日|号))")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年)")


# ---- figures and units ------------------------------------------------------------------------------

# unit classes: what a figure measures, so that 个 is never an investment and 人 never a sum of money
UNIT_CLASSES: dict[str, tuple[str, ...]] = {
    "money": ("亿元", "万元", "千元", "元", "亿美元", "万美元"),
    "people": ("人次", "余人", "多人", "人", "名", "位"),
    "households": ("户",),
    "orgs": ("家次", "家", "所"),
    "duration": ("个工作日", "个月", "天", "小时", "周", "年"),
    "area": ("平方公里", "平方米", "万平方米", "亩", "公顷"),
    "length": ("公里", "千米", "米"),
    "weight": ("万吨", "吨", "公斤", "千克"),
    "volume": ("万立方米", "立方米", "万方"),  # 方 alone is 一方, 双方 too often
    "percent": ("%", "％", "成"),
    "points": ("个百分点", "百分点"),  # a difference of two rates, never the rate (增速 is 7.8%)
    "age": ("周岁", "岁"),
    "items": (
        "个",
        "项",
        "件",
        "条",
        "处",
        "场",
        "次",
        "批",
        "座",
        "台",
        "辆",
        "棵",
        "株",
        "套",
        "张",
        "块",
        "部",
        "支",
        "艘",
        "票",
        "种",
        "架",
        "间",
        "只",
        "头",
        "本",
    ),
}
_ALL_UNITS = sorted({u for us in UNIT_CLASSES.values() for u in us}, key=lambda w: (-len(w), w))
NUM_CORE = rf"(?:\d+(?:[.,]\d+)*(?:万|亿|萬|億)?|[{CN_DIGITS}萬億]+)"
UNIT_ALT = "|".join(map(re.escape, _ALL_UNITS))
QUANTITY = re.compile(
    rf"(?:近|(?<![签合公节预制契和])约|超过|超|逾|共|达)?(?<![\d.])(?P<num>{NUM_CORE})(?P<mod>余|多)?(?P<unit>{UNIT_ALT})"
)
# 3元至5元, 3至5元, 20%-30%
QUANTITY_RANGE = re.compile(
    rf"(?<![\d.])(?P<lo>{NUM_CORE})(?:{UNIT_ALT})?{RANGE_SEP}(?P<num>{NUM_CORE})(?P<mod>余|多)?(?P<unit>{UNIT_ALT})"
)
ORDINAL = re.compile(rf"第(?P<num>[\d{CN_DIGITS}]+)(?P<unit>次|届|期|批|名|位|个|轮|季度|版|条|项|场|号)?")
SESSION = re.compile(rf"(?<![第\d{CN_DIGITS}])(?P<term>[{CN_DIGITS}]{{1,3}})届(?:(?P<sitting>[{CN_DIGITS}]{{1,3}})次)?")

# 由75%提高到80%: the figure after 由/从 is what it was before the change; the question asks for the new one
CHANGE_FROM_AFTER = re.compile(
    r"\s*(?:提高|增加|增长|降低|下降|减少|缩短|扩大|提升|上升|调整|延长|压缩|上调|下调)(?:到|至|为)"
)
CHANGE_FROM_LEAD = re.compile(r"[由从][^，,；;。\d]{0,6}$")  # 由 / 由每人每月 before the old value
ASKS_BEFORE = re.compile(r"原来|原先|此前|以前|调整前|提高前|变化前|原任")

# 哪个单位 / 哪家公司 / 哪所学校: an organisation of that kind must be printed (and is no answer when the
# question already names it); the asked noun and the endings that can answer it
ORG_ASKED = re.compile(
    r"(?:哪|什么)(?:个|家|所|一个|一家|一所|些|几个|几家)?[\u4e00-\u9fff]{0,3}?"
    r"(单位|部门|机构|机关|公司|企业|厂家|学校|大学|医院|银行|集团)"
)
_ORG_ENDINGS = {
    "unit": "局|委|办|部|院|厅|处|中心|站|所|队|会|委员会|办公室|办事处|街道|公司|集团|企业|医院|学校|大学|银行|厂|社",
    "company": "公司|集团|企业|厂|股份|银行|合作社|商会",
    "school": "学校|大学|中学|小学|学院|幼儿园|党校",
    "hospital": "医院|卫生院|卫生服务中心|卫生服务站|门诊部",
    "bank": "银行|信用社",
}
_ORG_KIND = {
    "单位": "unit",
    "部门": "unit",
    "机构": "unit",
    "机关": "unit",
    "公司": "company",
    "企业": "company",
    "厂家": "company",
    "集团": "company",
    "学校": "school",
    "大学": "school",
    "医院": "hospital",
    "银行": "bank",
}


def org_endings(question: str) -> re.Pattern[str] | None:
    """For a 哪个单位/哪家公司 question, the endings of a name that can answer it, else None."""
    m = ORG_ASKED.search(question)
    if not m:
        return None
    endings = sorted(_ORG_ENDINGS[_ORG_KIND[m.group(1)]].split("|"), key=lambda e: (-len(e), e))
    # 会 of 会议, 部 of 部署, 局 of 局长: a one-character ending must end the word
    alts = [e if len(e) > 1 else f"{e}(?![议署理有员位门长面势限务])" for e in endings]
    return re.compile("|".join(alts))


# a sentence that refers back to what the one before named (该项目总投资…)
ANAPHOR = re.compile(r"^(?:该|此|其|这一?|这个|这些|上述|项目|工程)")

# what a question's measure word asks for
_MEASURE_TO_CLASS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"百分点", ("points",)),
    (r"比例|百分之|增长|下降|比重|占比|率|增速|增幅|降幅", ("percent",)),
    (r"多远|距离|路程|多长的路|多宽|宽度|多高|高度|多深|深度", ("length",)),
    (r"多久|多长时间|多少时间|时长|用时|工期", ("duration",)),
    (
        r"投资|资金|金额|经费|收入|产值|销售额|营业额|税收|多少钱|钱|万元|亿元|奖金|补贴|补助|预算|营收|GDP|费用|支出|开支|花费",
        ("money",),
    ),
    (r"多少人|几人|人数|几名|多少名|几位|多少位|人次|参加|出席|参与|参会|到会|职工|干部|群众|学员|志愿者", ("people",)),
    (r"几户|多少户|户数|住户|家庭|农户", ("households",)),
    (r"几家|多少家|企业|公司|单位|商户|门店|机构|学校|医院", ("orgs", "items")),
    (r"多少天|几天|多久|多长时间|为期|工期|天数|几个月|几年", ("duration",)),
    (r"面积|平方|占地", ("area",)),  # 多大 is also 仓容 (吨), 规模 or age: no class
    (r"多长|长度|里程|公里", ("length",)),
    (r"多重|重量|吨", ("weight",)),
    (r"多少方|几方|土方|立方|方量", ("volume",)),
)


def is_measure(word: str) -> bool:
    """Whether a word names a measured quantity (收入, 产值, 签约率, 案件), which another word can
    narrow (餐饮收入), rather than an event or a verb (为期, 完工)."""
    return bool(
        re.search(r"[率额量值数]$|产$|面积|案件|收入|支出|投资|资金|经费|税收|工资|产量|亩产|人次", word)
    ) and not re.fullmatch(r"多少|少数|无数|次数", word)


PEOPLE_NOUNS = (
    "社工|老师|教师|医生|护士|干部|党员|学生|志愿者|人员|员工|工人|专家|代表|委员"
    "|村民|居民|孩子|老人|职工|农民工|毕业生|[\u4e00-\u9fff]{1,3}员"  # 保洁员, 网格员
)
# the words a sum of money stands beside (总投资3.9亿元 answers 盖起来花了多少钱)
MONEY_MEASURES = ("投资", "资金", "费用", "造价", "经费", "投入", "花费", "金额")


def asked_classes(question: str) -> tuple[str, ...]:
    """The unit classes a quantity question can be answered with; () when any figure may do. The
    measure is read next to 多少/几 (…能报销多少 is no count of the 医院 named earlier)."""
    out: list[str] = []
    slot = re.search(r"多少", question) or re.search(r"几", question)  # 几个项目总投资是多少 asks 多少
    # before the slot a few characters; after it, the counted noun phrase to its end (多少失业保险稳岗
    # 返还资金 asks for money, whatever 企业 stands before it)
    after = re.sub(r"[，,。？?；;].*", "", question[slot.end() : slot.end() + 16]) if slot else ""
    near = question[max(0, slot.start() - 8) : slot.end()] + after if slot else question
    for pat, classes in _MEASURE_TO_CLASS:
        if re.search(pat, near):
            out.extend(c for c in classes if c not in out)
    if re.search(rf"(?:多少|几)个?(?:人|名)|(?:多少|几)(?:个|位)(?:{PEOPLE_NOUNS})", question):
        return ("people",)  # 几个社工, 多少个志愿者: people, counted in 名 or 人
    if out and out[0] in ("money", "percent", "points", "length", "duration"):
        return (out[0],)  # 几个项目总投资是多少: the sum asked for, not the number of projects
    unit = _slot_unit(question)
    if unit:  # 几家 / 多少项 / 多少亩: the unit written in the question decides
        cls = unit_class(unit)
        if cls and cls != "items":
            return (cls,)
        if cls and cls not in out:
            out.insert(0, cls)
    return tuple(out)


def _slot_unit(question: str) -> str:
    """The unit written right after the question's 多少/几, unless it starts a longer word (多少年轻人
    asks for people), or ""."""
    slot = re.search(r"多少", question) or re.search(r"几", question)
    m = re.match(rf"(?:多少|几)({UNIT_ALT})(?!轻|级|纪|龄|代|度)", question[slot.start() :]) if slot else None
    return m.group(1) if m else ""


def asked_unit(question: str) -> str:
    """The counting word a question writes after 多少/几 when it names the thing counted (多少艘,
    几台): only that word answers it (8万条 counts sandbags, not boats). "" for 个 and other
    classes, which any unit of the class may answer."""
    unit = _slot_unit(question)
    return unit if unit_class(unit) == "items" and unit not in ("个", "项", "次", "件", "批") else ""


def unit_class(unit: str) -> str:
    for cls, units in UNIT_CLASSES.items():
        if unit in units:
            return cls
    return ""


def cn_to_int(s: str) -> int | None:
    """Chinese or Arabic numeral -> int (第四十一 -> 41, 6 -> 6); None when it is not a number."""
    if s.isdigit():
        return int(s)
    vals = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    units = {"十": 10, "百": 100, "千": 1000, "万": 10000}
    total = section = num = 0
    seen = False
    for ch in s:
        if ch in vals:
            num = vals[ch]
            seen = True
        elif ch in units:
            u = units[ch]
            if u == 10000:
                section = (section + num) * u
                total += section
                section = 0
            else:
                section += (num or 1) * u
            num = 0
            seen = True
        else:
            return None
    return total + section + num if seen else None


@dataclass(frozen=True)
class Ordinal:
    value: int
    unit: str  # 次, 届, 期 ... or ""
    text: str


def ordinals(text: str) -> list[Ordinal]:
    out = []
    taken: list[tuple[int, int]] = []
    for m in ORDINAL.finditer(text):
        v = cn_to_int(m.group("num"))
        if v is not None:
            out.append(Ordinal(v, m.group("unit") or "", m.group(0)))
            taken.append(m.span())
    # a session written without 第: 区政协十届十四次常委会议, 县十七届人大 (届 is always an ordinal; 次 only
    # after a 届, since 召开三次会议 counts)
    for m in SESSION.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        for key, unit in (("term", "届"), ("sitting", "次")):
            v = cn_to_int(m.group(key)) if m.group(key) else None
            if v is not None:
                out.append(Ordinal(v, unit, m.group(key) + unit))
    return out


# ---- what a question asks for, and the forms that answer it ---------------------------------------

DATE_IN_Q = re.compile(r"(?:(\d{4})年)?(?<![\d—－\-~～至到])(\d{1,2})月(?:份)?(?:(\d{1,2})[日号])?(?![\d—－\-~～至到])")


def date_printed(month: int, day: int, text: str, issue_date: str = "") -> bool:
    """Whether a text prints the day (or, without a day, the month) a question names: 10月12日 for
    10月12号; 12日 alone in an issue of that month; 1月 for 1月份, but not 11月 or 1—2月."""
    if day:
        if re.search(rf"(?<![\d—－\-~～]){month}月{day}[日号]", text):
            return True
        if issue_date.endswith(f"{month:02d}-{day:02d}"):
            return True
        in_month = issue_date[-5:].startswith(f"{month:02d}-")
        return bool(in_month and re.search(rf"(?<![\d月—－\-~～]){day}[日号]", text))
    return bool(re.search(rf"(?<![\d—－\-~～至到]){month}月(?![—－\-~～至到]\d)", text))


def other_date(month: int, day: int, text: str) -> bool:
    """Whether a text is dated another day than the one asked (10月13日 when 10月12日 is asked)."""
    if not day or date_printed(month, day, text):
        return False
    return bool(re.search(r"(?<![\d—－\-~～])\d{1,2}月\d{1,2}[日号](?!\s*[至到—－\-~～])", text))


ISSUE_IN_Q = re.compile(r"第\s*(\d+)\s*期")
WH_SLOT = re.compile(
    r"什么时候|啥时候|啥时|几时|什么时间|何时|哪一?天|几月几日|几号|哪一?年|多少|(?<!哪)几[个天名人次项家户座处]?"
)
GENERIC = frozenset({"工作", "情况", "问题", "活动", "方面", "相关", "有关"})
PLURAL = re.compile(r"哪些|哪几|哪几位|有谁|都有谁|分别是谁")
# a sentence that lists several things (哪些/哪几 questions want one): items with 、, or 一是…, ①…, （一）…
ENUMERATED = re.compile(r"[\u4e00-\u9fff”》）)]、[\u4e00-\u9fff“《]|一是|首先|其一|[①②③]|（[一二三]）|\([1-3]\)")
# Parallel kinds a figure is printed for, side by side (城镇居民…31260元，农村居民…17840元): a figure
# whose clause names another kind of the set than the one asked, and not the one asked, is not the
# answer. Each set lists its kinds, each kind with its written forms.
CONTRASTS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("城镇", "城市", "城区"), ("农村", "乡村"), ("城乡",), ("全体居民", "全区居民", "全县居民", "全市居民")),
    (("早稻",), ("中稻", "一季稻"), ("晚稻",)),
    (("第一产业", "一产"), ("第二产业", "二产"), ("第三产业", "三产")),
    (("规上", "规模以上"), ("规下", "规模以下")),
    (("进口",), ("出口",)),
    (("收入",), ("支出",)),
    (("同比", "比去年同期", "比上年同期"), ("环比", "比上月", "较上月"), ("比年初", "较年初")),
    (("男性", "男子"), ("女性", "女子")),
    (("公办",), ("民办",)),
    (("小学",), ("初中",), ("高中",)),
    (("水稻", "稻谷"), ("玉米",), ("大豆",), ("小麦",), ("油菜",), ("薯类", "马铃薯", "红薯", "甘薯"), ("花生",)),
    (("城镇新增就业",), ("农村劳动力转移",)),
    (("国家级", "全国", "国家"), ("省级", "全省"), ("市级", "全市")),
    (("民事",), ("刑事",), ("行政案件", "行政诉讼")),
    (("农林牧渔业",), ("农业产值", "种植业"), ("林业",), ("牧业", "畜牧业"), ("渔业", "水产")),
    (
        ("已完成", "已经", "已", "现在", "目前", "如今", "至今", "已建成"),
        ("计划", "预计", "力争", "目标", "拟", "争取", "打算"),
    ),
)
# a figure for several things at once (汽车零部件、智能装备、新材料三大主导产业合计完成产值…): not the
# figure of any one of them
AGGREGATE = re.compile(
    r"合计|共计|总计|累计|[两三四五六七八九十]大|[两三四五六七八九十]个(?:产业|行业|项目|领域)"
    r"|等(?:[\u4e00-\u9fff]{0,6})(?:人群|群体|产业|行业|领域|项目)"
)
# a count with an example in place of the list (澄湾经济开发区管委会等20个单位): no answer to 是哪些
ONLY_COUNTED = re.compile(r"等\s*[\d一二三四五六七八九十两百]+\s*(?:个|家|户|名|所|项|人|位|处|支|座|村|条)")
# a part the question leaves out (新建了几所幼儿园（不算改扩建的）): a figure whose clause counts it
# in (新建改扩建5所) is not the one asked
EXCLUDED_ASKED = re.compile(r"(?:不算|不含|不包括|除去|除了)([\u4e00-\u9fff]{2,6}?)(?:的|在内|以外|之外|）|\)|$)")
# a change asked (比去年多安排了多少, 增长了多少): a level (全年支出68.37亿元) does not answer it; the
# figure's clause must print the change
CHANGE_ASKED = re.compile(
    r"比[^，。？?]{0,10}?(?:多|少|增加|减少|增长|提高|下降|降低|高出|低)[^，。？?]{0,4}?(?:多少|几)"
    r"|(?:增加|增长|提高|下降|减少|降低|上升|多|少)了(?:多少|几)|增幅|降幅|涨幅|增长率"
)
CHANGE_PRINTED = re.compile(
    r"增长|增加|新增|净增|提高|提升|下降|减少|降低|回落|上升|扩大|缩小|增幅|降幅|增速|涨幅|同比|环比"
    r"|多出|多了|少了|[比较][^，。；;]{0,10}?(?:多|少|高|低)"
)
AGGREGATE_ASKED = re.compile(r"合计|共计|总计|一共|总共|加起来|累计|[两三四五六七八九十]大")
# the acts of speaking: 哪位领导出来讲的 is answered by 副主任邝云舒表示…
SPEECH_ACTS = ("讲话", "表示", "指出", "强调", "介绍", "发言", "致辞", "说", "讲", "谈到", "提出")
# a person's act that a question may ask the content of (X提了哪些要求, X致辞讲了什么): the answer must
# print that person doing it (speaking, or one of these), not only attending
_DIRECTING_ACTS = ("要求", "部署", "批示", "认为", "希望", "宣布", "汇报", "作了", "作出")
PERSON_ACTS = re.compile(
    r"要求|讲话|致辞|讲了|说了|指出|强调|提出|部署|表示|发言|介绍|批示|怎么说|说的|讲的|说什么|谈了|怎么评价|怎么看"
)
PERSON_ACT_PRINTED = re.compile("|".join((*SPEECH_ACTS, *_DIRECTING_ACTS)))


def contrast_clash(question: str, text: str) -> bool:
    """True when the question asks one kind of a parallel set (农村) and `text` (the figure's
    clause) names another (城镇, 全区居民) but not the one asked."""
    for kinds in CONTRASTS:
        asked = [k for k in kinds if any(f in question for f in k)]
        if len(asked) != 1:
            continue
        others = [f for k in kinds if k is not asked[0] for f in k]
        # 渔业 inside 农林牧渔业 is not 渔业 printed: blank out the other kinds' longer forms first
        bare = text
        for f in sorted(others, key=len, reverse=True):
            if any(a in f for a in asked[0]):
                bare = bare.replace(f, "|")
        if any(f in bare for f in asked[0]):
            continue
        if any(f in text for f in others):
            return True
    return False


def contrast_clash_at(question: str, own: str, before: str) -> bool:
    """`contrast_clash` for a figure's own clause, or (when its clause names no kind of a set) the
    clause before it too (城镇居民人均可支配收入31260元，增长4.9%: the 4.9% is the 城镇 one)."""
    for kinds in CONTRASTS:
        if not any(f in question for k in kinds for f in k):
            continue
        names_kind = any(f in own for k in kinds for f in k)
        if contrast_clash(question, own if names_kind else before + own):
            return True
    return False


# how the name of a unit a person works for ends (区工信局, 梧岗街道, 沧衡新能公司): printed before a title
UNIT_ENDINGS = (*"局委办会院所处科部组队站镇乡村", "街道", "社区", "中心", "公司", "集团", "政府", "法院", "检察院")
# a question that asks a rank (第几, 排名): an ordinal answers it, not a count
RANK_ASKED = re.compile(r"第几|排第|名次|排名|位列|第多少")
# a question that asks the role of a person it names (X担任什么职务, X是做什么的)
ROLE_ASKED = re.compile(r"什么职务|什么职位|担任什么|做什么的|干什么的|什么身份")
# a question that gives the number of the things it asks to list (15户家庭是哪几家)
COUNTED_LIST_ASKED = re.compile(
    r"(\d+|[三四五六七八九十]+)\s*(?:个|家|户|名|所|项|位|处|条|件|类|座|支|批|种)[\u4e00-\u9fff]{0,8}(?:是|都是|有|分别是)?(?:哪些|哪几)"
)
# a year a sentence is about (2025年度, 2024年), not the year of a full date (2025年9月15日)
YEAR_PRINTED = re.compile(r"(?:19|20)\d\d年(?!\d{1,2}月)")
# a question that asks why: only a sentence giving a reason answers it
WHY_ASKED = re.compile(r"为什么|为何|什么原因|啥原因|原因是什么|怎么回事")
REASON_PRINTED = re.compile(r"因为|由于|原因|为了|受[^，。]{1,12}影响|因[^此而]|鉴于|主要是|得益于|所致|导致")
# a question that asks someone's former post: only a sentence printing it (原任, 曾任, 免去X的…) answers
FORMER_ASKED = re.compile(r"(?:之前|此前|原来|以前|过去|原先)(?:是|在|做|干|担任|任)")
FORMER_PRINTED = r"原任|原|曾任|曾担任|此前任|此前担任|之前任"
# what the person who led an event is said to do when no one is said to preside (对…提出要求,
# 作出部署): the one a 谁主持 question may be answered with, hedged
# the acts of leading an event, which a leader's 提出要求 may stand for when nobody is said to do them
# (谁主持: "公报中没有写明谁主持；写的是：…"); 谁参加 is never answered so
LEAD_ACTIONS = frozenset({"主持", "带队", "带领", "牵头", "负责", "组织", "召集", "部署", "领导"})
LEAD_ACT = re.compile(
    r"提出(?:了)?(?:明确|具体|殷切)?要求|作出(?:了)?(?:具体|全面)?部署|作(?:了)?动员讲话|提出(?:了)?意见"
)
# an attachment a question names by number (附件3): printed as 附件3, or as item 3. of an 附件： list
ATTACHMENT_ASKED = re.compile(r"(附件|附表)\s*(\d{1,2})")


def attachment_printed(kind: str, number: str, text: str) -> bool:
    return bool(
        re.search(rf"{kind}\s*{number}(?!\d)", text)
        or re.search(rf"{kind}[：:][^。]{{0,200}}?(?<!\d){number}\s*[.．、]", text)
    )


# a figure asked of each of several things (城里人和农村人各是多少): the sentence that gives them all
EACH_ASKED = re.compile(r"各(?:是|为|有|自|占|达|多少)|分别(?:是|为|有|多少|达到)")

# per head (人均, 户均) asked: a total (社会消费品零售总额48.6亿元) does not answer it
PER_HEAD_ASKED = re.compile(r"人均|户均|平均每(?:人|户|个)|每人|每户")
PER_HEAD_PRINTED = re.compile(r"人均|户均|平均|每人|每户|每名|每位|每个|/人|/户")
# people asked (多少名求职者, 几个人): a count of visits (2100余人次) is no number of people
PEOPLE_NOT_VISITS = re.compile(r"(?:多少|几)(?:个人|名|位|人)(?!次)")
# an organisation asked for its part (哪个单位承办): its name must stand beside that act (主办 is not 承办)
ORG_ACTS = re.compile(
    r"主办|承办|协办|施工|承建|建设|牵头|组织|运营|设计|监理|出资|捐赠|指导|验收|审批|审核|核查|拨付|支付|资助|维护"
)
# the unit an office belongs to (县卫生健康局局长): another unit's 局长 does not answer
OFFICE_OF_UNIT = re.compile(
    rf"((?:(?![的是了在和与及这那新])[{H}]){{2,10}}?(?:局|委|办|中心|院|所|站|队))(?=副?(?:局长|主任|院长|所长|站长|队长))"
)
# a contact asked (举报电话是多少): only a sentence that prints one answers it
CONTACT_ASKED = re.compile(
    r"(?:电话|热线|号码|网址|网站|邮箱|信箱|微信号)[^，。？?]{0,3}(?:多少|什么|哪个|几)"
    r"|(?:什么|哪个|哪些)(?:电话|热线|号码|网址|网站|邮箱)|联系方式|联系电话"
)
CONTACT_PRINTED = re.compile(
    r"\d{3,4}[-－—\s]?\d{7,8}|(?<!\d)\d{4}\s?\d{4}(?!\d)|(?<!\d)1\d{4}(?!\d)|https?://|www\.|[\w.]+@[\w.]+"
)

# a date asked of something done (是什么时候交付使用的, 哪天竣工的): a date the text only plans or
# expects (计划2025年6月底竣工交付, 年内投用) is no answer
DONE_WHEN_ASKED = re.compile(
    r"(?:什么时候|哪天|哪一天|何时|几月几[日号]|哪年|哪一年|啥时候)[^，。？?]{0,12}的[？?]?$|已经"
)
PLAN_ASKED = re.compile(
    r"计划|打算|预计|准备|要在|将在|目标|(?:时候|时|哪天|哪年|多久)才?能|会在|要到"
)  # 什么时候能建好: the date expected
PLAN_PRINTED = re.compile(r"计划|预计|力争|将于|将在|拟于|拟在|目标|争取|有望|确保|年内|明年|下一步|届时")
# a threshold or a numbered kind the question names (70周岁以上, 4层及以上, 三价, 二期, 三星级): the
# evidence must print the same one; a text that prints another of its kind (80周岁以上, 23价) is
# about that one
_CN_NUM = "一二三四五六七八九十两百"
THRESHOLD = re.compile(rf"([\d{_CN_NUM}]+)(周岁|岁|层|平方米|公里)(?:及)?(?:以上|以下|以内|以外)")
NUMBERED_KIND = re.compile(rf"(?<![\d{_CN_NUM}第])([\d{_CN_NUM}]+)(价|期|星级|A级)(?![间限货末中刊])")


def _same_number(a: str, b: str) -> bool:
    va = cn_to_int(a)
    return va is not None and va == cn_to_int(b)


def _differs(number: str, found: Sequence[str]) -> bool:
    """Whether numbers were printed and none is the one asked."""
    return bool(found) and not any(_same_number(number, f) for f in found)


def qualifier_numbers(question: str) -> list[tuple[str, str]]:
    """(number, unit) of each threshold and numbered kind a question names (70周岁以上 -> (70, 岁))."""
    out = [(m.group(1), "岁" if m.group(2) == "周岁" else m.group(2)) for m in THRESHOLD.finditer(question)]
    return out + [(m.group(1), m.group(2)) for m in NUMBERED_KIND.finditer(question)]


def _numbers_of(unit: str, text: str, ordinals: bool = True) -> list[str]:
    """The numbers a text prints with the unit (80周岁, 四价); `ordinals=False` leaves out 第二期."""
    units = "周岁|岁" if unit == "岁" else re.escape(unit)
    before = rf"\d{_CN_NUM}" if ordinals else rf"\d{_CN_NUM}第"
    return [m.group(1) for m in re.finditer(rf"(?<![{before}])([\d{_CN_NUM}]+)(?:{units})", text)]


def number_printed(number: str, unit: str, text: str) -> bool:
    return any(_same_number(number, f) for f in _numbers_of(unit, text))


def other_number(number: str, unit: str, text: str) -> bool:
    """Whether a text prints a threshold or numbered kind of that unit, but not the one asked."""
    return _differs(number, _numbers_of(unit, text, ordinals=False))


# the part of the day a question names (7月3日上午): a sentence on the afternoon does not answer it
PART_OF_DAY = re.compile(r"上午|下午|中午|晚上|夜间|凌晨|早上")
# a count the question gives about the thing asked (已经完工的19个老旧小区): the evidence must print it
GIVEN_COUNT = re.compile(
    rf"(?<![\d.第])(\d+|[{CN_DIGITS}]{{1,3}})(个|家|所|项|户|名|座|栋|条|批|支|件)([\u4e00-\u9fff]{{2,4}})"
)


def given_counts(question: str) -> list[tuple[str, str, str]]:
    """(number, unit, the noun after) of each count a question gives (19, 个, 老旧小区)."""
    return [(m.group(1), m.group(2), m.group(3)) for m in GIVEN_COUNT.finditer(question) if m.group(1) not in "一两"]


def other_count(number: str, unit: str, noun: str, text: str) -> bool:
    """Whether a text gives another count of the same thing (23个小区 when 19个老旧小区 is asked)."""
    pattern = rf"(\d+|[{CN_DIGITS}]{{1,3}}){unit}([\u4e00-\u9fff]{{2}})"
    return _differs(number, [m.group(1) for m in re.finditer(pattern, text) if m.group(2) in noun])


# a question that asks to confirm (是X主持的吗, 是不是X讲的话): the sentence must show X doing the act,
# or the premise is not confirmed and the answer abstains
YES_NO_ASKED = re.compile(r"(?:吗|吧|么|嘛)\s*[？?]?\s*$|是不是|是否|对不对")
PREMISE_ACTS = re.compile(
    r"主持|讲话|致辞|带队|出席|参加|签约|签署|揭牌|宣布|调研|检查|督导|视察|考察|部署|批示|作报告|发言|当选|任命|免去"
)
# 哪位区领导: whoever holds a district office; the words ask who, they are not looked for
LEADERS = frozenset({"区领导", "县领导", "市领导", "镇领导", "区级领导", "县级领导", "领导", "区委领导"})
# the period a figure is for: 上半年 is not 前三季度 (each with its written forms, from synonyms.txt)
PERIODS = ("一季度", "二季度", "三季度", "四季度", "上半年", "下半年", "前三季度", "全年")
PERIOD_WORD = re.compile(
    r"季度|半年|全年|今年|去年|明年|年底|年初|月底|月初|期间|以来|近日|日前|近期|近来|月内|年内|本周|下周"
)
# a national honour or level asked about must be printed as such (省劳动模范 is no 全国劳动模范)
NATIONAL = re.compile(r"全国|国家级")
NATIONAL_PRINTED = re.compile(r"全国|国家")
# "新任的…局长": only an appointment answers it
NEWLY_APPOINTED = re.compile(r"新任|新上任|刚上任|新任命|刚任命|接任")
# the side of an agreement asked about (企业那边是谁签的字): what the answer's clause must print
SIDE_ASKED = re.compile(
    r"(企业|公司|厂家|学校|大学|高校|校方|医院|院方|银行|政府|区里|县里)(?:方|那边|一方|那方|这边)"
    r"|(?:代表|作为)(企业|公司|厂家|学校|医院|银行|政府)"
)
SIDE_MARKS = {
    "企业": r"公司|集团|企业(?!家)|董事长|总经理|厂长|负责人",
    "公司": r"公司|集团|企业|董事长|总经理|负责人",
    "厂家": r"公司|集团|企业|厂|董事长|总经理",
    "学校": r"大学|学院|学校|校长",
    "大学": r"大学|学院|校长",
    "高校": r"大学|学院|校长",
    "校方": r"大学|学院|学校|校长",
    "医院": r"医院|院长",
    "院方": r"医院|院长",
    "银行": r"银行|行长",
    "政府": r"区长|县长|镇长|区政府|县政府|区委|县委",
    "区里": r"区长|区政府|区委",
    "县里": r"县长|县政府|县委",
}
# a question asking for a name (叫什么, 什么书, 定为什么年, 什么称号): its answer is a quoted or
# book-titled term (“城市更新攻坚年”, 《兴衰之鉴》), never a sentence that merely mentions the topic
NAME_ASKED = re.compile(
    r"叫什么|叫啥|名字|名称|什么(?:书|电影|影片|片子|剧|节目|称号|荣誉|奖项?|主题|口号|品牌|商标|年|文件|条例|办法|工程|行动|模式)"
)
QUOTED_TERM = re.compile(r"“[^“”]{2,24}”|《[^《》]{2,30}》|「[^「」]{2,24}」|\"[^\"]{2,24}\"")
# the grain a 何时 question asks for, and the date forms that have it
DATE_GRAIN_FORMS = {
    "time": re.compile(r"\d{1,2}[:：]\d{2}|\d{1,2}(?:时|点)"),
    "day": re.compile(r"\d{1,2}(?:日|号)|[上中下]旬|月底|月初"),
    "month": re.compile(r"\d{1,2}月"),
    "year": re.compile(r"\d{4}年"),
}


END_ASKED = re.compile(r"[到至]哪|截至|截止|持续到|到什么时候|结束|为止|到期")
END_MARK = re.compile(r"[至到止]|截至|截止")
# a place a 哪里 question is answered with: after 在/到/赴 …, before the event held there
# a named road, village, estate or park in a question (滨河路, 河湾村, 东关小区): the evidence must print
# it. Two characters before the suffix, none of them a function or generic word (那片旧小区, 各社区)
_NOT_PLACE_CHARS = (
    "哪什这那各全该每本老旧新某片个的些几多少和与及在到去了是有"  # function and generic words
    "为作对向从由被给将把让使就也都还又并而或以其此等街想报看找问请叫"  # more function words; 街 ends a place
    "城农乡镇区县市省条座处所家名位户里公修建化驻"  # places of a kind, measure words, verbs
)
_PLACE_CHAR = rf"(?:(?![{_NOT_PLACE_CHARS}])[{H}])"
_GENERIC_PLACES = "断头路|示范街|步行街|商业街|美食街|特色街|主干路|支路|背街|小巷|示范村|中心村|行政村|自然村|安置小区"
NAMED_PLACE = re.compile(
    rf"(?!(?:{_GENERIC_PLACES}))({_PLACE_CHAR}{{2}}(?:大道|大街|路|街(?![道区小巷坊])|巷|村(?![民委庄级办里])|小区|社区|家属院|水库|公园|广场))"
)

# a named township, street or village (渚口镇, 红旗乡, 沣西街道, 青山村, 槐荫社区): a figure or an event
# printed for another one of its kind is not the one asked about
PLACE_KINDS = {"township": "镇|乡(?![镇村亲长土])|街道(?!办)", "village": "村(?![民委庄级办里])|社区(?![医卫服办])"}
PLACE_OF_KIND = {k: re.compile(rf"(?<!街)({_PLACE_CHAR}{{2,3}}?(?:{v}))") for k, v in PLACE_KINDS.items()}
# a kind of place, not its name (评上先进社区, 示范村, 向他反映小区…)
GENERIC_PLACE_STEM = re.compile(
    r"(?:先进|示范|文明|和谐|美丽|星级|达标|重点|试点|特色|所在|全国|省级|市级|区级|县级|老旧|城中|反映|了解|改造|建设)"
    r"(?:镇|乡|街道|村|社区|小区)$"
)


PLACE_KIND_ASKED = re.compile(r"哪个(村|社区|小区|乡|镇|街道)")


def places_of_kind(text: str, kind: str) -> list[str]:
    """The townships or villages a text names (渚口镇, 槐荫社区), without kinds of place (先进社区)."""
    return [p for p in PLACE_OF_KIND[kind].findall(text) if not GENERIC_PLACE_STEM.search(p)]


def other_place(asked: Sequence[str], text: str) -> bool:
    """Whether a text names a township or village of the kind asked, but not the one asked."""
    for kind, pattern in PLACE_OF_KIND.items():
        mine = [a for a in asked if pattern.fullmatch(a)]
        if mine and not any(a in text for a in mine) and places_of_kind(text, kind):
            return True
    return False


# a named institution or works in a question (区中医医院, 第二实验小学新校区, 澄湾港区二期码头): the
# evidence must print it. The name runs back from its ending to a function word or verb; a leading
# district is dropped. Projects (…项目/…工程) are left to the index's dictionary: their names run into
# verbs and kinds (调研重点项目) too often to be read from the question alone
_THING_ENDINGS = "医院|学校|小学|中学|校区|院区|公园|码头|大桥|产业园|博物馆|图书馆|体育馆"
_THING_CHAR = rf"(?:(?![的是在把那这哪个该了和与及让给由从对向去看到往调研要求几多少所家座名位条户里公建])[{H}])"
NAMED_THING = re.compile(rf"{_THING_CHAR}{{2,10}}?(?:{_THING_ENDINGS})")


# a unit inside a named institution (人民医院卒中中心, 实验小学科创工作室): printed or not, it is what the
# question is about, whatever else of the institution the passage prints
SUB_UNIT = re.compile(rf"(?:{_THING_ENDINGS})([{H}]{{2,6}}?(?:中心|门诊|病区|工作室|实验室|服务站))")


def named_things(question: str) -> list[str]:
    """Named institutions and works a question asks about, without a leading district
    (澄湾区中医医院 -> 中医医院), and the units inside them it names (卒中中心)."""
    out = []
    for m in NAMED_THING.finditer(question):
        name = re.sub(rf"^(?:[{H}]{{2}}(?:区|县|市))?[区县市]?", "", m.group(0))
        if len(re.sub(rf"(?:{_THING_ENDINGS})$", "", name)) >= 2:
            out.append(name)
    out += [m.group(1) for m in SUB_UNIT.finditer(question) if m.group(1) not in out]
    return out


PLACE = re.compile(
    rf"(?<![关由对位])(?:在|于|到|来到|赴|前往|走进|深入)(?P<place>[{H}\w（）()·]{{2,20}}?)"
    rf"(?=召开|举行|举办|开展|进行|调研|检查|督导|视察|考察|察看|查看|走访|开幕|闭幕|参加|出席|、)"
)


# ---- synonyms of official language ----------------------------------------------------------------


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Groups of words that stand for each other in a question (`data/synonyms.txt`)."""
    try:
        text = resources.files("rag").joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    return parse_synonym_lines(text)


def parse_synonym_lines(text: str) -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        words = tuple(dict.fromkeys(w for w in line.split() if len(w) >= 2))
        if len(words) >= 2:
            groups.append(words)
    return tuple(groups)


@cache
def synonym_map() -> dict[str, tuple[str, ...]]:
    """word -> the other words of its group(s)."""
    out: dict[str, list[str]] = {}
    for g in synonym_groups():
        for w in g:
            out.setdefault(w, []).extend(x for x in g if x != w and x not in out.get(w, []))
    return {k: tuple(v) for k, v in out.items()}


@cache
def synonym_words() -> tuple[str, ...]:
    """Every word of a synonym group, longest first (a question is searched for each as printed)."""
    return tuple(sorted(synonym_map(), key=len, reverse=True))


def predicate_forms(word: str) -> tuple[str, ...]:
    """The forms a question's predicate is printed in: its synonyms, and for a one-character verb
    (补, 卖) the words the bulletins use for it."""
    return (word, *synonyms_of(word), *ONE_CHAR_FORMS.get(word, ()))


def synonyms_of(word: str) -> tuple[str, ...]:
    return synonym_map().get(word, ())
