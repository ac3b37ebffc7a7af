"""The chat's tools in headless Chromium, at desktop (1360×1000) and phone (390×844) sizes: 复制 puts
the answer with its citations on the clipboard, the conversation downloads as Markdown and .docx,
the question history survives a reload and asks again with one click, 👍 / 答案有误 write a line to
the feedback file, and 相关报道 opens another article.

Needs Debian's `chromium` at /usr/bin/chromium and Playwright (as tests/test_app_browser.py).
With APP_SCREENSHOTS=DIR set it also saves the README's screenshots of these parts into DIR.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_helpers import CHROMIUM, RunningApp, launched_chromium, running_app

TIMEOUT_MS = 60_000
SIZES = {"desktop": (1360, 1000), "phone": (390, 844)}
QUESTION = "谁主持了安委会会议"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("app-tools")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    with launched_chromium() as b:
        yield b


@pytest.fixture(params=sorted(SIZES))
def page(request: pytest.FixtureRequest, browser: Any, app: RunningApp) -> Iterator[Any]:
    """A fresh browser profile (own localStorage) at one size, the app loaded."""
    w, h = SIZES[request.param]
    ctx = browser.new_context(
        viewport={"width": w, "height": h},
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
        accept_downloads=True,
    )
    pg = ctx.new_page()
    pg.size_name = request.param
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(app.url)
    pg.locator("#conversation .empty-chat").wait_for()
    pg.locator("#history .history").wait_for()
    try:
        yield pg
        assert not errors, errors
    finally:
        ctx.close()


def _shot(pg: Any, name: str, locator: Any = None) -> None:
    folder = os.environ.get("APP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.wait_for_timeout(600)
        target = locator if locator is not None else pg
        target.screenshot(path=str(Path(folder) / name))


def _ask(pg: Any, question: str) -> Any:
    n = pg.locator("#conversation .turn").count()
    pg.locator("#question textarea").fill(question)
    pg.locator("#ask-btn").click()
    turn = pg.locator("#conversation .turn").nth(n)
    turn.locator(".answer:not(.pending)").wait_for()
    return turn


def _feedback_lines(app: RunningApp, n: int, timeout: float = 30) -> list[dict[str, Any]]:
    path = app.index / "feedback.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not path.exists() and n == 0:
            return []
        if path.exists():
            lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
            if len(lines) >= n:
                return lines
        time.sleep(0.2)
    raise AssertionError(f"fewer than {n} feedback lines in {path}")


def test_copy_puts_the_answer_and_its_citations_on_the_clipboard(page: Any) -> None:
    pg = page
    turn = _ask(pg, QUESTION)
    button = turn.locator(".turn-tools button.copy")
    payload = button.get_attribute("data-copy") or ""
    assert payload.startswith(f"问：{QUESTION}\n答：")
    assert "\n依据：\n「" in payload and "\n出处：\n[1] " in payload
    first_citation = payload.split("\n出处：\n", 1)[1].splitlines()[0]
    assert "《" in first_citation and "》" in first_citation and first_citation.endswith("段")
    button.click()
    pg.wait_for_function(
        "() => document.querySelector('#conversation .turn-tools button.copy').textContent === '已复制'"
    )
    assert pg.evaluate("() => navigator.clipboard.readText()") == payload
    if pg.size_name == "desktop":
        _shot(pg, "answer-tools.png")
    else:
        pg.evaluate("() => window.scrollBy(0, 300)")  # the related reports above the tools in sight
        _shot(pg, "answer-tools-phone.png")


def test_conversation_exports_as_markdown_and_docx(page: Any, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    pg = page
    assert pg.locator("#export-md").is_disabled()  # nothing to export yet
    _ask(pg, QUESTION)
    _ask(pg, "重点项目综合排名第几")
    pg.wait_for_function("() => !document.querySelector('#export-docx').disabled")
    # the export files are rebuilt by a step that follows each answer: on a busy machine the first
    # download may still be the one-question file, so download again until it holds both
    md_path = tmp_path / "conversation.md"
    deadline = time.monotonic() + 60
    while True:
        with pg.expect_download() as md_dl:
            pg.locator("#export-md").click()
        md_dl.value.save_as(md_path)
        md = md_path.read_text(encoding="utf-8")
        if "## 2. " in md or time.monotonic() > deadline:
            break
        pg.wait_for_timeout(1000)
    assert md_dl.value.suggested_filename.endswith(".md")
    assert md.startswith("# 公报问答 对话记录")
    assert f"## 1. {QUESTION}" in md and "## 2. 重点项目综合排名第几" in md
    assert "**出处：**\n\n1. " in md
    with pg.expect_download() as docx_dl:
        pg.locator("#export-docx").click()
    assert docx_dl.value.suggested_filename.endswith(".docx")
    docx_path = tmp_path / "conversation.docx"
    docx_dl.value.save_as(docx_path)
    doc = docx.Document(str(docx_path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"1. {QUESTION}", "2. 重点项目综合排名第几"]
    assert any(p.style.name == "List Number" and "段" in p.text for p in doc.paragraphs)


def test_history_survives_a_reload_and_asks_again(page: Any, app: RunningApp) -> None:
    pg = page
    _ask(pg, QUESTION)
    entry = pg.locator("#history button.h-ask").first
    entry.wait_for()
    assert entry.inner_text() == QUESTION
    pg.reload()
    pg.locator("#conversation .empty-chat").wait_for()  # the chat itself starts afresh
    entry = pg.locator("#history button.h-ask").first
    entry.wait_for()
    assert entry.inner_text() == QUESTION
    assert pg.locator("#history button.h-ask").count() == 1
    _shot(pg, f"history-{pg.size_name}.png", pg.locator("#history-panel"))
    entry.click()  # asked again with one click
    turn = pg.locator("#conversation .turn").first
    turn.locator(".answer:not(.pending)").wait_for()
    assert turn.locator(".q .bubble").inner_text() == QUESTION
    assert pg.locator("#history button.h-ask").count() == 1  # the same question is not listed twice
    pg.once("dialog", lambda d: d.dismiss())  # "no": the history stays
    pg.locator("#history-clear").click()
    pg.wait_for_timeout(800)
    assert pg.locator("#history button.h-ask").count() == 1
    pg.once("dialog", lambda d: d.accept())
    pg.locator("#history-clear").click()
    pg.locator("#history .h-empty").wait_for()
    pg.reload()
    pg.locator("#history .h-empty").wait_for()
    assert pg.locator("#history button.h-ask").count() == 0


def test_feedback_writes_a_line(page: Any, app: RunningApp) -> None:
    pg = page
    before = len(_feedback_lines(app, 0))
    good = _ask(pg, QUESTION)
    good.locator(".turn-tools button.good").click()
    good.locator(".fb-done").filter(has_text="有用").wait_for()
    line = _feedback_lines(app, before + 1)[-1]
    assert line["verdict"] == "good" and line["question"] == QUESTION and line["note"] == ""
    assert {"id", "question", "sources", "evidence", "answer", "kind", "verdict", "note", "time"} <= set(line)
    assert line["evidence"] and line["sources"]

    bad = _ask(pg, "重点项目综合排名第几")
    bad.locator(".turn-tools button.wrong").click()
    note = bad.locator(".turn-tools input.fb-note")
    note.fill("应该是市内六区第二")
    if pg.size_name == "desktop":
        _shot(pg, "feedback.png", bad)
    bad.locator(".turn-tools button.send").click()
    bad.locator(".fb-done").filter(has_text="答案有误").wait_for()
    line = _feedback_lines(app, before + 2)[-1]
    assert line["verdict"] == "wrong" and line["note"] == "应该是市内六区第二"
    assert line["question"] == "重点项目综合排名第几"

    # the marks stay when the conversation is drawn again (a new question)
    _ask(pg, "贾鲁河综合治理工程进展如何")
    assert pg.locator("#conversation .turn").nth(0).locator(".fb-done").count() == 1
    assert pg.locator("#conversation .turn").nth(1).locator(".fb-done").count() == 1


def test_related_reports_open_another_article(page: Any) -> None:
    pg = page
    turn = _ask(pg, QUESTION)
    turn.locator("li.passage a.cite").first.click()
    view = pg.locator("#cite-view")
    view.locator(".cite-view mark.cited").first.wait_for()
    own_title = view.locator(".cite-view h2").inner_text()
    related = view.locator(".cite-related li.rel")
    related.first.wait_for()
    assert related.count() >= 1
    first = related.first
    title = first.locator("a.rel-title").inner_text()
    assert title and title != own_title
    if pg.size_name == "desktop":
        _shot(pg, "related.png", view.locator(".cite-related"))
    first.locator("a.rel-title").click()
    pg.wait_for_function(
        "(t) => { const h = document.querySelector('#cite-view .cite-view h2'); return h && h.textContent === t; }",
        arg=title,
    )


IN_VIEW_JS = """(sel) => {
  const m = document.querySelector(sel);
  if (!m) return false;
  const r = m.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
}"""


def test_citation_marks_the_quoted_sentence_and_scrolls_to_it(page: Any, app: RunningApp) -> None:
    pg = page
    turn = _ask(pg, QUESTION)
    ref = turn.locator(".short a.ref").first
    sentence = ref.get_attribute("data-quote") or ""
    cid = ref.get_attribute("data-cite") or ""
    assert sentence and cid
    assert f"「{sentence}」" in turn.locator(".evidence").inner_text()  # the sentence the answer quotes
    ref.click()
    view = pg.locator("#cite-view")
    quoted = view.locator(".cite-view p.in-passage mark.cited mark.quoted")
    quoted.wait_for()
    assert view.locator("mark.quoted").count() == 1
    assert quoted.inner_text() == sentence
    pg.wait_for_function(IN_VIEW_JS, arg="#cite-view mark.quoted")  # scrolled into sight
    box = quoted.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= pg.evaluate("window.innerHeight")
    if pg.size_name == "desktop":
        _shot(pg, "citation-sentence.png")
    # a deep link carries the sentence too (URL-encoded); a plain ?cite=ID marks only the passage
    href = ref.get_attribute("href") or ""
    assert href.startswith(f"?cite={cid}&quote=")
    pg.goto(app.url + href)
    pg.locator("#cite-view .cite-view mark.quoted").wait_for()
    assert pg.locator("#cite-view mark.quoted").inner_text() == sentence
    pg.wait_for_function(IN_VIEW_JS, arg="#cite-view mark.quoted")
    pg.goto(f"{app.url}?cite={cid}")
    pg.locator("#cite-view .cite-view mark.cited").first.wait_for()
    assert pg.locator("#cite-view mark.quoted").count() == 0
