"""The optional generator: answers from an OpenAI-compatible endpoint are checked, not trusted.

A real HTTP server on loopback plays the endpoint; it returns whatever the test scripts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from rag.generate import LLMSettings, generate, unsupported
from rag.models import Answer, Evidence, Hit, Passage

PASSAGE = Passage(
    source="004.txt",
    article_id="a1",
    article_index=8,
    title="我区举办职工技能培训班",
    paragraph=1,
    paragraph_end=1,
    text="12月2日，我区举办职工技能培训班。本次培训为期15天，分期分批对全区73名企业职工进行培训。",
    district="上街区",
    date="2021-12-02",
    citation="上街区 · 《我区举办职工技能培训班》 · 第1段",
)
EXTRACTIVE = Answer(
    question="职工技能培训班为期多少天?",
    text="15天 [1]\n\n依据：\n「本次培训为期15天，分期分批对全区73名企业职工进行培训。」[1]",
    abstained=False,
    hits=(Hit(PASSAGE, 1.0, 0),),
    evidence=(Evidence("本次培训为期15天，分期分批对全区73名企业职工进行培训。", 1, PASSAGE.id),),
)


class FakeLLM:
    def __init__(self) -> None:
        self.reply = ""
        self.requests: list[dict] = []


@pytest.fixture()
def llm() -> Iterator[tuple[FakeLLM, str]]:
    state = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
            out = json.dumps({"choices": [{"message": {"role": "assistant", "content": state.reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield state, f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_off_by_default() -> None:
    assert not LLMSettings().enabled
    assert generate(EXTRACTIVE, LLMSettings()) is EXTRACTIVE


def test_supported_answer_is_accepted(llm: tuple[FakeLLM, str]) -> None:
    state, url = llm
    state.reply = "职工技能培训班为期15天 [1]。"
    out = generate(EXTRACTIVE, LLMSettings(endpoint=url, model="local", api_key="k"))
    assert out.text.startswith("职工技能培训班为期15天 [1]")
    assert "「本次培训为期15天" in out.text  # the quoted evidence stays
    assert out.extra["generator"] == "local"
    sent = state.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer k"
    assert "[1]" in sent["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        "职工技能培训班为期30天 [1]。",  # a figure the passage does not have
        "职工技能培训班为期15天。",  # no citation
        "培训为期15天 [2]。",  # cites a passage that is not in the results
        "培训为期15天 [1]。培训由区长李兵亲自主持并讲话 [1]。",  # one sentence the passage does not say
    ],
)
def test_unsupported_answer_falls_back_to_the_extractive_one(llm: tuple[FakeLLM, str], reply: str) -> None:
    state, url = llm
    state.reply = reply
    out = generate(EXTRACTIVE, LLMSettings(endpoint=url, model="local"))
    assert out.text == EXTRACTIVE.text
    assert out.extra["generator"].startswith("rejected")


def test_unreachable_endpoint_keeps_the_extractive_answer() -> None:
    out = generate(EXTRACTIVE, LLMSettings(endpoint="http://127.0.0.1:9/v1", model="x", timeout=2))
    assert out.text == EXTRACTIVE.text
    assert "unavailable" in out.extra["generator"]


def test_unsupported_checks_each_sentence() -> None:
    passages = {1: PASSAGE.text}
    assert unsupported("本次培训为期15天 [1]。", passages) == []
    assert len(unsupported("本次培训为期15天 [1]。共有99名职工参加 [1]。", passages)) == 1
