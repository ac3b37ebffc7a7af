"""The Gradio app: chat with cited answers, citation lookup, bulletin browsing and the library.

`build_app(qa)` wires the views to a `rag.service.QA`; `serve(settings)` builds the index when it
is missing and starts the server. Retrieval, answering and indexing all happen in `rag/`; this
module only renders (ui/render.py), shows the library (`rag.library` keeps it) and shapes API results
(ui/api.py).

Named API endpoints (for `gradio_client`): /ask, /lookup, /related, /bulletins, /upload, /update, /remove.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from rag import library
from rag.config import Settings
from rag.errors import RagError
from rag.index import read_manifest
from rag.manifest import Manifest
from rag.service import QA
from rag.stores.base import SnapshotInfo
from rag.update import UpdateReport

from . import catalog, messages, related_view, render, tools
from . import history as hist
from .api import (
    ALL_DISTRICTS,
    answer_dict,
    citation_dict,
    filters_note,
    make_filters,
    report_dict,
    report_lines,
)
from .feedback import FeedbackLog, feedback_path
from .gradio_zh import chinese_i18n
from .guard import Guard, allowed_hosts, is_loopback
from .style import APP_CSS, NAV_JS, theme
from .tools import TOOLS_CSS
from .upload_guard import GUARD_CLASS, upload_guard_js

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "谁主持了安委会会议",
    "谁带队夜查大气污染防治工作",
    "贾鲁河综合治理工程进展如何",
    "老家印象项目专题会议讨论了什么",
    "上街区怎样开展燃气安全排查整治",
    "重点项目综合排名第几",
]
MAX_TURNS = 50
QUESTION_MAX_CHARS = 300  # the question box's limit (a question, not a pasted article)
CONFIRMED = "yes"  # what the confirmation dialogs of 删除 and 重建 send on OK (see CONFIRM_JS)
N_REFRESH = 8  # outputs of refresh()
STAGES = {"parse": "读取公报", "embed": "计算段落向量", "index": "写入新索引"}


def discard_uploads(paths: Sequence[Path]) -> None:
    """Delete Gradio's temporary copies of uploaded files once they are handled (saved to the
    library or refused): Gradio keeps every upload in its upload folder otherwise. Only files
    inside that folder are touched."""
    root = Path(get_upload_folder()).resolve()
    for p in paths:
        try:
            real = p.resolve()
            if root not in real.parents:
                continue
            real.unlink(missing_ok=True)
            if real.parent != root:
                real.parent.rmdir()  # Gradio's per-upload folder, when empty
        except OSError:
            continue


class Library(library.Library):
    """The library as the app shows it: `rag.library.Library` (uploads, removals, the index kept
    in step, reasons in Chinese) plus the pages of the library and browse tabs."""

    def __init__(self, qa: QA) -> None:
        super().__init__(qa, explain=messages.reason_zh)

    def upload(
        self, uploads: Sequence[tuple[str, Path]], progress: Callable[[str, int, int], None] | None = None
    ) -> tuple[library.UploadResult, UpdateReport | None]:
        """Save the acceptable files, then update the index if any was saved; Gradio's copies are
        deleted before the update."""
        try:
            result = self.save(uploads)
        finally:
            discard_uploads([p for _, p in uploads])
        report = self.sync(progress=progress) if result.saved else None
        return result, report

    def leads(self) -> dict[str, tuple[str, str]]:
        """source -> (lead headline, span of article dates) of every bulletin, for search."""
        try:
            return self.qa.bulletin_leads()
        except (RagError, OSError, sqlite3.Error) as err:  # the lists still show, without headlines
            log.warning("cannot read the bulletins' lead titles: %s", err)
            return {}

    def details(self, sources: Sequence[str]) -> dict[str, catalog.Details]:
        """Lead headline and printed dates of a page of bulletins (read from their articles)."""
        out: dict[str, catalog.Details] = {}
        try:
            store = self.qa.reader.store
            for source in sources:
                b = store.bulletin(source)
                if b is not None:
                    out[source] = catalog.details_of(b)
        except (RagError, OSError, sqlite3.Error) as err:
            log.warning("cannot read the bulletins' articles: %s", err)
        return out

    def browse_page(self, query: str = "", number: int = 1) -> tuple[catalog.Page, dict[str, catalog.Details]]:
        query = query or ""  # a search box of a tab never opened sends None
        rows = self.rows()
        page = catalog.paginate(catalog.search(rows, query, self.leads()), number, len(rows))
        return page, self.details([r["source"] for r in page.items])

    def library_page(self, query: str = "", number: int = 1) -> tuple[str, list[str], int]:
        """One page of the library table (HTML), the files on it (the removal's choices) and the
        page number."""
        query = query or ""
        rows = self.rows()
        pending = [{"source": s, "not_indexed": why} for s, why in self.pending()]
        items: list[dict[str, Any]] = [*pending, *rows]  # files not indexed first: they need attention
        found = catalog.search(items, query, self.leads())
        page = catalog.paginate(found, number, len(items))
        undated = [r["source"] for r in page.items if "not_indexed" not in r and not catalog.dated(r)]
        html = catalog.render_library_page(
            page,
            self.details(undated),
            len(rows),
            sum(int(r.get("n_articles") or 0) for r in rows),
            sum(int(r.get("n_passages") or 0) for r in rows),
            len(pending),
            query,
        )
        return html, [r["source"] for r in page.items], page.number


def _choices(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]]]:
    """District choices and (bulletin label, file) choices from the library rows."""
    districts = sorted({r["district"] for r in rows if r.get("district")})
    bulletins = []
    for r in rows:
        who = r.get("publisher") or r.get("district") or ""
        when = " ".join(x for x in (r.get("issue_no") or "", r.get("issue_date") or "") if x)
        bulletins.append((f"{r['source']} — {who} {when}".strip(), r["source"]))
    return [ALL_DISTRICTS, *districts], bulletins


def _index_summary(qa: QA) -> str:
    """The header's status line: what the version answering questions holds, and a warning when it
    is not the newest one (the newest failed to load)."""
    try:
        m: SnapshotInfo | Manifest = qa.snapshot_info()
    except RagError:
        try:
            m = read_manifest(qa.settings.index_dir)
        except RagError:
            return "尚无索引"
    when = m.created_at.replace("T", " ")
    line = f"已索引 {m.n_bulletins} 份公报 · {m.n_articles} 篇文章 · {m.n_passages} 个段落 · 更新于 {when}"
    return f"{line} · ⚠ {qa.degraded}" if qa.degraded else line


def _header(qa: QA) -> str:
    return (
        '<div class="app-header"><div class="title">公报问答</div>'
        '<div class="subtitle">向区级党报、融媒体公报提问：回答只摘录原文，每句都有出处</div>'
        f'<div class="index-info">{render.esc(_index_summary(qa))}</div></div>'
    )


def _progress_cb(progress: gr.Progress) -> Callable[[str, int, int], None]:
    def cb(stage: str, done: int, total: int) -> None:
        label = STAGES.get(stage, stage)
        progress((done, total) if total else None, desc=f"{label}（{done}/{total}）", unit="项")

    return cb


def build_app(qa: QA) -> gr.Blocks:
    """The app's Blocks; launch it with `launch_options(settings)` for the theme and styles."""
    lib = Library(qa)
    settings = qa.settings
    # hash the library's files now, not in the first visitor's page load (the library table
    # compares each file with the index; at 4,600 bulletins that is a few seconds of reading)
    threading.Thread(target=lib.pending, name="library-hashes", daemon=True).start()

    # ---- handlers ------------------------------------------------------------------------------

    def chat(question: str, turns: list[dict[str, Any]], district: str, date_from: str, date_to: str, top_k: float):
        """Outputs: the conversation, the turns, the question box and the hint under it. A question
        that cannot be asked (empty, too long, a bad date) is not sent: the hint says why and the
        box keeps its text; after an answer the box is emptied."""
        q = (question or "").strip()
        if not q:
            yield gr.skip(), gr.skip(), gr.skip(), messages.render_hint(messages.QUESTION_EMPTY)
            return
        if len(q) > QUESTION_MAX_CHARS:
            msg = messages.QUESTION_TOO_LONG.format(n=len(q), limit=QUESTION_MAX_CHARS)
            yield gr.skip(), gr.skip(), gr.skip(), messages.render_hint(msg)
            return
        try:
            f = make_filters(district, date_from, date_to)
        except RagError as err:
            yield gr.skip(), gr.skip(), gr.skip(), messages.render_hint(messages.user_message(err))
            return
        yield render.render_conversation(turns, pending=q), turns, "", ""
        note = filters_note(f)
        try:
            # earlier turns let the library resolve follow-ups such as "他还参加了哪些活动?"
            history = [(t["question"], t["answer"]) for t in turns if t.get("answer")]
            ans = qa.ask(q, f, k=int(top_k or settings.top_k), history=history)
            html, text = render.render_answer(ans), ans.text
            resolved = ans.extra.get("resolved_question", "")
            if resolved and resolved != q:
                note = " · ".join(x for x in (f"按“{resolved}”检索", note) if x)
            dated_range = len(f.date_from) == 10 or len(f.date_to) == 10
            yearless = catalog.yearless_note(f.date_from, f.date_to, ans.hits, lib.rows()) if dated_range else ""
            note = " · ".join(x for x in (note, yearless) if x)
        except RagError as err:
            log.info("question refused: %s", err)
            msg = messages.user_message(err)
            yield render.render_conversation(turns), turns, q, messages.render_hint(msg)  # the box keeps the text
            return
        turn = {"question": q, "html": html, "answer": text, "filters": note}
        turns = [*turns, tools.with_tools(turn, qa, ans, q, district, date_from, date_to)][-MAX_TURNS:]
        yield render.render_conversation(turns), turns, gr.skip(), ""

    def clear_chat():
        return render.render_conversation([]), [], "", ""

    def open_citation(citation_id: str, sentence: str = "") -> tuple[Any, str]:
        """The citation view; sentence: the one an answer quoted from the passage, to mark in it."""
        cid = (citation_id or "").strip().strip("[]")
        if not cid:
            return render.render_cite_placeholder(), cid
        try:
            view = qa.show(cid)
            html = render.render_citation(view, sentence or "")
            return html + related_view.citation_related(qa, view.passage), cid
        except RagError as err:
            log.info("citation %r not shown: %s", cid, err)
            return render.render_cite_placeholder(messages.user_message(err, citation_id=cid)), cid

    def open_bulletin(source: str | None, query: str = "", number: int = 1) -> str:
        if not source:
            page, details = lib.browse_page(query, number)
            return catalog.render_cards(page, details, query)
        try:
            found = qa.bulletin_view(source)
            if found is None:
                return render.render_cite_placeholder(messages.BULLETIN_NOT_FOUND.format(source=messages.short(source)))
            b, passages = found
            note = ""
            if not (b.issue_no or b.issue_date):  # the four 二七区 issues: tell them apart here too
                d = catalog.details_of(b)
                note = " · ".join(x for x in (catalog.when({"source": b.source}, d), d.lead and f"头条：{d.lead}") if x)
            return render.render_bulletin(b, passages, note)
        except RagError as err:
            log.info("bulletin %r not shown: %s", source, err)
            return render.render_cite_placeholder(messages.user_message(err))

    def browse_outputs(query: str = "", number: int = 1, selected: str = "") -> tuple[Any, str, int]:
        """One page of the bulletin cards, the dropdown's choices for it (and the bulletin shown,
        when one is), and the page number."""
        page, details = lib.browse_page(query, number)
        choices = [(catalog.label(r, details.get(r["source"])), r["source"]) for r in page.items]
        if selected and selected not in {c[1] for c in choices}:
            row = next((r for r in lib.rows() if r["source"] == selected), None)
            if row is None:
                return gr.Dropdown(choices=choices, value=None), open_bulletin(selected), page.number
            choices.insert(0, (catalog.label(row, lib.details([selected]).get(selected)), selected))
        view = open_bulletin(selected) if selected else catalog.render_cards(page, details, query)
        return gr.Dropdown(choices=choices, value=selected or None), view, page.number

    def library_outputs(query: str = "", number: int = 1) -> tuple[str, Any, int]:
        html, sources, page = lib.library_page(query, number)
        return html, gr.Dropdown(choices=sources, value=None), page

    def navigate(evt: gr.EventData):
        """Clicks on citation and bulletin links inside the HTML views (see NAV_JS)."""
        data = evt._data if isinstance(evt._data, dict) else {}
        if data.get("cite"):
            view, cid = open_citation(str(data["cite"]), str(data.get("quote") or ""))
            return gr.Tabs(selected="cite"), cid, view, gr.skip(), gr.skip()
        if data.get("bulletin"):
            bsel, bview, _ = browse_outputs(selected=str(data["bulletin"]))
            return gr.Tabs(selected="browse"), gr.skip(), gr.skip(), bsel, bview
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()

    def refresh(library_query: str = "", browse_query: str = ""):
        """Header, the lists' first pages (for the searches typed) and the choices that go with them."""
        rows = lib.rows()
        districts, _ = _choices(rows)
        lib_html, remove_choices, lib_page = library_outputs(library_query, 1)
        bsel, bview, b_page = browse_outputs(browse_query, 1)
        return (
            _header(qa),
            lib_html,
            gr.Dropdown(choices=districts),
            bsel,
            bview,
            remove_choices,
            lib_page,
            b_page,
        )

    def on_load(request: gr.Request):
        """Fresh library facts for this page, and deep links: ?cite=ID (&quote=SENTENCE) or ?bulletin=FILE."""
        params = dict(request.query_params) if request is not None else {}
        header_html, lib_html, districts, bsel, bview, sources, lib_page, b_page = refresh()
        tab: Any = gr.skip()
        cite_id: Any = gr.skip()
        cite_view: Any = gr.skip()
        if params.get("cite"):
            cite_view, cite_id = open_citation(params["cite"], params.get("quote") or "")
            tab = gr.Tabs(selected="cite")
        elif params.get("bulletin"):
            bsel, bview, b_page = browse_outputs(selected=params["bulletin"])
            tab = gr.Tabs(selected="browse")
        return header_html, lib_html, districts, bsel, bview, sources, lib_page, b_page, tab, cite_id, cite_view

    def finish(status: str, library_query: str = "", browse_query: str = ""):
        return (status, *refresh(library_query, browse_query))

    def do_upload(
        files: list[str] | None,
        library_query: str = "",
        browse_query: str = "",
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ):
        paths = [Path(f) for f in (files or [])]
        if not paths:
            msg = render.render_status("warn", "请先选择要上传的 .txt 公报文件", [library.FORMATS_NOTE])
            return (msg, None, *refresh(library_query, browse_query))
        try:
            result, report = lib.upload([(p.name, p) for p in paths], _progress_cb(progress))
        except RagError as err:
            log.warning("upload: the index update failed: %s", err)
            msg = render.render_status(
                "error", "上传后更新索引失败，问答仍使用原来的索引", [messages.user_message(err)]
            )
            return (msg, None, *refresh(library_query, browse_query))
        # one line a file: taken and indexed, or not taken and why (decided at upload, duplicates too)
        skipped = {s: messages.reason_zh(why) for s, why in report.failed} if report is not None else {}
        lines = [f"已收录并索引：{s}" for s in result.saved if s not in skipped]
        lines += [f"已保存但未能索引：{s}：{skipped[s]}" for s in result.saved if s in skipped]
        lines += [f"未收录：{n}：{why}" for n, why in result.refused]
        if report is not None:
            said = {f"{k}：{s}" for s in result.saved for k in ("新增", "跳过")}  # already said above
            lines += [x for x in report_lines(report) if not any(x.startswith(y) for y in said)]
        ok = [s for s in result.saved if s not in skipped]
        kind = "ok" if ok and len(ok) == len(paths) else ("warn" if ok else "error")
        title = {
            "ok": f"已上传 {len(ok)} 个文件，索引已更新",
            "warn": f"已上传 {len(ok)} 个文件，{len(paths) - len(ok)} 个未收录",
            "error": "没有文件被收录" if len(paths) > 1 else "文件没有被收录",
        }[kind]
        return (render.render_status(kind, title, lines), None, *refresh(library_query, browse_query))

    def do_sync(rebuild: bool, library_query: str, browse_query: str, progress: gr.Progress):
        try:
            report = lib.sync(rebuild=rebuild, progress=_progress_cb(progress))
        except RagError as err:
            log.warning("index update failed: %s", err)
            msg = render.render_status("error", "索引更新失败，问答仍使用原来的索引", [messages.user_message(err)])
            return finish(msg, library_query, browse_query)
        title = "索引已重建" if rebuild else "索引已更新"
        msg = render.render_status("warn" if report.failed else "ok", title, report_lines(report))
        return finish(msg, library_query, browse_query)

    def do_update(library_query: str = "", browse_query: str = "", progress: gr.Progress = gr.Progress()):  # noqa: B008
        return do_sync(False, library_query, browse_query, progress)

    def do_rebuild(
        confirmed: str = "",
        library_query: str = "",
        browse_query: str = "",
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ):
        if confirmed != CONFIRMED:  # the user said no in the confirmation dialog
            return (render.render_status("note", messages.REBUILD_CANCELLED), *(gr.skip(),) * N_REFRESH)
        return do_sync(True, library_query, browse_query, progress)

    def do_remove(
        source: str | None,
        confirmed: str = "",
        library_query: str = "",
        browse_query: str = "",
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ):
        if not source:
            return finish(render.render_status("warn", "请先选择要删除的公报文件"), library_query, browse_query)
        if confirmed != CONFIRMED:  # the user said no in the confirmation dialog
            return (render.render_status("note", messages.REMOVE_CANCELLED), *(gr.skip(),) * N_REFRESH)
        try:
            report = lib.remove(source, _progress_cb(progress))
        except RagError as err:
            log.warning("removing %s failed: %s", source, err)
            msg = render.render_status("error", f"没有删除 {source}", [messages.user_message(err)])
            return finish(msg, library_query, browse_query)
        msg = render.render_status("ok", f"已删除 {source}，索引已更新", report_lines(report))
        return finish(msg, library_query, browse_query)

    def library_nav(query: str, number: int, step: int):
        return library_outputs(query, int(number or 1) + step)

    def browse_nav(query: str, number: int, step: int):
        return browse_outputs(query, int(number or 1) + step)

    # ---- API endpoints (typed; see README "The app") -----------------------------------------

    def api_error(err: RagError, citation_id: str = "") -> gr.Error:
        """The error a client sees: the Chinese message (the library's own words go to the log)."""
        log.info("API call refused: %s", err)
        return gr.Error(messages.user_message(err, citation_id=citation_id), print_exception=False)

    def api_ask(
        question: str,
        district: str = "",
        date_from: str = "",
        date_to: str = "",
        top_k: int = 5,
        history: list[list[str]] | None = None,
    ) -> dict[str, Any]:
        """Answer a question: short answer, quoted evidence and the numbered cited passages.
        history: earlier [question, answer text] pairs, oldest first, to resolve follow-ups."""
        try:
            f = make_filters(district, date_from, date_to)
            turns = [(str(h[0]), str(h[1])) for h in (history or []) if len(h) >= 2]
            ans = qa.ask(question, f, k=max(1, int(top_k or settings.top_k)), history=turns)
            return answer_dict(ans, (question or "").strip())
        except RagError as err:
            raise api_error(err) from err

    def api_lookup(citation_id: str) -> dict[str, Any]:
        """The whole article of a citation id, with the bulletin's facts."""
        try:
            return citation_dict(qa.show(citation_id))
        except RagError as err:
            raise api_error(err, citation_id=str(citation_id or "").strip()) from err

    def api_related(citation_id: str, k: int = 5) -> list[dict[str, Any]]:
        """相关报道: other articles on the topic of the citation's article or about its people."""
        try:
            view = qa.show(citation_id)
        except RagError as err:
            raise api_error(err, citation_id=str(citation_id or "").strip()) from err
        found = related_view.related_for_passage(qa, view.passage, max(1, min(int(k or 5), 20)))
        return [related_view.related_dict(r) for r in found]

    def api_bulletins() -> list[dict[str, Any]]:
        """The indexed bulletins (one row each) and the library files not in the index."""
        rows = [{k: v for k, v in r.items() if k not in ("masthead", "warnings")} for r in lib.rows()]
        return [*rows, *({"source": s, "not_indexed": why} for s, why in lib.pending())]

    def api_upload(files: list[str] | None) -> dict[str, Any]:
        paths = [Path(f) for f in (files or [])]
        try:
            result, report = lib.upload([(p.name, p) for p in paths])
        except RagError as err:
            raise api_error(err) from err
        return {
            "saved": result.saved,
            "refused": [{"file": n, "reason": why} for n, why in result.refused],
            "report": report_dict(report) if report else None,
        }

    def api_update(rebuild: bool = False) -> dict[str, Any]:
        """Index new or changed bulletins and drop removed ones (rebuild: start from scratch)."""
        try:
            return report_dict(lib.sync(rebuild=bool(rebuild)))
        except RagError as err:
            raise api_error(err) from err

    def api_remove(source: str) -> dict[str, Any]:
        """Delete a bulletin file from the library and update the index."""
        try:
            return report_dict(lib.remove(source))
        except RagError as err:
            raise api_error(err) from err

    # ---- layout --------------------------------------------------------------------------------

    # The library table, the bulletin list and the file choices are left to the page's load event
    # (`on_load`, run on every visit): rendering them here as well doubled the start-up work and
    # the page (6.7 MB at 100k passages) for content that the load event replaces at once.
    districts0, _ = _choices(lib.rows())
    loading = render.render_cite_placeholder("正在读取公报库…")
    with gr.Blocks(title="公报问答") as demo:
        header = gr.HTML(_header(qa), elem_id="app-header", js_on_load=None)
        turns = gr.State([])
        history = gr.BrowserState([], storage_key=hist.STORAGE_KEY, secret=hist.secret_for(settings.index_dir))
        with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
            with gr.Tab("问答", id="chat", elem_id="tab-chat"), gr.Row(equal_height=False):
                with gr.Column(scale=4):
                    conversation = gr.HTML(
                        render.render_conversation([]), elem_id="conversation", js_on_load=NAV_JS + tools.TURN_JS
                    )
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(
                            label="问题",
                            placeholder="输入问题，例如：谁主持了安委会会议",
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            max_length=QUESTION_MAX_CHARS,
                            scale=6,
                            elem_id="question",
                            autofocus=True,
                        )
                        ask_btn = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="ask-btn")
                        clear_btn = gr.Button("清空对话", scale=1, min_width=80, elem_id="clear-btn")
                    ask_hint = gr.HTML("", elem_id="ask-hint", js_on_load=None)
                    gr.Examples(examples=[[q] for q in EXAMPLE_QUESTIONS], inputs=[question], label="示例问题")
                    with gr.Row(elem_id="export-row"):
                        export_md = gr.DownloadButton("导出 Markdown", **tools.EXPORT_BUTTON, elem_id="export-md")
                        export_docx = gr.DownloadButton("导出 Word", **tools.EXPORT_BUTTON, elem_id="export-docx")
                with gr.Column(scale=1, min_width=220, elem_id="filters"):
                    gr.HTML('<div class="side-title">检索范围</div>', js_on_load=None)
                    district = gr.Dropdown(choices=districts0, value=ALL_DISTRICTS, label="区县", elem_id="district")
                    date_from = gr.Textbox(label="起始日期", placeholder="2021-11-01 或 11-01", elem_id="date-from")
                    date_to = gr.Textbox(label="截止日期", placeholder="2021-12-31 或 12-31", elem_id="date-to")
                    top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="显示段落数", elem_id="top-k")
                    gr.HTML(
                        '<div class="side-note">不带年份的日期（如 11-20）按月日比较；很多公报只印了月日。</div>',
                        js_on_load=None,
                    )
                    with gr.Column(elem_id="history-panel"):
                        history_view = gr.HTML(hist.render_history([]), elem_id="history", js_on_load=hist.HISTORY_JS)
                        history_clear = gr.Button("清空", size="sm", elem_id="history-clear")
            with gr.Tab("引用查看", id="cite", elem_id="tab-cite"):
                with gr.Row(equal_height=False):
                    cite_id = gr.Textbox(
                        label="引用编号",
                        show_label=False,
                        placeholder="输入引用编号，例如 b65cc29fcaa5（问答里每个段落下方都有）",
                        scale=5,
                        elem_id="cite-id",
                    )
                    cite_btn = gr.Button("打开", variant="primary", scale=1, min_width=80, elem_id="cite-btn")
                cite_view = gr.HTML(render.render_cite_placeholder(), elem_id="cite-view", js_on_load=NAV_JS)
            with gr.Tab("浏览公报", id="browse", elem_id="tab-browse"):
                with gr.Row(equal_height=True, elem_id="browse-bar", elem_classes=["list-bar"]):
                    browse_search = gr.Textbox(
                        label="搜索公报",
                        show_label=False,
                        placeholder="搜索公报：单位、区县、期号、日期、头条标题或文件名",
                        max_length=100,
                        scale=4,
                        min_width=260,
                        elem_id="browse-search",
                    )
                    bulletin_sel = gr.Dropdown(
                        choices=[],
                        value=None,
                        label="选择公报",
                        show_label=False,
                        scale=4,
                        min_width=260,
                        elem_id="bulletin-select",
                    )
                    browse_prev = gr.Button("上一页", size="sm", scale=0, min_width=72, elem_id="browse-prev")
                    browse_next = gr.Button("下一页", size="sm", scale=0, min_width=72, elem_id="browse-next")
                browse_page = gr.State(1)
                browse_view = gr.HTML(loading, elem_id="browse-view", js_on_load=NAV_JS)
            with gr.Tab("公报库", id="library", elem_id="tab-library"):
                with gr.Row(equal_height=True, elem_id="library-bar", elem_classes=["list-bar"]):
                    library_search = gr.Textbox(
                        label="搜索公报库",
                        show_label=False,
                        placeholder="搜索公报库：文件名、单位、区县、期号、日期或头条标题",
                        max_length=100,
                        scale=6,
                        min_width=260,
                        elem_id="library-search",
                    )
                    library_prev = gr.Button("上一页", size="sm", scale=0, min_width=72, elem_id="library-prev")
                    library_next = gr.Button("下一页", size="sm", scale=0, min_width=72, elem_id="library-next")
                library_page = gr.State(1)
                library_view = gr.HTML(loading, elem_id="library-table", js_on_load=NAV_JS)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        files = gr.File(
                            file_count="multiple",
                            label="上传公报文件（.txt，可多选）",
                            elem_id="upload-files",
                            height=140,
                        )
                        gr.HTML(
                            f'<div class="side-note">{render.esc(library.FORMATS_NOTE)}'
                            f"单个文件不超过 {settings.max_upload_mb} MB。上传后自动更新索引；"
                            "更新完成前，问答继续使用原来的索引。</div>"
                            f'<div class="{GUARD_CLASS}" role="alert"></div>',
                            js_on_load=upload_guard_js(settings.max_upload_mb),
                        )
                        upload_btn = gr.Button("上传并更新索引", variant="primary", elem_id="upload-btn")
                    with gr.Column(scale=2):
                        update_btn = gr.Button("更新索引", elem_id="update-btn")
                        rebuild_btn = gr.Button("重建索引", elem_id="rebuild-btn")
                        remove_sel = gr.Dropdown(
                            choices=[],
                            value=None,
                            label="删除公报文件",
                            elem_id="remove-select",
                        )
                        remove_btn = gr.Button("删除并更新索引", variant="stop", elem_id="remove-btn")
                status = gr.HTML("", elem_id="library-status", js_on_load=None)
                confirmed = gr.Textbox(visible=False)  # set by the confirmation dialogs (CONFIRM_JS)

        # hidden parts of the /upload endpoint (a File component checks the uploaded paths)
        api_files = gr.File(file_count="multiple", visible=False)
        api_result = gr.JSON(visible=False, label="result")
        api_upload_btn = gr.Button(visible=False)

        # ---- events ----------------------------------------------------------------------------
        private: dict[str, Any] = {"api_visibility": "private"}
        chat_in = [question, turns, district, date_from, date_to, top_k]
        chat_out = [conversation, turns, question, ask_hint]
        # the answers' tools, the history panel and the exports (ui/tools.py)
        after = tools.after_answer(tools.Exports())
        after_io: dict[str, Any] = {
            "inputs": [turns, history],
            "outputs": [history, history_view, export_md, export_docx],
        }
        ask_btn.click(chat, chat_in, chat_out, show_progress="hidden", **private).then(after, **after_io, **private)
        question.submit(chat, chat_in, chat_out, show_progress="hidden", **private).then(after, **after_io, **private)
        clear_btn.click(clear_chat, None, chat_out, **private).then(after, **after_io, **private)
        feedback = tools.feedback_handler(FeedbackLog(feedback_path(settings.index_dir)))
        conversation.click(feedback, [turns], [turns], show_progress="hidden", **private)
        reask = tools.reask_handler(chat, len(chat_out))
        history_view.click(reask, [history, turns, top_k], chat_out, show_progress="hidden", **private).then(
            after, **after_io, **private
        )
        history_clear.click(
            tools.clear_history,
            [history],
            [history, history_view],
            js="() => window.confirm('清空本浏览器里的提问历史？') ? 'clear' : 'keep'",
            **private,
        )
        demo.load(hist.render_history, [history], [history_view], **private)

        nav_out = [tabs, cite_id, cite_view, bulletin_sel, browse_view]
        for view in (conversation, cite_view, browse_view, library_view):
            view.click(navigate, None, nav_out, show_progress="hidden", **private)
        cite_btn.click(open_citation, [cite_id], [cite_view, cite_id], **private)
        cite_id.submit(open_citation, [cite_id], [cite_view, cite_id], **private)
        bulletin_sel.input(
            open_bulletin, [bulletin_sel, browse_search, browse_page], [browse_view], show_progress="hidden", **private
        )
        browse_out = [bulletin_sel, browse_view, browse_page]
        browse_search.change(
            browse_outputs, [browse_search], browse_out, trigger_mode="always_last", show_progress="hidden", **private
        )
        quiet: dict[str, Any] = {"show_progress": "hidden", **private}
        browse_prev.click(lambda q, n: browse_nav(q, n, -1), [browse_search, browse_page], browse_out, **quiet)
        browse_next.click(lambda q, n: browse_nav(q, n, 1), [browse_search, browse_page], browse_out, **quiet)
        library_out = [library_view, remove_sel, library_page]
        library_search.change(library_outputs, [library_search], library_out, trigger_mode="always_last", **quiet)
        library_prev.click(lambda q, n: library_nav(q, n, -1), [library_search, library_page], library_out, **quiet)
        library_next.click(lambda q, n: library_nav(q, n, 1), [library_search, library_page], library_out, **quiet)

        refresh_out = [header, library_view, district, bulletin_sel, browse_view, remove_sel, library_page, browse_page]
        demo.load(on_load, None, [*refresh_out, tabs, cite_id, cite_view], **private)
        lib_ops: dict[str, Any] = {
            "concurrency_id": "library",
            "concurrency_limit": 1,
            "show_progress_on": [library_view],  # the progress bar of the update, over the table
            **private,
        }
        searches = [library_search, browse_search]
        upload_btn.click(do_upload, [files, *searches], [status, files, *refresh_out], **lib_ops)
        update_btn.click(do_update, searches, [status, *refresh_out], **lib_ops)
        rebuild_btn.click(
            do_rebuild,
            [confirmed, *searches],
            [status, *refresh_out],
            js=confirm_js("重建索引会重新读取全部公报并重新计算所有段落向量，公报多时需要很长时间。确定重建吗？"),
            **lib_ops,
        )
        remove_btn.click(
            do_remove,
            [remove_sel, confirmed, *searches],
            [status, *refresh_out],
            js=confirm_js("从公报库删除 {s} 并更新索引？", first_is_choice=True),
            **lib_ops,
        )

        gr.api(api_ask, api_name="ask")
        gr.api(api_lookup, api_name="lookup")
        gr.api(api_related, api_name="related")
        gr.api(api_bulletins, api_name="bulletins")
        api_upload_btn.click(
            api_upload, [api_files], [api_result], api_name="upload", concurrency_id="library", concurrency_limit=1
        )
        gr.api(api_update, api_name="update", concurrency_id="library", concurrency_limit=1)
        gr.api(api_remove, api_name="remove", concurrency_id="library", concurrency_limit=1)
    return demo


