"""The vector index policy (rag/vectors.py): exact flat search below the threshold, IVF-SQ8 with
exact re-scoring above it, trained once, added to, retrained on measured drift, saved and loaded.

The IVF tests run on 20,000 unit vectors around 200 random centres (text embeddings cluster by
topic; uniformly random unit vectors have no neighbours worth the name, and no inverted file
finds them) with the flat threshold lowered to 1,000 rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag import vectors as V
from rag.layout import EMBEDDINGS, FAISS

D = 384
N = 20_000
LOW = 1_000  # flat_max for the IVF tests


def _units(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def centres(seed: int, n: int = 200) -> np.ndarray:
    return _units(np.random.default_rng(seed).standard_normal((n, D)))


def around(c: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _units(c[rng.integers(0, len(c), n)] + rng.standard_normal((n, D)).astype(np.float32) / np.sqrt(D))


def exact(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    s = q @ x.T
    return np.argsort(-s, axis=1, kind="stable")[:, :k]


def recall(x: np.ndarray, vi: V.VectorIndex, q: np.ndarray, k: int = 10) -> float:
    _, got = vi.search(q, k)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact(x, q, k), got)]))


@pytest.fixture(scope="module")
def base() -> np.ndarray:
    return around(centres(1), N, 2)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return around(centres(1), 100, 3)


def test_flat_below_threshold_is_exact(base: np.ndarray, queries: np.ndarray) -> None:
    x = base[:3000]
    vi, dec = V.build(x)
    assert dec.action == "exact" and vi.kind == "IndexFlatIP" and vi.record is None
    s, got = vi.search(queries, 10)
    assert np.array_equal(got, exact(x, queries, 10))
    assert np.allclose(s, np.take_along_axis(queries @ x.T, got, axis=1), atol=1e-5)


def test_ivf_recall_and_exact_scores(base: np.ndarray, queries: np.ndarray) -> None:
    vi, dec = V.build(base, flat_max=LOW)
    assert dec.action == "train" and vi.kind.startswith("IVF128,SQ8") and vi.rerank
    assert vi.record is not None and vi.record.trained_rows == N and vi.record.trained_error > 0
    assert recall(base, vi, queries) >= 0.98
    s, got = vi.search(queries, 10)
    # re-scored from the float32 rows: the scores are the exact inner products, best first
    assert np.allclose(s, np.take_along_axis(queries @ base.T, got, axis=1), atol=1e-5)
    assert np.all(np.diff(s, axis=1) <= 1e-7)


def test_add_after_training_keeps_recall_and_finds_new_rows(base: np.ndarray, queries: np.ndarray) -> None:
    vi, _ = V.build(base, flat_max=LOW)
    new = around(centres(1), 300, 4)
    x = np.concatenate([base, new])
    vi, dec = V.update(vi, np.arange(N), x, flat_max=LOW)
    assert dec.action == "add" and (dec.added, dec.removed, dec.rows) == (300, 0, N + 300)
    assert vi.ntotal == N + 300
    assert recall(x, vi, queries) >= 0.98
    _, got = vi.search(new[:20], 1)
    assert got[:, 0].tolist() == list(range(N, N + 20))


def test_removed_rows_are_gone_and_kept_rows_renumbered(base: np.ndarray, queries: np.ndarray) -> None:
    vi, _ = V.build(base, flat_max=LOW)
    gone = np.arange(5000, 5400)  # one changed bulletin's rows
    keep = np.setdiff1d(np.arange(N), gone)
    new = around(centres(1), 300, 5)
    x = np.concatenate([base[keep], new])
    vi, dec = V.update(vi, keep, x, flat_max=LOW)
    assert dec.action == "add" and dec.removed == 400 and vi.ntotal == len(x)
    # a removed vector finds no row holding it
    s, got = vi.search(base[gone[:20]], 1)
    assert np.all(s[:, 0] < 0.999)
    # a kept vector finds its new row number; a later row moved down by the 400 removed
    for old in (0, 4999, 5400, N - 1):
        _, got = vi.search(base[old], 1)
        assert int(got[0, 0]) == int(np.searchsorted(keep, old))
    assert recall(x, vi, queries) >= 0.98


def test_drift_from_shifted_rows_retrains_and_same_rows_do_not(base: np.ndarray) -> None:
    same = around(centres(1), 2000, 6)
    vi, _ = V.build(base, flat_max=LOW)
    vi, dec = V.update(vi, np.arange(N), np.concatenate([base, same]), flat_max=LOW)
    assert dec.action == "add" and dec.drift < 1.1
    shifted = around(centres(99), 2000, 7)  # new topics: centres the index was not trained on
    x = np.concatenate([base, shifted])
    vi, dec = V.update(V.build(base, flat_max=LOW)[0], np.arange(N), x, flat_max=LOW)
    assert dec.action == "retrain" and dec.reason.startswith("drift"), dec
    assert vi.record is not None and vi.record.trained_rows == len(x) and vi.record.added_rows == 0


def test_growth_retrains_and_crossing_the_threshold_trains(base: np.ndarray) -> None:
    small = base[:900]
    vi, dec = V.build(small, flat_max=LOW)
    assert dec.action == "exact"
    vi, dec = V.update(vi, np.arange(900), base[:1500], flat_max=LOW)
    assert dec.action == "train" and dec.reason.startswith("crossed")
    vi, dec = V.update(vi, np.arange(1500), base[:7000], flat_max=LOW)
    assert dec.action == "retrain" and dec.reason.startswith("rows"), dec


def test_save_load_round_trip(tmp_path: Path, base: np.ndarray, queries: np.ndarray) -> None:
    vi, _ = V.build(base, flat_max=LOW)
    np.save(tmp_path / EMBEDDINGS, base)
    V.save(vi, tmp_path)
    assert (tmp_path / FAISS).is_file() and (tmp_path / V.TRAIN_RECORD).is_file()
    back = V.load(tmp_path)
    assert isinstance(back.rows, V.RowFile) and back.record == vi.record and back.kind == vi.kind
    a, b = vi.search(queries, 10), back.search(queries, 10)
    assert np.array_equal(a[1], b[1]) and np.allclose(a[0], b[0])
    assert np.array_equal(back.reconstruct_n(10, 5), base[10:15])
    # the loaded index is updated like the built one
    new = around(centres(1), 300, 8)
    x = np.concatenate([base, new])
    up, dec = V.update(back, np.arange(N), x, flat_max=LOW)
    assert dec.action == "add" and up.ntotal == N + 300
    # the added rows are counted in the record the next update measures drift with
    later = tmp_path / "next"
    later.mkdir()
    np.save(later / EMBEDDINGS, x)
    V.save(up, later)
    again = V.load(later)
    assert again.record is not None and again.record == up.record and again.record.added_rows == 300
    assert recall(x, again, queries) >= 0.98


def test_missing_training_record_retrains_on_update(tmp_path: Path, base: np.ndarray) -> None:
    vi, _ = V.build(base, flat_max=LOW)
    np.save(tmp_path / EMBEDDINGS, base)
    V.save(vi, tmp_path)
    (tmp_path / V.TRAIN_RECORD).unlink()
    back = V.load(tmp_path)
    assert back.record is None and back.rerank
    _, dec = V.update(back, np.arange(N), base, flat_max=LOW)
    assert dec.action == "train" and dec.reason == "no training record"


def test_flat_round_trip(tmp_path: Path, base: np.ndarray, queries: np.ndarray) -> None:
    x = base[:500]
    vi, _ = V.build(x)
    np.save(tmp_path / EMBEDDINGS, x)
    V.save(vi, tmp_path)
    assert not (tmp_path / V.TRAIN_RECORD).exists()
    back = V.load(tmp_path)
    assert back.record is None and np.array_equal(back.search(queries, 5)[1], exact(x, queries, 5))


def test_row_file_rejects_a_short_file(tmp_path: Path) -> None:
    x = _units(np.random.default_rng(0).standard_normal((10, 8)))
    path = tmp_path / "e.npy"
    np.save(path, x)
    rows = V.RowFile(path)
    assert np.array_equal(rows.take(np.array([3, 0, 9])), x[[3, 0, 9]])
    with pytest.raises(IndexError):  # past the rows the header declares
        rows.take(np.array([10]))
    rows.close()
    with path.open("r+b") as f:  # the file cut inside its last row
        f.truncate(path.stat().st_size - 5)
    cut = V.RowFile(path)
    with pytest.raises(OSError, match="cut short"):
        cut.take(np.array([9]))
    cut.close()


def test_one_question_over_a_large_flat_index_is_searched_in_halves_exactly(
    base: np.ndarray, queries: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above SPLIT_MIN rows one question is searched over the two halves of the rows at once: the
    rows and scores of an exact search (ties to the lower row), missing ones as -1 / -inf, and an
    error in the second half's thread raised in the asking one; with one core, or below
    SPLIT_MIN, FAISS' own search."""
    monkeypatch.setattr(V, "SPLIT_MIN", 1_000)
    x = base[:3001].copy()
    x[2500] = x[7]  # the same vector in both halves
    vi, _ = V.build(x)
    calls = []
    knn = V.faiss.knn
    monkeypatch.setattr(V.faiss, "knn", lambda *a, **kw: calls.append(len(a[1])) or knn(*a, **kw))
    for q in queries[:20]:
        s, got = vi.search(q, 10)
        assert got[0].tolist() == exact(x, q.reshape(1, -1), 10)[0].tolist()
        assert s[0] == pytest.approx(vi.index.search(q.reshape(1, -1), 10)[0][0], abs=1e-5)
    assert sorted(set(calls)) == [1500, 1501]  # both halves, every time
    s, got = vi.search(x[7], 2)
    assert got[0].tolist() == [7, 2500]
    s, got = vi.search(x[7], 4000)  # more than the rows: padded
    assert (got[0][:3001] >= 0).all() and (got[0][3001:] == -1).all() and np.isneginf(s[0][3001:]).all()
    assert sorted(got[0][:3001].tolist()) == list(range(3001))

    def fail(q: np.ndarray, xb: np.ndarray, k: int, metric: int) -> tuple[np.ndarray, np.ndarray]:
        if len(xb) == 1501:
            raise MemoryError("far half")
        return knn(q, xb, k, metric=metric)

    monkeypatch.setattr(V.faiss, "knn", fail)
    with pytest.raises(MemoryError, match="far half"):
        vi.search(x[7], 2)
    calls.clear()
    monkeypatch.setattr(V.faiss, "knn", lambda *a, **kw: calls.append(1) or knn(*a, **kw))
    with monkeypatch.context() as one_core:
        one_core.setattr(V.os, "sched_getaffinity", lambda pid: {0})
        vi.search(queries[0], 10)
    assert not calls
    monkeypatch.setattr(V, "SPLIT_MIN", 10_000)  # below the threshold
    vi.search(queries[0], 10)
    assert not calls
