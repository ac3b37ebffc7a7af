"""提问历史: the questions asked in this browser, kept in its localStorage (`gr.BrowserState`), so
they survive a reload and a restart of the server; listed in the chat's side panel, each asked
again with one click; 清空 forgets them.

An entry is {"id", "q", "district", "date_from", "date_to", "scope", "answer", "at"}: the question
as searched (a follow-up resolved against its turn), the filters it was asked under (asked again
under the same ones), the first line of the answer (shortened) and when. The newest comes first;
asking a question again moves it to the top.
The value is encrypted by Gradio with a secret derived from the index folder, so the history of
one installation stays readable after its server restarts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .render import esc

STORAGE_KEY = "gongbao-qa-history"
MAX_ENTRIES = 100
ANSWER_CHARS = 60

# Runs once for the history panel: a click on an entry asks it again (see `reask` in ui/tools.py).
HISTORY_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-ask]');
  if (!b || !element.contains(b)) return;
  e.preventDefault();
  trigger('click', {ask: b.dataset.ask});
});
"""


def secret_for(index_dir: Path) -> str:
    """A stable secret for the BrowserState of one installation (its index folder)."""
    return hashlib.sha256(f"gongbao-qa history {index_dir.resolve()}".encode()).hexdigest()[:32]


def entries(value: Any) -> list[dict[str, Any]]:
    """The stored value as a list of entries (anything else, e.g. from an older app, is dropped)."""
    if not isinstance(value, list):
        return []
    return [e for e in value if isinstance(e, dict) and isinstance(e.get("q"), str) and e.get("id")]


def remember(history: Any, turn: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The history with the question of `turn` (a chat turn with its `ask` facts) on top."""
    items = entries(history)
    ask = turn.get("ask")
    if not isinstance(ask, Mapping) or not turn.get("id"):
        return items
    if any(e["id"] == turn["id"] for e in items):
        return items  # already recorded
    scope = (ask.get("district") or "", ask.get("date_from") or "", ask.get("date_to") or "")
    answer = str(turn.get("answer") or "").split("\n", 1)[0].strip()
    entry = {
        "id": turn["id"],
        # a follow-up is kept as it was searched ("她还参加了哪些活动" -> "宋洁还参加了哪些活动"),
        # so that asking it again later means the same without the conversation around it
        "q": str((turn.get("record") or {}).get("resolved") or ask.get("question") or ""),
        "district": scope[0],
        "date_from": scope[1],
        "date_to": scope[2],
        "scope": str(turn.get("filters") or ""),
        "answer": answer if len(answer) <= ANSWER_CHARS else answer[: ANSWER_CHARS - 1] + "…",
        "at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    same = [
        e
        for e in items
        if (e["q"], e.get("district", ""), e.get("date_from", ""), e.get("date_to", "")) == (entry["q"], *scope)
    ]
    rest = [e for e in items if e not in same]
    return [entry, *rest][:MAX_ENTRIES]


def find(history: Any, entry_id: object) -> dict[str, Any] | None:
    return next((e for e in entries(history) if e["id"] == str(entry_id)), None)


def _when(at: str) -> str:
    try:
        t = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return ""
    return f"{t:%m-%d %H:%M}"


def render_history(history: Any) -> str:
    items: Sequence[dict[str, Any]] = entries(history)
    head = f'<div class="side-title">提问历史<span class="h-count">（{len(items)}）</span></div>'
    if not items:
        return (
            f'<div class="history">{head}<div class="side-note h-empty">还没有提问。提过的问题保存在本浏览器里，'
            "刷新页面也不会丢失；点击即可再问一次。</div></div>"
        )
    rows = []
    for e in items:
        meta = " · ".join(x for x in (e.get("scope") or "", _when(str(e.get("at") or ""))) if x)
        answer = f'<div class="h-answer">{esc(e.get("answer") or "")}</div>' if e.get("answer") else ""
        rows.append(
            f'<li><button type="button" class="h-ask" data-ask="{esc(e["id"])}" title="再问一次">'
            f'{esc(e["q"])}</button>{answer}<div class="h-meta">{esc(meta)}</div></li>'
        )
    return f'<div class="history">{head}<ol class="h-list">{"".join(rows)}</ol></div>'
