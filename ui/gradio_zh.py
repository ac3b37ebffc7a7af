"""Gradio's own texts in Chinese whatever the browser's language.

Gradio translates its texts ("Drop File Here", "Built with Gradio", "Error") by the browser's
locale and has no setting for the app's language. Its documented `launch(i18n=gr.I18n(...))`
adds translations per locale; this module gives the English locale (also Gradio's fallback for
languages it lacks) Gradio's own Simplified Chinese texts, read from the zh-CN file shipped with
the installed Gradio, as flat dotted keys ("upload_text.drop_file"), which the frontend looks up
before its nested English texts. A browser set to another language Gradio has (e.g. French)
keeps Gradio's texts in that language; every text of the app itself is Chinese anyway.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import gradio as gr

log = logging.getLogger(__name__)

ASSETS = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
# keys the installed Gradio uses without an entry in its own language tables (its status
# announcement reads "common.complete" aloud and shows it to a text browser)
EXTRA = {"common.complete": "已完成", "common.runs": "运行记录", "common.download_all": "全部下载"}


class _Parser:
    """The object literals of Gradio's minified language module: `var a=`…`,b={k:`…`,…},…;export{…}`."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def _ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \n\t\r":
            self.i += 1

    def _ident(self) -> str:
        self._ws()
        m = re.compile(r"[\w$]+").match(self.s, self.i)
        if not m:
            raise ValueError(f"identifier expected at {self.i}")
        self.i = m.end()
        return m.group(0)

    def _string(self) -> str:
        q = self.s[self.i]
        j = self.i + 1
        out = []
        while self.s[j] != q:
            if self.s[j] == "\\":
                j += 1
                out.append({"n": "\n", "t": "\t"}.get(self.s[j], self.s[j]))
            else:
                out.append(self.s[j])
            j += 1
        self.i = j + 1
        return "".join(out)

    def value(self, names: dict[str, Any]) -> Any:
        self._ws()
        c = self.s[self.i]
        if c in "`\"'":
            return self._string()
        if c == "{":
            self.i += 1
            obj: dict[str, Any] = {}
            while True:
                self._ws()
                if self.s[self.i] == "}":
                    self.i += 1
                    return obj
                key = self._string() if self.s[self.i] in "`\"'" else self._ident()
                self._ws()
                if self.s[self.i] != ":":
                    raise ValueError(f"':' expected at {self.i}")
                self.i += 1
                obj[key] = self.value(names)
                self._ws()
                if self.s[self.i] == ",":
                    self.i += 1
        name = self._ident()
        return names.get(name)

    def module(self) -> dict[str, Any]:
        """The module's variables, by name."""
        start = self.s.index("var ") + 4
        self.i = start
        names: dict[str, Any] = {}
        while True:
            name = self._ident()
            self._ws()
            if self.s[self.i] != "=":
                raise ValueError(f"'=' expected at {self.i}")
            self.i += 1
            names[name] = self.value(names)
            self._ws()
            if self.s[self.i] == ",":
                self.i += 1
                continue
            return names


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, str) and not k.startswith("_"):
            out[key] = v
    return out


def parse_language_module(text: str) -> dict[str, str]:
    """Gradio's minified language module -> {"upload_text.drop_file": "将文件拖放到此处", ...}."""
    names = _Parser(text).module()
    tables = [v for v in names.values() if isinstance(v, dict) and "_name" in v]
    if not tables:
        raise ValueError("no language table in the module")
    return _flatten(max(tables, key=len))


def chinese_texts(assets: Path = ASSETS) -> dict[str, str]:
    """Gradio's Simplified Chinese texts, flat; {} when the installed Gradio has none we can read."""
    for path in sorted(assets.glob("zh-CN-*.js")):
        try:
            texts = parse_language_module(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, IndexError) as err:
            log.warning("cannot read Gradio's Chinese texts from %s: %s", path.name, err)
            continue
        if texts:
            return {**EXTRA, **texts}
    log.warning("no Chinese texts of Gradio found in %s: Gradio's own texts follow the browser's language", assets)
    return {}


def chinese_i18n() -> gr.I18n | None:
    """`launch(i18n=...)`: Gradio's texts in Chinese for English (and unknown-language) browsers."""
    texts = chinese_texts()
    return gr.I18n(en=texts) if texts else None
