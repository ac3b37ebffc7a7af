"""The chat's tools, on the Gradio side: under each answer 复制, 👍 / 答案有误 and 相关报道; the
提问历史 panel (ui/history.py); the export buttons (ui/export.py).

`with_tools` completes a chat turn (the chat handler in ui/app.py calls it): an id, the plain
record of the answer (copy, export, feedback), the related articles and the tools' HTML. The
handlers here are wired to the app's components in ui/app.py.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.models import Answer
from rag.service import QA

from . import history as hist
from .api import ALL_DISTRICTS
from .export import answer_record, copy_text, export_files
from .feedback import VERDICTS, FeedbackLog, feedback_line
from .related_view import related_for_answer, render_related
from .render import esc

log = logging.getLogger(__name__)
EXPORT_MAX_AGE_S = 24 * 3600
EXPORT_BUTTON: dict[str, Any] = {"interactive": False, "size": "sm", "scale": 0, "min_width": 130}
# 👍 as a drawn icon: an emoji needs a colour-emoji font, which many office PCs lack
THUMB = (
    '<svg class="thumb" viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M14 9V5a3 3 0 0 '
    '0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"/></svg>'
)

# Runs once for the conversation view (with NAV_JS). 复制 copies the text in the button's
# data-copy (the Clipboard API, or a hidden textarea where the page is not a secure context, as on
# a LAN address over http); 👍 and 提交 send the verdict as a `click` event with {feedback: …}.
TURN_JS = """
const copyText = async (text) => {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch (err) { /* fall back below */ }
  const ta = document.createElement('textarea');
  ta.value = text; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
  document.body.appendChild(ta); ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
  ta.remove();
  return ok;
};
const done = (box, text) => {
  const fb = box.querySelector('.fb');
  if (fb) fb.outerHTML = '<span class="fb-done"></span>';
  box.querySelector('.fb-done').textContent = text;
};
const send = (box, verdict) => {
  const note = box.querySelector('.fb-note');
  trigger('click', {feedback: {turn: box.dataset.turn, verdict: verdict, note: note ? note.value : ''}});
  done(box, verdict === 'good' ? '已记录：有用，谢谢反馈' : '已记录：答案有误，谢谢反馈');
};
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (!b || !element.contains(b)) return;
  const box = b.closest('.turn-tools');
  if (!box) return;
  e.preventDefault();
  const act = b.dataset.act;
  if (act === 'copy') {
    copyText(b.dataset.copy || '').then((ok) => {
      b.textContent = ok ? '已复制' : '复制失败，请手动选择文字';
      setTimeout(() => { b.textContent = '复制'; }, 2000);
    });
  } else if (act === 'good') {
    send(box, 'good');
  } else if (act === 'wrong') {
    const form = box.querySelector('.fb-form');
    form.hidden = false;
    box.querySelector('.fb-note').focus();
  } else if (act === 'send') {
    send(box, 'wrong');
  } else if (act === 'cancel') {
    box.querySelector('.fb-form').hidden = true;
  }
});
element.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter' || !e.target.classList || !e.target.classList.contains('fb-note')) return;
  e.preventDefault();
  const box = e.target.closest('.turn-tools');
  if (box) send(box, 'wrong');
});
"""

TOOLS_CSS = """
.turn-tools { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 10px;
  padding-top: 8px; border-top: 1px dashed #e7e5e4; font-size: 13px; }
.turn-tools button.tool { border: 1px solid #d6d3d1; background: #fff; color: #44403c; border-radius: 14px;
  padding: 2px 12px; cursor: pointer; font-size: 13px; line-height: 1.6; }
.turn-tools button.tool:hover { background: #fef2f2; border-color: #fca5a5; }
.turn-tools .fb { display: inline-flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.turn-tools .fb-form { display: inline-flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.turn-tools .fb-form[hidden] { display: none; }
.turn-tools input.fb-note { border: 1px solid #d6d3d1; border-radius: 6px; padding: 2px 8px; min-width: 14em;
  font-size: 13px; max-width: 100%; }
.turn-tools .fb-done { color: #166534; }
.turn-tools svg.thumb { display: inline-block; vertical-align: -2px; margin-right: 3px; }
details.related { margin-top: 8px; }
details.related > summary { cursor: pointer; color: #57534e; font-size: 13px; padding: 4px 0; }
ul.related-list { list-style: none; padding-left: 0; margin: 2px 0 0; }
li.rel { padding: 4px 0; border-bottom: 1px solid #f5f5f4; font-size: 14px; line-height: 1.6;
  display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: baseline; }
.rel-when { color: #92400e; font-size: 12px; white-space: nowrap; min-width: 5em; }
a.rel-title { color: #1d4ed8 !important; text-decoration: none !important; cursor: pointer; }
a.rel-title:hover { text-decoration: underline !important; }
.rel-pub, .rel-names { color: #78716c; font-size: 12px; }
.cite-related { margin-top: 12px; background: #fff; border: 1px solid #e7e5e4; border-radius: 10px;
  padding: 8px 18px; }
#history-panel { background: #fafaf9; border: 1px solid #e7e5e4; border-radius: 10px; padding: 10px; }
.history .h-count { color: #a8a29e; font-weight: normal; font-size: 12px; }
ol.h-list { list-style: none; padding: 0; margin: 6px 0 0; max-height: 46vh; overflow-y: auto; }
ol.h-list li { border-bottom: 1px solid #f5f5f4; padding: 5px 0; }
button.h-ask { all: unset; cursor: pointer; color: #1d4ed8; font-size: 14px; line-height: 1.5;
  word-break: break-all; }
button.h-ask:hover { text-decoration: underline; }
.h-answer { color: #57534e; font-size: 12px; line-height: 1.5; }
.h-meta { color: #a8a29e; font-size: 11px; }
#export-row { gap: 8px; justify-content: flex-end; }
@media (max-width: 640px) {
  ol.h-list { max-height: 40vh; }
  .turn-tools input.fb-note { min-width: 0; width: 100%; }
}
"""


def new_turn_id() -> str:
    return secrets.token_hex(6)


def footer_html(turn: Mapping[str, Any]) -> str:
    """复制 and the feedback buttons of one answered turn (or what was said about it)."""
    record = turn.get("record") or {}
    copy = (
        f'<button type="button" class="tool copy" data-act="copy" data-copy="{esc(copy_text(record))}" '
        'title="复制回答、依据和出处（发布单位，日期/期号，《标题》，第N段）">复制</button>'
    )
    verdict = turn.get("feedback") or ""
    if verdict:
        fb = f'<span class="fb-done">已反馈：{esc(VERDICTS.get(verdict, verdict))}，谢谢</span>'
    else:
        fb = (
            '<span class="fb"><button type="button" class="tool good" data-act="good" title="回答正确">'
            f"{THUMB}有用</button>"
            '<button type="button" class="tool wrong" data-act="wrong" title="回答有错，可写下哪里不对">'
            "答案有误</button>"
            '<span class="fb-form" hidden><input type="text" class="fb-note" maxlength="1000" '
            'placeholder="哪里有误？正确的说法是…（可不填）" aria-label="反馈说明">'
            '<button type="button" class="tool send" data-act="send">提交</button>'
            '<button type="button" class="tool cancel" data-act="cancel">取消</button></span></span>'
        )
    return f'<div class="turn-tools" data-turn="{esc(turn.get("id", ""))}">{copy}{fb}</div>'


def _compose(turn: dict[str, Any]) -> str:
    base = str(turn.get("base_html") or "")
    extra = str(turn.get("related_html") or "") + footer_html(turn)
    if base.endswith("</div>"):  # inside the answer's box
        return base[: -len("</div>")] + extra + "</div>"
    return base + extra


def with_tools(
    turn: dict[str, Any], qa: QA, ans: Answer | None, asked: str, district: str, date_from: str, date_to: str
) -> dict[str, Any]:
    """A chat turn completed with its tools; an error turn (ans None) gets only an id."""
    turn = {**turn, "id": new_turn_id()}
    if ans is None:
        return turn
    turn["ask"] = {
        "question": asked,
        "district": district or "",
        "date_from": date_from or "",
        "date_to": date_to or "",
    }
    try:
        turn["record"] = answer_record(ans, asked, qa.bulletin_facts(), scope=str(turn.get("filters") or ""))
        turn["related_html"] = render_related(related_for_answer(qa, ans))
    except RagError as err:  # the index went away meanwhile: the answer stays, without tools
        log.warning("answer tools unavailable: %s", err)
        return turn
    turn["base_html"] = turn["html"]
    turn["feedback"] = ""
    turn["html"] = _compose(turn)
    return turn


def feedback_handler(log_file: FeedbackLog) -> Callable[..., Any]:
    """The conversation's click handler for {feedback: {turn, verdict, note}}."""

    def on_feedback(evt: gr.EventData, turns: list[dict[str, Any]]):
        data = evt._data if isinstance(evt._data, dict) else {}
        fb = data.get("feedback")
        if not isinstance(fb, dict):
            return gr.skip()
        verdict = str(fb.get("verdict") or "")
        idx = next((i for i, t in enumerate(turns) if t.get("id") == fb.get("turn")), None)
        if idx is None or verdict not in VERDICTS or not turns[idx].get("record") or turns[idx].get("feedback"):
            return gr.skip()
        t = turns[idx]
        ask = t.get("ask") or {}
        district = str(ask.get("district") or "")
        scope = {
            "district": "" if district == ALL_DISTRICTS else district,
            "date_from": str(ask.get("date_from") or ""),
            "date_to": str(ask.get("date_to") or ""),
        }
        try:
            log_file.append(feedback_line(t["record"], verdict, str(fb.get("note") or ""), scope))
        except OSError as err:
            log.error("cannot write feedback to %s: %s", log_file.path, err)
            raise gr.Error("反馈没有保存成功（无法写入反馈文件），请稍后再试") from err
        t = {**t, "feedback": verdict}
        t["html"] = _compose(t)
        return [*turns[:idx], t, *turns[idx + 1 :]]

    return on_feedback


def reask_handler(chat: Callable[..., Iterator[Any]], n_outputs: int) -> Callable[..., Iterator[Any]]:
    """The history panel's click handler: asks the clicked entry again, under its filters, through
    the chat handler (`chat(question, turns, district, date_from, date_to, top_k)`, n_outputs)."""

    def reask(evt: gr.EventData, history: Any, turns: list[dict[str, Any]], top_k: float):
        data = evt._data if isinstance(evt._data, dict) else {}
        entry = hist.find(history, data.get("ask")) if data.get("ask") else None
        if entry is None:
            yield (gr.skip(),) * n_outputs
            return
        yield from chat(
            entry["q"],
            turns,
            entry.get("district") or "",
            entry.get("date_from") or "",
            entry.get("date_to") or "",
            top_k,
        )

    return reask


class Exports:
    """The conversation's .md and .docx for the download buttons, in one folder per app; files
    older than a day are removed when new ones are written."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="gongbao-exports-"))

    def buttons(self, turns: list[dict[str, Any]]) -> tuple[Any, Any]:
        records = [t["record"] for t in turns if t.get("record")]
        if not records:
            return gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False)
        self._clean()
        md, docx = export_files(records, self.folder)
        return gr.DownloadButton(value=str(md), interactive=True), gr.DownloadButton(value=str(docx), interactive=True)

    def _clean(self) -> None:
        cutoff = time.time() - EXPORT_MAX_AGE_S
        for d in self.folder.iterdir():
            try:
                if d.stat().st_mtime < cutoff:
                    for f in d.iterdir():
                        f.unlink(missing_ok=True)
                    d.rmdir()
            except OSError:
                pass


def after_answer(exports: Exports) -> Callable[..., Any]:
    """Run after every chat event: the question into the history, the export buttons refreshed."""

    def tools_after_answer(turns: list[dict[str, Any]], history: Any):  # (a name no API endpoint uses)
        h = hist.remember(history, turns[-1]) if turns else hist.entries(history)
        md, docx = exports.buttons(turns)
        return h, hist.render_history(h), md, docx

    return tools_after_answer


def clear_history(answer: Any) -> tuple[Any, Any]:
    """清空: the page's confirmation passes "clear" on "yes" (anything else keeps the history)."""
    if answer != "clear":
        return gr.skip(), gr.skip()
    return [], hist.render_history([])
