"""Text analysis for the lexical half: NFKC normalisation and jieba tokens.

Each index owns a `jieba.Tokenizer` (never jieba's process-wide default) so that its user
dictionary of names harvested from its own bulletins cannot leak into another index.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba
import opencc

jieba.setLogLevel(logging.WARNING)

_T2S: opencc.OpenCC | None = None
_TRAD: re.Pattern[str] | None = None
_T2S_LOCK = threading.Lock()


def _converter() -> tuple[opencc.OpenCC, re.Pattern[str]]:
    """OpenCC's traditional -> simplified converter and a character class of every character
    it changes on its own (built once, ~10 ms): text without one of them is left as it is."""
    global _T2S, _TRAD
    with _T2S_LOCK:
        if _T2S is None or _TRAD is None:
            conv = opencc.OpenCC("t2s")
            chars = [chr(c) for c in range(0x3400, 0xA000)]
            done = conv.convert("\n".join(chars)).split("\n")
            trad = "".join(a for a, b in zip(chars, done, strict=True) if a != b)
            _TRAD = re.compile(f"[{re.escape(trad)}]")
            _T2S = conv
        return _T2S, _TRAD


def to_simplified(text: str) -> str:
    """Traditional Chinese -> simplified (OpenCC t2s, with its phrase tables). Text holding no
    character that has a simplified form of its own is returned as it is, without converting."""
    conv, trad = _converter()
    if not trad.search(text):
        return text
    return conv.convert(text)


STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "等",
        "对",
        "为",
        "有",
        "就",
        "都",
        "而",
        "及其",
        "以及",
        "并",
        "或",
        "也",
        "还",
        "把",
        "被",
        "将",
        "从",
        "于",
        "上",
        "中",
        "下",
        "这",
        "那",
        "其",
        "之",
        "谁",
        "什么",
        "哪",
        "哪些",
        "哪个",
        "哪里",
        "哪儿",
        "哪天",
        "几",
        "多少",
        "怎么",
        "怎样",
        "怎么样",
        "如何",
        "为何",
        "为什么",
        "吗",
        "呢",
        "吧",
        "啊",
        "么",
        "是否",
        "有没有",
        "请问",
        "一下",
        "告诉",
        "我",
        "我们",
        "你",
        "他",
        "她",
        "它",
        "他们",
        "个",
        "位",
        "项",
        "次",
        "些",
        "做",
        "了解",
        "具体",
        "指",
        "提出",
        "情况",
        "方面",
        "哪几",
        "几点",
    ]
)
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)


@lru_cache(maxsize=16_384)
def normalize(text: str) -> str:
    """Simplified characters, NFKC (full-width -> half-width), lower case, whitespace collapsed.
    Cached: answering one question normalises the same sentences and words hundreds of times."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", to_simplified(text))).strip().lower()


class Analyzer:
    """jieba with an optional user dictionary; tokens for BM25 (search mode, no stopwords)."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self._words = sorted(set(user_words))
        self._tok: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def user_words(self) -> list[str]:
        return list(self._words)

    def _tokenizer(self) -> jieba.Tokenizer:
        with self._lock:
            if self._tok is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                # jieba adds each word's frequency to its total, which shifts every segmentation
                # score: keep the total of the base dictionary so that how a text is cut depends
                # only on the dictionary words printed in it (an update re-tokenises just those)
                base = tok.total
                for w in self._words:
                    tok.add_word(w, freq=max(tok.suggest_freq(w), 2000))
                    tok.total = base
                self._tok = tok
            return self._tok

    def words(self, text: str, hmm: bool = True) -> list[str]:
        """Plain jieba segmentation of normalised text (for display and matching); `hmm=False` keeps
        jieba from joining leftover characters into new words (时去 in 督导安全生产时去了)."""
        return [w for w in self._tokenizer().lcut(normalize(text), HMM=hmm) if w.strip()]

    def tokens(self, text: str) -> list[str]:
        """BM25 tokens: search-mode segmentation, punctuation and stopwords dropped."""
        out = []
        for w in self._tokenizer().lcut_for_search(normalize(text)):
            w = w.strip()
            if not w or _PUNCT.match(w) or w in STOPWORDS:
                continue
            out.append(w)
        return out
