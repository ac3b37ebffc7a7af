"""Optional generated answers from an OpenAI-compatible endpoint (off by default).

For people who run an LLM on their network. The model sees the numbered passages and must cite
them as [n]. Its answer is checked, not trusted: every sentence must cite passages that are in
the results, every figure and date in it must appear in a cited passage, and most of its wording
must come from them. One unsupported sentence and the extractive answer is shown instead.
Uses only the standard library (urllib): no client package to install.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, replace

from .analyze import normalize
from .chunk import split_sentences
from .models import Answer

REF = re.compile(r"\[(\d+)\]")
FIGURE = re.compile(r"\d+(?:\.\d+)?")
SYSTEM = (
    "你是区级公报问答助手。只根据给出的编号段落回答，用中文，简短。每句话末尾用 [编号] 标出依据的段落。"
    "段落中没有的内容不要说；如果段落不能回答问题，回答“公报中没有找到”。"
)


@dataclass(frozen=True)
class LLMSettings:
    endpoint: str = ""  # e.g. http://127.0.0.1:8000/v1 ; "" = off
    model: str = ""
    api_key: str = ""
    timeout: float = 30.0
    min_overlap: float = 0.6  # share of a sentence's character bigrams found in its cited passages

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint and self.model)


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\W_]+", "", normalize(REF.sub("", text)))
    return {t[i : i + 2] for i in range(len(t) - 1)}


def unsupported(text: str, passages: dict[int, str], min_overlap: float = 0.6) -> list[str]:
    """Sentences of `text` that their cited passages do not support (empty list: all supported)."""
    bad = []
    for sent in split_sentences(text.replace("\n", "")):
        body = REF.sub("", sent).strip(" 。；;，,")
        if not body:
            continue
        refs = [int(r) for r in REF.findall(sent)]
        cited = [passages[r] for r in refs if r in passages]
        if not refs or len(cited) != len(refs):
            bad.append(sent)
            continue
        source = normalize("".join(cited))
        if any(f not in source for f in FIGURE.findall(normalize(body))):
            bad.append(sent)
            continue
        grams = _bigrams(body)
        if grams and len(grams & _bigrams(source)) / len(grams) < min_overlap:
            bad.append(sent)
    return bad


def _chat(settings: LLMSettings, question: str, passages: dict[int, str]) -> str:
    ctx = "\n".join(f"[{n}] {t}" for n, t in passages.items())
    body = {
        "model": settings.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"段落：\n{ctx}\n\n问题：{question}"},
        ],
    }
    req = urllib.request.Request(
        settings.endpoint.rstrip("/") + "/chat/completions",
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}),
        },
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=settings.timeout) as resp:
        data = json.loads(resp.read().decode("utf-8"))
    return str(data["choices"][0]["message"]["content"]).strip()


def generate(answer: Answer, settings: LLMSettings, top: int = 5) -> Answer:
    """The generated answer where every sentence is supported, else `answer` with a note why."""
    if not settings.enabled or answer.abstained or not answer.hits:
        return answer
    passages = {i: h.passage.text for i, h in enumerate(answer.hits[:top], start=1)}
    try:
        text = _chat(settings, answer.question, passages)
    except (urllib.error.URLError, OSError, KeyError, IndexError, ValueError) as e:
        return replace(
            answer, extra={**answer.extra, "generator": f"unavailable ({type(e).__name__}): extractive answer"}
        )
    bad = unsupported(text, passages, settings.min_overlap)
    if bad:
        return replace(
            answer,
            extra={
                **answer.extra,
                "generator": f"rejected: {len(bad)} sentence(s) not supported by the cited passages",
            },
        )
    quotes = "\n".join(f"「{e.sentence}」[{e.ref}]" for e in answer.evidence)
    return replace(
        answer,
        text=f"{text}\n\n依据：\n{quotes}" if quotes else text,
        extra={**answer.extra, "generator": settings.model},
    )
