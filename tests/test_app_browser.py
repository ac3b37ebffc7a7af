"""End to end in headless Chromium: ask, read the cited passages, open a citation, upload a new
bulletin, ask about it and get an answer citing it.

Needs Debian's `chromium` at /usr/bin/chromium (scripts/setup.sh --test installs it) and the
Playwright Python package; skipped when the browser is absent. With APP_SCREENSHOTS=DIR set it
also saves the README's screenshots (chat.png, citation.png, library.png) into DIR.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_helpers import NEW_BULLETIN, NEW_BULLETIN_NAME, NEW_BULLETIN_QUESTION, RunningApp, running_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
UPDATE_TIMEOUT_MS = 300_000  # embedding on a slow CI machine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("app-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def page(app: RunningApp) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
            pg.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(app.url)
            pg.locator("#conversation .empty-chat").wait_for()
            yield pg
            assert not errors, errors
        finally:
            browser.close()


def _shot(pg: Any, name: str) -> None:
    folder = os.environ.get("APP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.wait_for_timeout(600)  # let scrolling and transitions settle
        pg.screenshot(path=str(Path(folder) / name))


def _ask(pg: Any, question: str) -> Any:
    """Ask in the chat and return the locator of the new turn once its answer is in."""
    n = pg.locator("#conversation .turn").count()
    pg.locator("#question textarea").fill(question)
    pg.locator("#ask-btn").click()
    turn = pg.locator("#conversation .turn").nth(n)
    turn.locator(".answer:not(.pending)").wait_for()
    return turn


def _uploaded(pg: Any, name: str) -> None:
    """Wait until the file widget lists the chosen file (Gradio has then received it)."""
    pg.locator(f'#upload-files td.filename[aria-label="{name}"]').wait_for()


def test_ask_open_citation_upload_and_ask_again(page: Any, app: RunningApp, tmp_path: Path) -> None:
    pg = page
    # 1. ask: a short answer with numbered citations, then the retrieved passages
    turn = _ask(pg, "谁主持了安委会会议")
    assert turn.locator(".q .bubble").inner_text() == "谁主持了安委会会议"
    passages = turn.locator("li.passage")
    assert passages.count() >= 3
    texts = passages.all_inner_texts()
    assert any("安委会" in t or "安全生产委员会" in t for t in texts[:3])
    assert turn.locator("li.passage mark.term").count() > 0  # matched terms highlighted
    assert "得分" in texts[0] and "引用编号" in texts[0]
    _shot(pg, "chat.png")

    # 2. open the first citation: the whole article, the passage highlighted, its metadata
    first = passages.first
    cid = first.locator("code.cid").inner_text()
    citation = first.locator("a.cite").inner_text()
    first.locator("a.cite").click()
    view = pg.locator("#cite-view .cite-view")
    view.locator("mark.cited").first.wait_for()
    assert pg.locator("#cite-id textarea, #cite-id input").first.input_value() == cid
    assert citation in view.inner_text()
    assert "记者/通讯员" in view.inner_text() and "查看整期公报" in view.inner_text()
    marked = "".join(view.locator("mark.cited").all_inner_texts())
    assert marked and marked[:10] in first.locator(".p-text").inner_text()
    _shot(pg, "citation.png")

    # ... and the link back to the bulletin opens it in the browse tab
    source = first.locator(".p-meta").inner_text().rsplit("·", 1)[-1].strip()
    view.locator("a.blink").click()
    pg.locator("#browse-view .bulletin-view").wait_for()
    assert source in pg.locator("#browse-view").inner_text()

    # 3. upload a new bulletin in the library tab; the index is updated with a progress bar
    pg.get_by_role("tab", name="公报库").click()
    new = tmp_path / NEW_BULLETIN_NAME
    new.write_text(NEW_BULLETIN, encoding="utf-8")
    pg.locator("#upload-files input[type=file]").set_input_files(str(new))
    _uploaded(pg, NEW_BULLETIN_NAME)
    pg.locator("#upload-btn").click()
    pg.locator("#library-status .status").wait_for(timeout=UPDATE_TIMEOUT_MS)
    status = pg.locator("#library-status .status")
    assert "ok" in (status.get_attribute("class") or ""), status.inner_text()
    assert NEW_BULLETIN_NAME in status.inner_text()
    pg.locator("#library-table").get_by_text(NEW_BULLETIN_NAME).first.wait_for()
    assert (app.corpus / NEW_BULLETIN_NAME).exists()
    _shot(pg, "library.png")

    # 4. ask about it: the answer cites the new bulletin
    pg.get_by_role("tab", name="问答").click()
    turn = _ask(pg, NEW_BULLETIN_QUESTION)
    assert not turn.locator(".answer.abstained").count(), turn.inner_text()
    ref = turn.locator(".short a.ref").first
    assert "颐康通" in (ref.get_attribute("title") or "")
    assert NEW_BULLETIN_NAME in turn.locator("li.passage").first.locator(".p-meta").inner_text()
    ref.click()
    pg.locator("#cite-view mark.cited").first.wait_for()
    assert "孙晓梅" in pg.locator("#cite-view").inner_text()


def test_upload_of_a_wrong_type_is_refused_in_the_page(page: Any, app: RunningApp, tmp_path: Path) -> None:
    pg = page
    pg.get_by_role("tab", name="公报库").click()
    bad = tmp_path / "bulletin.docx"
    bad.write_bytes(b"PK\x03\x04 not really a word file")
    pg.locator("#upload-files input[type=file]").set_input_files(str(bad))
    _uploaded(pg, "bulletin.docx")
    pg.locator("#upload-btn").click()
    status = pg.locator("#library-status .status.error")
    status.wait_for()
    assert "bulletin.docx" in status.inner_text() and ".txt" in status.inner_text()
    assert not (app.corpus / "bulletin.docx").exists()


def test_update_and_remove_with_confirmation(page: Any, app: RunningApp) -> None:
    pg = page
    name = "remove_me_test.txt"
    text = (
        "上街区开展冬季消防安全大检查\n\n本报讯 12月6日，区消防救援大队大队长岳明川带队对峡窝镇12家"
        "小微企业开展冬季消防安全检查，现场督促整改隐患9处。\n\n(记者 何润东)\n"
    )
    (app.corpus / name).write_text(text, encoding="utf-8")
    pg.get_by_role("tab", name="公报库").click()
    pg.locator("#update-btn").click()  # a file put into the folder by hand is indexed by 更新索引
    pg.locator("#library-table").get_by_text(name).first.wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert "新增" in pg.locator("#library-status").inner_text()

    pg.locator("#remove-select input").click()
    pg.get_by_role("option", name=name).click()
    answers = iter([False, True])  # first "cancel", then "OK"
    pg.on("dialog", lambda d: d.accept() if next(answers) else d.dismiss())
    pg.locator("#remove-btn").click()
    pg.wait_for_timeout(1500)
    assert (app.corpus / name).exists()  # cancelled: nothing removed
    pg.locator("#remove-btn").click()
    pg.locator("#library-status .status.ok").filter(has_text="已删除").wait_for(timeout=UPDATE_TIMEOUT_MS)
    assert not (app.corpus / name).exists()
    assert name not in pg.locator("#library-table").inner_text()


def test_deep_link_opens_a_citation(page: Any, app: RunningApp) -> None:
    pg = page
    pg.get_by_role("tab", name="问答").click()
    cid = _ask(pg, "谁主持了安委会会议").locator("li.passage code.cid").first.inner_text()
    pg.goto(f"{app.url}?cite={cid}")
    pg.locator("#cite-view mark.cited").first.wait_for()
    assert cid in pg.locator("#cite-view").inner_text()
