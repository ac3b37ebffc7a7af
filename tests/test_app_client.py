"""The app through its API (`gradio_client`) and the app's own checks, without a browser.

One server for the module (`python -m rag serve` on a free port, a copy of seeds/, a fresh index
that the server builds itself); upload limit 1 MB so that the size check is cheap to hit.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from app_helpers import (
    NEW_BULLETIN,
    NEW_BULLETIN_NAME,
    NEW_BULLETIN_QUESTION,
    SEEDS,
    RunningApp,
    page_load,
    running_app,
)

from rag.errors import RagError
from rag.models import Answer, Article, Bulletin, Evidence, Hit, Paragraph, Passage
from rag.service import QA, CitationView
from rag.store import Store
from ui import render
from ui.api import make_filters, normalize_date
from ui.app import parse_auth

gradio_client = pytest.importorskip("gradio_client")
Client = gradio_client.Client
handle_file = gradio_client.handle_file
AppError = gradio_client.exceptions.AppError

CID = re.compile(r"^[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("app-client"), {"RAG_MAX_UPLOAD_MB": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def client(app: RunningApp) -> Client:
    return Client(app.url, verbose=False, download_files=False)


# ---- the API ---------------------------------------------------------------------------------


def test_api_lists_the_named_endpoints(client: Client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/ask", "/lookup", "/bulletins", "/upload", "/update", "/remove"} <= names


def test_ask_returns_cited_passages(client: Client) -> None:
    r = client.predict("谁主持了安委会会议", api_name="/ask")
    assert r["question"] == "谁主持了安委会会议"
    assert r["answer"]
    assert r["passages"], r
    for n, p in enumerate(r["passages"], start=1):
        assert p["ref"] == n
        assert CID.match(p["citation_id"])
        assert p["citation"] and p["source"].endswith(".txt") and p["text"]
        assert p["link"] == f"?cite={p['citation_id']}"
    assert any("安委会" in p["title"] + p["text"] or "安全生产委员会" in p["text"] for p in r["passages"][:3])
    if not r["abstained"]:
        ids = {p["citation_id"] for p in r["passages"]}
        assert r["evidence"] and all(e["citation_id"] in ids for e in r["evidence"])


def test_ask_honours_district_and_top_k(client: Client) -> None:
    r = client.predict("召开会议", "上街区", "", "", 3, api_name="/ask")
    assert 0 < len(r["passages"]) <= 3
    assert {p["district"] for p in r["passages"]} == {"上街区"}


def test_ask_refuses_a_bad_date_with_a_message(client: Client) -> None:
    with pytest.raises(AppError, match="日期"):
        client.predict("召开会议", "", "明天", "", 5, api_name="/ask")


def test_ask_refuses_an_empty_question(client: Client) -> None:
    with pytest.raises(AppError, match="问题为空"):
        client.predict("  ", api_name="/ask")


def test_lookup_returns_the_whole_article(client: Client) -> None:
    p = client.predict("谁主持了安委会会议", api_name="/ask")["passages"][0]
    v = client.predict(p["citation_id"], api_name="/lookup")
    assert v["citation_id"] == p["citation_id"] and v["source"] == p["source"]
    assert v["article"]["title"] == p["title"]
    body = "".join(v["article"]["paragraphs"])
    assert v["passage"].replace(" ", "")[:20] in body.replace(" ", "")
    assert v["bulletin_link"] == f"?bulletin={p['source']}"
    assert v["article"]["reporters"]


def test_lookup_of_an_unknown_id_says_so(client: Client) -> None:
    with pytest.raises(AppError, match="000000000000"):
        client.predict("000000000000", api_name="/lookup")


def test_bulletins_lists_the_seeds(client: Client) -> None:
    rows = client.predict(api_name="/bulletins")
    assert sorted(r["source"] for r in rows) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert all(r["n_articles"] > 0 and r["n_passages"] > 0 and r["indexed_at"] for r in rows)


def test_page_load_fills_the_library_and_the_bulletin_list(app: RunningApp) -> None:
    """The library table, the bulletin list and the file choices come with the page's load event
    (the page itself carries placeholders); each bulletin card has its lead title."""
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    data, _ = page_load(app.url)
    library_html, bulletin_sel, bulletin_list, remove_sel = data[1], data[3], data[4], data[5]
    assert all(name in library_html for name in seeds)
    assert bulletin_list.count('class="bcard"') == len(seeds)
    assert bulletin_list.count('class="blead"') == len(seeds)
    assert sorted(c[1] for c in bulletin_sel["choices"]) == seeds
    assert sorted(c[1] for c in remove_sel["choices"]) == seeds


def test_bulletin_details_are_those_of_the_articles(qa: QA, tmp_path: Path) -> None:
    """The bulletin list's lead title (first article, with its sub-headlines) and span of article
    dates (MM-DD) come from one query; they are what the bulletins' own articles give."""

    def expected(articles: list[Article]) -> tuple[str, str]:
        dates = sorted(a.date[-5:] for a in articles if a.date)
        span = (dates[0] if dates[0] == dates[-1] else f"{dates[0]} 至 {dates[-1]}") if dates else ""
        return articles[0].full_title, span

    store = qa.index.store
    want = {}
    for row in store.bulletins():
        b = store.bulletin(row["source"])
        assert b is not None and b.articles
        want[b.source] = expected(list(b.articles))
    assert store.bulletin_leads() == want

    # dates with and without a year, none at all, sub-headlines, first index not 0
    arts = {
        "a.txt": [Article("a.txt", 2, "甲", ("副题一", "副题二"), "", (), "", "2021-12-01", (), ""),
                  Article("a.txt", 3, "乙", (), "", (), "", "11-30", (), ""),
                  Article("a.txt", 5, "丙", (), "", (), "", "", (), "")],
        "b.txt": [Article("b.txt", 0, "丁", (), "", (), "", "", (), "")],
        "c.txt": [Article("c.txt", 0, "戊", (), "", (), "", "03-08", (), ""),
                  Article("c.txt", 1, "己", (), "", (), "", "2020-03-08", (), "")],
    }  # fmt: skip
    path = tmp_path / "store.sqlite"
    with closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE articles (id TEXT, source TEXT, idx INTEGER, title TEXT, subtitles TEXT, date TEXT)")
        con.executemany(
            "INSERT INTO articles VALUES (?,?,?,?,?,?)",
            [
                (a.id, a.source, a.index, a.title, json.dumps(a.subtitles, ensure_ascii=False), a.date)
                for rows in arts.values()
                for a in reversed(rows)
            ],
        )
        con.commit()
    got = Store(path).bulletin_leads()
    assert got == {source: expected(rows) for source, rows in arts.items()}
    assert got["a.txt"] == ("甲 / 副题一 / 副题二", "11-30 至 12-01")