def confirm_js(question: str, first_is_choice: bool = False) -> str:
    """The js of a button that asks first: the dialog's answer travels in the hidden `confirmed`
    input (CONFIRMED or "no"), never in place of a dropdown's value (Gradio would refuse a value
    that is not one of the choices, in English). With first_is_choice, the first input is the
    dropdown's choice: no choice, no dialog ({s} in the question is the choice)."""
    text = json.dumps(question, ensure_ascii=False)
    if first_is_choice:
        asked = f"window.confirm({text}.replace('{{s}}', s))"
        return f"(s, ok, ...rest) => [s, (s && {asked}) ? '{CONFIRMED}' : 'no', ...rest]"
    return f"(ok, ...rest) => [window.confirm({text}) ? '{CONFIRMED}' : 'no', ...rest]"


def parse_auth(auth: str) -> tuple[str, str] | None:
    """settings.auth "user:password" -> ("user", "password"); "" -> no login."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise RagError(
            'auth must look like "user:password" (set auth in rag.toml or RAG_AUTH), or be empty for no login'
        )
    return user, password


def check_exposure(settings: Settings) -> None:
    """Refuse to serve beyond this machine without a login unless `allow_open` says so; warn when
    it does (anyone on the network could then update or empty the library)."""
    if is_loopback(settings.host.strip("[]")) or settings.auth:
        return
    if not settings.allow_open:
        raise RagError(
            f"不设登录就向网络开放（{settings.host}）已被拒绝：请在 rag.toml 设置 auth，或加 --allow-open"
            f"（serving on {settings.host} without a login would let anyone on the network update or remove "
            'bulletins: set auth = "user:password" in rag.toml, or pass --allow-open / allow_open = true）'
        )
    log.warning("serving on %s without a login: anyone who can reach this port can change the library", settings.host)


def launch_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Blocks.launch`: address, login, upload limit, theme and styles, and the front
    door (`ui.guard`: Host/Origin check, login attempts per client)."""
    hosts = allowed_hosts(settings.host, settings.allowed_hosts.split(","))
    return {
        "app_kwargs": {"middleware": [Middleware(Guard, hosts=hosts)]},
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": parse_auth(settings.auth),
        "auth_message": "公报问答：请登录" if settings.auth else None,
        "max_file_size": f"{max(1, settings.max_upload_mb) * 2}mb",
        "show_error": True,
        "ssr_mode": False,
        "theme": theme(),
        "css": APP_CSS + TOOLS_CSS,
        "i18n": chinese_i18n(),  # Gradio's own texts in Chinese in an English-language browser
    }


def serve(settings: Settings) -> None:
    """Build the index if missing, warm the model up and serve the app until interrupted."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    check_exposure(settings)
    qa = QA(settings)
    report = qa.ensure_index(progress=_log_progress)
    if report is not None:
        log.info("built the index: %s", "; ".join(report.lines()))
    warm_up(qa)
    demo = build_app(qa)
    options = launch_options(settings)
    log.info("serving on http://%s:%s", settings.host, settings.port)
    demo.queue().launch(**options)


def warm_up(qa: QA) -> None:
    """Load the index, the model, the tokenizer's dictionary and the lexical index now rather than
    on the first visitor's question (the first question at 100k passages took 2-4 s without it):
    one question retrieved, not answered, so that no LLM is called."""
    try:
        qa.warm_up(EXAMPLE_QUESTIONS[0])
    except RagError as err:
        log.warning("warm-up failed: %s", err)


def _log_progress(stage: str, done: int, total: int) -> None:
    if done >= total:
        log.info("index %s: %d/%d", stage, done, total)
