"""The Gradio app: chat with cited answers, citation lookup, bulletin browsing and the library.

`build_app(qa)` wires the views to a `rag.service.QA`; `serve(settings)` builds the index when it
is missing and starts the server. Retrieval, answering and indexing all happen in `rag/`; this
module only renders (ui/render.py), checks uploads (ui/library.py) and shapes API results
(ui/api.py).

Named API endpoints (for `gradio_client`): /ask, /lookup, /bulletins, /upload, /update, /remove.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from rag.config import Settings
from rag.errors import RagError
from rag.index import UpdateReport, read_manifest
from rag.retrieve import make_query
from rag.service import QA

from . import library, render
from .api import (
    ALL_DISTRICTS,
    answer_dict,
    citation_dict,
    filters_note,
    make_filters,
    report_dict,
    report_lines,
)
from .style import APP_CSS, NAV_JS, theme

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
CANCELLED = ".cancelled"  # what the removal's confirmation returns on "no" (never a library file name)
STAGES = {"parse": "读取公报", "embed": "计算段落向量", "index": "写入新索引"}


class Library:
    """The library operations shared by the UI and the API: one at a time, and the reasons the
    last update skipped files, so the library table can show them."""

    def __init__(self, qa: QA) -> None:
        self.qa = qa
        self.failed: dict[str, str] = {}
        self.hashes = library.FileHashes()
        self._lock = threading.Lock()

    @property
    def corpus_dir(self) -> Path:
        return self.qa.settings.corpus_dir

    def rows(self) -> list[dict[str, Any]]:
        return self.qa.bulletins()

    def sync(self, rebuild: bool = False, progress: Callable[[str, int, int], None] | None = None) -> UpdateReport:
        """Update the index from the folder; the chat keeps the old version until this one is live."""
        with self._lock:
            report = self.qa.sync(rebuild=rebuild, progress=progress, lock_wait=120)
            self.failed = dict(report.failed)
            _ = self.qa.index  # load the new version now rather than on the next question
            return report

    def upload(
        self, uploads: Sequence[tuple[str, Path]], progress: Callable[[str, int, int], None] | None = None
    ) -> tuple[library.UploadResult, UpdateReport | None]:
        """Save the acceptable files, then update the index if any was saved."""
        with self._lock:
            result = library.save_uploads(self.corpus_dir, uploads, self.qa.settings.max_upload_mb, self.rows())
        report = self.sync(progress=progress) if result.saved else None
        return result, report

    def remove(self, source: str, progress: Callable[[str, int, int], None] | None = None) -> UpdateReport:
        """Take a file out of the library and the index; put it back if the update fails."""
        with self._lock:
            hidden = library.set_aside(self.corpus_dir, source)
        try:
            report = self.sync(progress=progress)
        except BaseException:
            library.restore(hidden, source)
            raise
        hidden.unlink(missing_ok=True)
        return report

    def pending(self) -> list[tuple[str, str]]:
        return library.not_indexed(self.corpus_dir, self.rows(), self.failed, self.hashes)


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
    try:
        m = read_manifest(qa.settings.index_dir)
    except RagError:
        return "尚无索引"
    when = m.created_at.replace("T", " ")
    return f"已索引 {m.n_bulletins} 份公报 · {m.n_articles} 篇文章 · {m.n_passages} 个段落 · 更新于 {when}"


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

    # ---- handlers ------------------------------------------------------------------------------

    def chat(question: str, turns: list[dict[str, Any]], district: str, date_from: str, date_to: str, top_k: float):
        q = (question or "").strip()
        if not q:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        yield render.render_conversation(turns, pending=q), turns, ""
        note = ""
        try:
            f = make_filters(district, date_from, date_to)
            note = filters_note(f)
            # earlier turns let the library resolve follow-ups such as "他还参加了哪些活动?"
            history = [(t["question"], t["answer"]) for t in turns if t.get("answer")]
            ans = qa.ask(q, f, k=int(top_k or settings.top_k), history=history)
            html, text = render.render_answer(ans), ans.text
            resolved = ans.extra.get("resolved_question", "")
            if resolved and resolved != q:
                note = " · ".join(x for x in (f"按“{resolved}”检索", note) if x)
        except RagError as err:
            log.info("question refused: %s", err)
            html, text = render.render_error(str(err)), ""
        turns = [*turns, {"question": q, "html": html, "answer": text, "filters": note}][-MAX_TURNS:]
        yield render.render_conversation(turns), turns, gr.skip()

    def clear_chat():
        return render.render_conversation([]), [], ""

    def open_citation(citation_id: str) -> tuple[Any, str]:
        cid = (citation_id or "").strip().strip("[]")
        if not cid:
            return render.render_cite_placeholder(), cid
        try:
            return render.render_citation(qa.show(cid)), cid
        except RagError as err:
            return render.render_cite_placeholder(f"找不到引用 {cid}：{err}"), cid

    def open_bulletin(source: str | None) -> str:
        if not source:
            return bulletin_list(lib.rows())
        try:
            idx = qa.index
            b = idx.store.bulletin(source)
            if b is None:
                return render.render_cite_placeholder(f"索引里没有公报 {source}")
            passages = {a.id: idx.store.article_passages(a.id) for a in b.articles}
            return render.render_bulletin(b, passages)
        except RagError as err:
            return render.render_cite_placeholder(str(err))

    def bulletin_list(rows: list[dict[str, Any]]) -> str:
        details: dict[str, tuple[str, str]] = {}
        if rows:
            try:
                details = qa.index.store.bulletin_leads()
            except (RagError, OSError, sqlite3.Error) as err:  # the list still shows, without lead titles
                log.warning("cannot read the bulletins' lead titles: %s", err)
        return render.render_bulletin_list(rows, details)

    def navigate(evt: gr.EventData):
        """Clicks on citation and bulletin links inside the HTML views (see NAV_JS)."""
        data = evt._data if isinstance(evt._data, dict) else {}
        if data.get("cite"):
            view, cid = open_citation(str(data["cite"]))
            return gr.Tabs(selected="cite"), cid, view, gr.skip(), gr.skip()
        if data.get("bulletin"):
            src = str(data["bulletin"])
            return gr.Tabs(selected="browse"), gr.skip(), gr.skip(), src, open_bulletin(src)
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()

    def refresh():
        rows = lib.rows()
        districts, bulletins = _choices(rows)
        sources = [s.name for s in library.library_files(lib.corpus_dir)]
        return (
            _header(qa),
            render.render_library(rows, lib.pending()),
            gr.Dropdown(choices=districts),
            gr.Dropdown(choices=bulletins, value=None),
            bulletin_list(rows),
            gr.Dropdown(choices=sources, value=None),
        )

    def on_load(request: gr.Request):
        """Fresh library facts for this page, and deep links: ?cite=ID or ?bulletin=FILE."""
        params = dict(request.query_params) if request is not None else {}
        header_html, lib_html, districts, bsel, bview, sources = refresh()
        tab: Any = gr.skip()
        cite_id: Any = gr.skip()
        cite_view: Any = gr.skip()
        if params.get("cite"):
            cite_view, cite_id = open_citation(params["cite"])
            tab = gr.Tabs(selected="cite")
        elif params.get("bulletin"):
            bsel = gr.Dropdown(choices=bsel.choices, value=params["bulletin"])
            bview = open_bulletin(params["bulletin"])
            tab = gr.Tabs(selected="browse")
        return header_html, lib_html, districts, bsel, bview, sources, tab, cite_id, cite_view

    def finish(status: str):
        return (status, *refresh())

    def do_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()):  # noqa: B008
        paths = [Path(f) for f in (files or [])]
        if not paths:
            msg = render.render_status("warn", "请先选择要上传的 .txt 公报文件", [library.FORMATS_NOTE])
            return (msg, None, *refresh())
        try:
            result, report = lib.upload([(p.name, p) for p in paths], _progress_cb(progress))
        except RagError as err:
            msg = render.render_status("error", "上传后更新索引失败，问答仍使用原来的索引", [str(err)])
            return (msg, None, *refresh())
        lines = [f"已收录：{s}" for s in result.saved] + [f"未收录：{n}：{why}" for n, why in result.refused]
        skipped = set(dict(report.failed)) & set(result.saved) if report is not None else set()
        if report is not None:
            lines += report_lines(report)
        kind = "ok" if result.saved and not result.refused and not skipped else ("warn" if result.saved else "error")
        title = {
            "ok": f"已上传 {len(result.saved)} 个文件，索引已更新",
            "warn": f"已上传 {len(result.saved)} 个文件，{len(result.refused) + len(skipped)} 个未收录或未能索引",
            "error": "没有文件被收录",
        }[kind]
        return (render.render_status(kind, title, lines), None, *refresh())

    def do_sync(rebuild: bool, progress: gr.Progress):
        try:
            report = lib.sync(rebuild=rebuild, progress=_progress_cb(progress))
        except RagError as err:
            return finish(render.render_status("error", "索引更新失败，问答仍使用原来的索引", [str(err)]))
        title = "索引已重建" if rebuild else "索引已更新"
        return finish(render.render_status("warn" if report.failed else "ok", title, report_lines(report)))

    def do_update(progress: gr.Progress = gr.Progress()):  # noqa: B008
        return do_sync(False, progress)

    def do_rebuild(progress: gr.Progress = gr.Progress()):  # noqa: B008
        return do_sync(True, progress)

    def do_remove(source: str | None, progress: gr.Progress = gr.Progress()):  # noqa: B008
        if source == CANCELLED:  # the user said no in the confirmation dialog
            return (gr.skip(),) * 7
        if not source:
            return finish(render.render_status("warn", "请先选择要删除的公报文件"))
        try:
            report = lib.remove(source, _progress_cb(progress))
        except RagError as err:
            return finish(render.render_status("error", f"没有删除 {source}", [str(err)]))
        return finish(render.render_status("ok", f"已删除 {source}，索引已更新", report_lines(report)))

    # ---- API endpoints (typed; see README "The app") -----------------------------------------

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
            raise gr.Error(str(err)) from err

    def api_lookup(citation_id: str) -> dict[str, Any]:
        """The whole article of a citation id, with the bulletin's facts."""
        try:
            return citation_dict(qa.show(citation_id))
        except RagError as err:
            raise gr.Error(str(err)) from err

    def api_bulletins() -> list[dict[str, Any]]:
        """The indexed bulletins (one row each) and the library files not in the index."""
        rows = [{k: v for k, v in r.items() if k not in ("masthead", "warnings")} for r in lib.rows()]
        return [*rows, *({"source": s, "not_indexed": why} for s, why in lib.pending())]

    def api_upload(files: list[str] | None) -> dict[str, Any]:
        paths = [Path(f) for f in (files or [])]
        try:
            result, report = lib.upload([(p.name, p) for p in paths])
        except RagError as err:
            raise gr.Error(str(err)) from err
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
            raise gr.Error(str(err)) from err

    def api_remove(source: str) -> dict[str, Any]:
        """Delete a bulletin file from the library and update the index."""
        try:
            return report_dict(lib.remove(source))
        except RagError as err:
            raise gr.Error(str(err)) from err

    # ---- layout --------------------------------------------------------------------------------

    # The library table, the bulletin list and the file choices are left to the page's load event
    # (`on_load`, run on every visit): rendering them here as well doubled the start-up work and
    # the page (6.7 MB at 100k passages) for content that the load event replaces at once.
    districts0, _ = _choices(lib.rows())
    loading = render.render_cite_placeholder("正在读取公报库…")
    with gr.Blocks(title="公报问答") as demo:
        header = gr.HTML(_header(qa), elem_id="app-header", js_on_load=None)
        turns = gr.State([])
        with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
            with gr.Tab("问答", id="chat", elem_id="tab-chat"), gr.Row(equal_height=False):
                with gr.Column(scale=4):
                    conversation = gr.HTML(render.render_conversation([]), elem_id="conversation", js_on_load=NAV_JS)
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(
                            placeholder="输入问题，例如：谁主持了安委会会议",
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            scale=6,
                            elem_id="question",
                            autofocus=True,
                        )
                        ask_btn = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="ask-btn")
                        clear_btn = gr.Button("清空对话", scale=1, min_width=80, elem_id="clear-btn")
                    gr.Examples(examples=[[q] for q in EXAMPLE_QUESTIONS], inputs=[question], label="示例问题")
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
            with gr.Tab("引用查看", id="cite", elem_id="tab-cite"):
                with gr.Row(equal_height=False):
                    cite_id = gr.Textbox(
                        show_label=False,
                        placeholder="输入引用编号，例如 b65cc29fcaa5（问答里每个段落下方都有）",
                        scale=5,
                        elem_id="cite-id",
                    )
                    cite_btn = gr.Button("打开", variant="primary", scale=1, min_width=80, elem_id="cite-btn")
                cite_view = gr.HTML(render.render_cite_placeholder(), elem_id="cite-view", js_on_load=NAV_JS)
            with gr.Tab("浏览公报", id="browse", elem_id="tab-browse"):
                bulletin_sel = gr.Dropdown(choices=[], value=None, label="选择公报", elem_id="bulletin-select")
                browse_view = gr.HTML(loading, elem_id="browse-view", js_on_load=NAV_JS)
            with gr.Tab("公报库", id="library", elem_id="tab-library"):
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
                            "更新完成前，问答继续使用原来的索引。</div>",
                            js_on_load=None,
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

        # hidden parts of the /upload endpoint (a File component checks the uploaded paths)
        api_files = gr.File(file_count="multiple", visible=False)
        api_result = gr.JSON(visible=False, label="result")
        api_upload_btn = gr.Button(visible=False)

        # ---- events ----------------------------------------------------------------------------
        private: dict[str, Any] = {"api_visibility": "private"}
        chat_in = [question, turns, district, date_from, date_to, top_k]
        chat_out = [conversation, turns, question]
        ask_btn.click(chat, chat_in, chat_out, show_progress="hidden", **private)
        question.submit(chat, chat_in, chat_out, show_progress="hidden", **private)
        clear_btn.click(clear_chat, None, chat_out, **private)

        nav_out = [tabs, cite_id, cite_view, bulletin_sel, browse_view]
        for view in (conversation, cite_view, browse_view, library_view):
            view.click(navigate, None, nav_out, show_progress="hidden", **private)
        cite_btn.click(open_citation, [cite_id], [cite_view, cite_id], **private)
        cite_id.submit(open_citation, [cite_id], [cite_view, cite_id], **private)
        bulletin_sel.change(open_bulletin, [bulletin_sel], [browse_view], show_progress="hidden", **private)

        refresh_out = [header, library_view, district, bulletin_sel, browse_view, remove_sel]
        demo.load(on_load, None, [*refresh_out, tabs, cite_id, cite_view], **private)
        lib_ops: dict[str, Any] = {
            "concurrency_id": "library",
            "concurrency_limit": 1,
            "show_progress_on": [library_view],  # the progress bar of the update, over the table
            **private,
        }
        upload_btn.click(do_upload, [files], [status, files, *refresh_out], **lib_ops)
        update_btn.click(do_update, None, [status, *refresh_out], **lib_ops)
        rebuild_btn.click(do_rebuild, None, [status, *refresh_out], **lib_ops)
        remove_btn.click(
            do_remove,
            [remove_sel],
            [status, *refresh_out],
            js=f"(s) => (!s || window.confirm('从公报库删除 ' + s + ' 并更新索引？')) ? s : '{CANCELLED}'",
            **lib_ops,
        )

        gr.api(api_ask, api_name="ask")
        gr.api(api_lookup, api_name="lookup")
        gr.api(api_bulletins, api_name="bulletins")
        api_upload_btn.click(
            api_upload, [api_files], [api_result], api_name="upload", concurrency_id="library", concurrency_limit=1
        )
        gr.api(api_update, api_name="update", concurrency_id="library", concurrency_limit=1)
        gr.api(api_remove, api_name="remove", concurrency_id="library", concurrency_limit=1)
    return demo


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


def launch_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Blocks.launch`: address, login, upload limit, theme and styles."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": parse_auth(settings.auth),
        "auth_message": "公报问答：请登录" if settings.auth else None,
        "max_file_size": f"{max(1, settings.max_upload_mb) * 2}mb",
        "show_error": True,
        "ssr_mode": False,
        "theme": theme(),
        "css": APP_CSS,
    }


def serve(settings: Settings) -> None:
    """Build the index if missing, warm the model up and serve the app until interrupted."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
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
        live = qa.live()
        live.retriever.search(make_query(live.index, EXAMPLE_QUESTIONS[0]), qa.settings.top_k)
    except RagError as err:
        log.warning("warm-up failed: %s", err)


def _log_progress(stage: str, done: int, total: int) -> None:
    if done >= total:
        log.info("index %s: %d/%d", stage, done, total)