def _upload(client: Client, *paths: Path) -> dict:
    return client.predict([handle_file(str(p)) for p in paths], api_name="/upload")


def test_bad_uploads_are_refused_with_reasons(client: Client, app: RunningApp, tmp_path: Path) -> None:
    before = sorted(p.name for p in app.corpus.iterdir())
    seed = next(iter(sorted(SEEDS.glob("*.txt"))))
    files = {
        "report.pdf": b"%PDF-1.4 not a bulletin",
        "big.txt": ("本报讯 " + "很长的公报。" * 90_000).encode("utf-8"),  # 1.6 MB: over the 1 MB limit
        "binary.txt": bytes(range(256)) * 40,
        "copy-of-seed.txt": seed.read_bytes(),
        seed.name: b"same name as a seed",
        ".hidden.txt": NEW_BULLETIN.encode("utf-8"),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    r = _upload(client, *paths)
    assert r["saved"] == [] and r["report"] is None
    reasons = {x["file"]: x["reason"] for x in r["refused"]}
    assert len(reasons) == len(files), reasons
    assert ".txt" in reasons["report.pdf"] and "PDF" in reasons["report.pdf"]
    assert "1 MB" in reasons["big.txt"]
    assert "无法读取" in reasons["binary.txt"]
    assert seed.name in reasons["copy-of-seed.txt"] and "相同" in reasons["copy-of-seed.txt"]
    assert "同名" in reasons[seed.name]
    assert "." in reasons[".hidden.txt"] and "开头" in reasons[".hidden.txt"]
    assert sorted(p.name for p in app.corpus.iterdir()) == before  # nothing written, no temp files left


def test_upload_ask_lookup_remove(client: Client, app: RunningApp, tmp_path: Path) -> None:
    new = tmp_path / NEW_BULLETIN_NAME
    new.write_text(NEW_BULLETIN, encoding="utf-8")
    r = _upload(client, new)
    assert r["saved"] == [NEW_BULLETIN_NAME] and r["refused"] == []
    assert r["report"]["added"] == [NEW_BULLETIN_NAME]
    assert (app.corpus / NEW_BULLETIN_NAME).read_text(encoding="utf-8") == NEW_BULLETIN

    ans = client.predict(NEW_BULLETIN_QUESTION, api_name="/ask")
    assert not ans["abstained"], ans
    assert ans["passages"][0]["source"] == NEW_BULLETIN_NAME
    cited = {p["citation_id"]: p["source"] for p in ans["passages"]}
    assert any(cited[e["citation_id"]] == NEW_BULLETIN_NAME for e in ans["evidence"])
    assert "3200" in ans["answer"]

    v = client.predict(ans["passages"][0]["citation_id"], api_name="/lookup")
    assert v["issue_no"] == "第36期(总第711期)" and v["article"]["reporters"] == ["孙晓梅"]

    again = _upload(client, new)  # the same file twice: refused as a duplicate
    assert again["saved"] == [] and "同名" in again["refused"][0]["reason"]

    gone = client.predict(NEW_BULLETIN_NAME, api_name="/remove")
    assert gone["removed"] == [NEW_BULLETIN_NAME]
    assert not (app.corpus / NEW_BULLETIN_NAME).exists()
    after = client.predict(NEW_BULLETIN_QUESTION, api_name="/ask")
    assert all(p["source"] != NEW_BULLETIN_NAME for p in after["passages"])


def test_chat_answers_from_the_old_index_while_it_is_rebuilt(client: Client) -> None:
    job = client.submit(True, api_name="/update")
    answered = 0
    deadline = time.monotonic() + 600
    while not job.done() and time.monotonic() < deadline:
        r = client.predict("谁主持了安委会会议", api_name="/ask")
        assert r["passages"]
        answered += 1
        time.sleep(0.2)
    report = job.result(timeout=600)
    assert report["passages"] > 0 and report["version"]
    assert answered >= 1
    assert client.predict("谁主持了安委会会议", api_name="/ask")["passages"]


def test_removing_an_unknown_file_is_refused(client: Client) -> None:
    with pytest.raises(AppError, match="没有文件"):
        client.predict("no-such-bulletin.txt", api_name="/remove")
    with pytest.raises(AppError, match="路径"):
        client.predict("../seeds/000_84ebe029d2cf1232.txt", api_name="/remove")


def test_a_login_from_the_configuration_is_required(app: RunningApp, tmp_path: Path) -> None:
    with running_app(tmp_path, {"RAG_AUTH": "editor:s3cret"}, share=app) as locked:
        with pytest.raises(gradio_client.exceptions.AuthenticationError):
            Client(locked.url, verbose=False)
        c = Client(locked.url, auth=("editor", "s3cret"), verbose=False)
        assert c.predict("谁主持了安委会会议", api_name="/ask")["passages"]


def _http(url: str, headers: dict[str, str], data: bytes | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def test_the_real_server_refuses_foreign_hosts_origins_and_repeated_failed_logins(
    app: RunningApp, tmp_path: Path
) -> None:
    """DNS rebinding and password guessing against the real server (`ui.guard`)."""
    status, text = _http(app.url, {"Host": "evil.example:7860"})
    assert status == 400 and "主机名" in text
    status, text = _http(app.url + "gradio_api/info", {"Origin": "http://evil.example"})
    assert status == 403 and "其他网站" in text
    assert _http(app.url, {"Host": "localhost"})[0] == 200
    with running_app(tmp_path, {"RAG_AUTH": "editor:s3cret"}, share=app) as locked:
        form = urllib.parse.urlencode({"username": "editor", "password": "wrong"}).encode()
        codes = [_http(locked.url + "login", {}, form)[0] for _ in range(5)]
        assert codes == [400] * 5
        right = urllib.parse.urlencode({"username": "editor", "password": "s3cret"}).encode()
        status, text = _http(locked.url + "login", {}, right)
        assert status == 429 and "秒后再试" in text


def test_follow_up_questions_use_the_history(client: Client) -> None:
    first = client.predict("谁带队夜查大气污染防治工作", api_name="/ask")
    follow = client.predict("她还参加了哪些活动", history=[[first["question"], first["text"]]], api_name="/ask")
    assert follow["question"] == "她还参加了哪些活动"
    assert follow["passages"]
    if not first["abstained"]:
        assert follow["resolved_question"] != follow["question"]


# ---- the app's own checks, without a server ---------------------------------------------------


def test_auth_setting_is_parsed() -> None:
    assert parse_auth("") is None
    assert parse_auth("editor:pa:ss") == ("editor", "pa:ss")
    for bad in ("editor", ":pw", "editor:"):
        with pytest.raises(RagError, match="user:password"):
            parse_auth(bad)


def test_dates_are_normalised() -> None:
    assert normalize_date("2021/12/1") == "2021-12-01"
    assert normalize_date("12月5日") == "12-05"
    assert normalize_date(" ") == ""
    f = make_filters("全部", "11-1", "2021-12-31")
    assert (f.district, f.date_from, f.date_to) == ("", "11-01", "2021-12-31")
    with pytest.raises(Exception, match="日期"):
        normalize_date("13-40")


EVIL = '<script>alert(1)</script> **粗体** [链接](javascript:alert(1)) <img src=x onerror="alert(2)">'


def _evil_view() -> tuple[Answer, CitationView]:
    para = Paragraph(f"本报讯 区长{EVIL}主持会议。会议要求落实。", "")
    art = Article("evil.txt", 0, f"标题{EVIL}", (), "", (para,), "本报讯", "12-05", ("记者<b>甲</b>",), "(记者 甲)")
    p = Passage("evil.txt", art.id, 0, art.title, 1, 1, para.text, "上街区", "12-05", f"出处{EVIL}")
    b = Bulletin("evil.txt", "0" * 64, "utf-8", f"单位{EVIL}", "上街区", "", "", (art,))
    hit = Hit(p, 0.9, 0, matched_terms=("区长", "<script>"))
    ans = Answer(
        "谁主持", f"区长{EVIL}主持会议。 [1]\n\n依据：\n「…」[1]", False, (hit,), (Evidence(para.text, 1, p.id),)
    )
    return ans, CitationView(p, art, b, b.label)


def test_bulletin_text_is_escaped_everywhere() -> None:
    ans, view = _evil_view()
    pieces = [
        render.render_answer(ans),
        render.render_citation(view),
        render.render_bulletin(view.bulletin, {view.passage.article_id: [view.passage]}),  # type: ignore[arg-type]
        render.render_conversation([{"question": EVIL, "html": render.render_answer(ans), "filters": EVIL}]),
        render.render_library([{"source": EVIL, "publisher": EVIL, "district": "", "n_articles": 1}], [(EVIL, EVIL)]),
    ]
    for html in pieces:
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;" in html
    cited = render.render_citation(view)
    assert '<mark class="cited">' in cited  # the passage is highlighted ...
    assert "javascript:alert" in cited and 'href="javascript' not in cited  # ... and Markdown stays text


def test_terms_are_highlighted_in_the_original_text() -> None:
    html = render.highlight_terms("ＡＢＣ公司与abc合作", ["abc"])
    assert html.count('<mark class="term">') == 2
    assert '<mark class="term">ＡＢＣ</mark>' in html


def test_related_endpoint(client: Client) -> None:
    """/related: the other articles on the topic or about the people of a citation's article."""
    p = client.predict("二七区组织召开安委会第四次全体会议", api_name="/ask")["passages"][0]
    items = client.predict(p["citation_id"], 3, api_name="/related")
    assert 1 <= len(items) <= 3
    for r in items:
        assert CID.match(r["citation_id"]) and r["link"] == f"?cite={r['citation_id']}"
        assert r["title"] and isinstance(r["shared_names"], list) and isinstance(r["score"], float)
        assert client.predict(r["citation_id"], api_name="/lookup")["article"]["title"] == r["title"]
    with pytest.raises(AppError):
        client.predict("000000000000", api_name="/related")


def test_the_quoted_sentence_is_marked_inside_the_cited_passage() -> None:
    ans, view = _evil_view()
    first = f"本报讯 区长{EVIL}主持会议。"
    # found: one mark, inside the highlighted passage, its text escaped
    html = render.render_citation(view, "会议要求落实。")
    assert html.count('<mark class="quoted">') == 1
    assert '<mark class="cited"><mark class="quoted">会议要求落实。</mark></mark>' in html
    html = render.render_citation(view, first)
    assert html.count('<mark class="quoted">') == 1
    assert f'<mark class="quoted">{render.esc(first)}</mark>' in html
    assert "<script" not in html and "<img" not in html
    # compared after the renderer's normalisation (NFKC): full-width punctuation still matches
    assert render.render_citation(view, "会议要求落实．").count('<mark class="quoted">') == 0
    assert render.render_citation(view, "会议要求落实｡").count('<mark class="quoted">') == 1
    # not found (or no sentence, as with a plain ?cite=ID): nothing marked, the passage still is
    for sentence in ("", "会议要求全面落实。", "<script>alert(3)</script>", "x" * 5000):
        html = render.render_citation(view, sentence)
        assert '<mark class="quoted">' not in html and '<mark class="cited">' in html
        assert "<script" not in html
    # the answer's links carry the quoted sentence, URL-encoded in the href
    answer = render.render_answer(ans)
    quoted = ans.evidence[0].sentence
    assert f'data-quote="{render.esc(quoted)}"' in answer
    assert render.esc(render.cite_href(view.passage.id, quoted)) in answer
    assert render.cite_href("abc", "<a&b>") == "?cite=abc&quote=%3Ca%26b%3E"
    assert render.cite_href("abc") == "?cite=abc"
