"""Every k-NN backend and strategy == the float64 numpy reference, exactly (indices, tie order)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchsmote.kernels import knn_numpy, knn_torch
from torchsmote.kernels.knn_faiss import knn_self_faiss
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import knn_self_torch, rerank_exact
from utils import assert_close_verbose, assert_equal_verbose

#: Torch strategies; '/numba' and '/torch' force the CPU shortlist's selection
#: step (numba from NUMBA_SELECT_MIN_ROWS rows by default, torch below).
TORCH_STRATEGIES = ["blocked", "pruned", "auto", "blocked/numba", "pruned/numba", "pruned/torch"]
BACKENDS = [*TORCH_STRATEGIES, "faiss"]
SELECT_MIN_ROWS = {"numba": 0, "torch": 2**62}


def run_knn(x: torch.Tensor, k: int, backend: str) -> torch.Tensor:
    if backend == "faiss":
        return knn_self_faiss(x, k)
    strategy, _, select = backend.partition("/")
    saved = knn_torch.NUMBA_SELECT_MIN_ROWS
    knn_torch.NUMBA_SELECT_MIN_ROWS = SELECT_MIN_ROWS.get(select, saved)
    try:
        return knn_self_torch(x, k, strategy=strategy)
    finally:
        knn_torch.NUMBA_SELECT_MIN_ROWS = saved


def check_backend(x: torch.Tensor, k: int, backend: str, expected: np.ndarray, what: str):
    """Run one backend and compare with the reference; also: shape, dtype, device, no self,
    input untouched."""
    before = x.clone()
    got = run_knn(x, k, backend)
    assert torch.equal(x, before), f"{what}: {backend} modified its input"
    assert got.dtype == torch.int64, f"{what}: dtype {got.dtype}"
    assert got.shape == (x.shape[0], k), f"{what}: shape {tuple(got.shape)}"
    assert got.device == x.device, f"{what}: device {got.device}"
    rows = torch.arange(x.shape[0], device=got.device)[:, None]
    assert not bool((got == rows).any()), f"{what}: {backend} lists a row as its own neighbour"
    assert_equal_verbose(got, expected, what=f"{what} [{backend}]")
    return got


def make_data(kind: str, n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "normal":
        return rng.standard_normal((n, d))
    if kind == "uniform":
        return rng.random((n, d))
    if kind == "blobs":  # well-separated Gaussian blobs: tiles prune each other
        centres = rng.uniform(-30, 30, size=(10, d))
        return centres[rng.integers(0, 10, size=n)] + rng.standard_normal((n, d))
    raise ValueError(kind)


@functools.cache
def cached_case(kind: str, n: int, d: int, seed: int, k: int):
    """float32 data and its reference (the reference costs ~11 s at n=9000: compute it once)."""
    x = make_data(kind, n, d, seed).astype(np.float32)
    return x, knn_self_numpy(x, k)


# ------------------------------------------------------------------ small shapes, every backend


def _small_cases():
    for n in (2, 3, 7, 100):
        for d in (1, 3, 16, 33):  # d=2 is covered by the property test and the tie cases
            for k in sorted({1, 5, n - 1}):
                if 1 <= k <= n - 1:
                    yield n, d, k


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n,d,k", list(_small_cases()))
def test_small_shapes_match_reference(n, d, k, backend):
    x64 = make_data("normal", n, d, seed=1000 * n + 10 * d + k)
    for dtype in (np.float32, np.float64):
        x = x64.astype(dtype)
        expected = knn_self_numpy(x, k)
        check_backend(torch.from_numpy(x), k, backend, expected, f"n={n} d={d} k={k} {dtype.__name__}")


@pytest.mark.parametrize("strategy", ["blocked", "pruned"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("n,d,k", [(7, 3, 5), (100, 3, 5), (100, 16, 1), (600, 33, 5)])
def test_low_precision_input(n, d, k, dtype, strategy):
    """Reference on the same low-precision values (converted exactly to float64)."""
    x = torch.from_numpy(make_data("normal", n, d, seed=n + d)).to(dtype)
    expected = knn_self_numpy(x.double().numpy(), k)
    check_backend(x, k, strategy, expected, f"n={n} d={d} k={k} {dtype}")


def test_runs_on_device(device):
    x = torch.from_numpy(make_data("normal", 300, 8, seed=3)).float().to(device)
    expected = knn_self_numpy(x.cpu().numpy(), 4)
    for strategy in ("blocked", "auto"):
        check_backend(x, 4, strategy, expected, f"device={device}")


# ------------------------------------------------------------------ sizes past one tile

LARGE_CASES = [
    ("uniform", 2049, 33, 1),  # one row past a tile
    ("normal", 2049, 1, 2),
    ("uniform", 5000, 8, 3),  # 'auto' = pruned here (n > 2 tiles)
    ("blobs", 9000, 3, 4),  # several tiles, clusters far apart
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind,n,d,seed", LARGE_CASES)
def test_large_match_reference(kind, n, d, seed, backend):
    if backend == "auto" and n == 9000:
        pytest.skip("'auto' is 'pruned' at this size: covered by the pruned case (saves ~4 s)")
    x, expected = cached_case(kind, n, d, seed, 5)
    check_backend(torch.from_numpy(x), 5, backend, expected, f"{kind} n={n} d={d}")


@pytest.mark.parametrize(
    "kind,d,tile", [("blobs", 3, 24), ("blobs", 3, 100), ("uniform", 8, 64), ("normal", 33, 256)]
)
def test_pruned_many_small_tiles(kind, d, tile, monkeypatch):
    """Shrinking the tile gives many tiles (and real pruning) at a size the reference affords."""
    monkeypatch.setattr(knn_torch, "CPU_TILE", tile)
    x, expected = cached_case(kind, 1200, d, 11, 5)
    check_backend(torch.from_numpy(x), 5, "pruned", expected, f"{kind} d={d} tile={tile}")
    check_backend(torch.from_numpy(x.astype(np.float64)), 5, "pruned", expected, f"{kind} d={d} f64")


def test_pruned_tile_of_one_row_clusters(monkeypatch):
    """A tiny tile means singleton tiles: a query's own tile holds nothing but itself."""
    monkeypatch.setattr(knn_torch, "CPU_TILE", 2)
    x = make_data("normal", 40, 2, seed=8).astype(np.float32)
    for k in (1, 5, 39):
        check_backend(torch.from_numpy(x), k, "pruned", knn_self_numpy(x, k), f"tile=2 k={k}")


# ------------------------------------------------------------------ duplicates and ties


@pytest.mark.parametrize("backend", BACKENDS)
def test_duplicate_rows_are_neighbours_at_distance_zero(backend):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((120, 5)).astype(np.float32)
    x[60:70] = x[0:10]  # ten duplicated pairs
    x[[100, 101]] = x[5]  # row 5 appears four times: 5, 65, 100, 101
    expected = knn_self_numpy(x, 5)
    got = check_backend(torch.from_numpy(x), 5, backend, expected, "duplicates").numpy()
    for i in range(10):
        assert got[i, 0] == (60 + i if i != 5 else 65), (i, got[i])
        assert got[60 + i, 0] == i, (60 + i, got[60 + i])
    assert list(got[5, :3]) == [65, 100, 101]
    assert list(got[101, :3]) == [5, 65, 100]
    d0 = ((x - x[got[:, 0]]) ** 2).sum(axis=1)
    assert (d0[[*range(10), *range(60, 70), 100, 101]] == 0).all()


def test_reference_excludes_self_by_index_and_breaks_ties_low():
    """The law itself, on a hand-made case: four copies of one point and a far point."""
    x = np.array([[0.0], [1.0], [0.0], [0.0], [5.0], [0.0]])
    assert knn_self_numpy(x, 3).tolist() == [[2, 3, 5], [0, 2, 3], [0, 3, 5], [0, 2, 5], [1, 0, 2], [0, 2, 3]]


def _tie_cases():
    rng = np.random.default_rng(21)
    grid = rng.integers(0, 3, size=(200, 2)).astype(np.float32)  # 9 points, ~22 copies each
    many_copies = rng.standard_normal((50, 4)).astype(np.float32)
    many_copies[10:22] = many_copies[0]  # 13 copies of row 0: more ties than the shortlist margin
    return {
        "all-equal-7x1-k1": (np.zeros((7, 1), dtype=np.float32), 1),
        "integer-grid-200x2-k5": (grid, 5),
        "thirteen-copies-k3": (many_copies, 3),
    }


TIE_CASES = _tie_cases()


@pytest.mark.parametrize("backend", ["blocked", "pruned", "faiss"])
@pytest.mark.parametrize("case", list(TIE_CASES))
def test_many_exact_ties_break_toward_smaller_index(case, backend):
    """More rows tied at the k-th distance than k + SHORTLIST_MARGIN: the reference takes the
    smallest indices among them; an exact backend must too."""
    x, k = TIE_CASES[case]
    check_backend(torch.from_numpy(x), k, backend, knn_self_numpy(x, k), case)


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_data_few_ties(backend):
    """Integer data with many exact distance ties, but fewer per row than the margin."""
    rng = np.random.default_rng(4)
    x = rng.integers(0, 20, size=(300, 3)).astype(np.float64)
    for k in (1, 5):
        check_backend(torch.from_numpy(x), k, backend, knn_self_numpy(x, k), f"integers k={k}")
        check_backend(torch.from_numpy(x).float(), k, backend, knn_self_numpy(x, k), f"integers f32 k={k}")


@pytest.mark.parametrize("case", list(TIE_CASES))
def test_rerank_exact_orders_any_candidate_superset(case):
    """Given every other row as a candidate, in random order, the re-rank alone is exact."""
    x, k = TIE_CASES[case]
    n = x.shape[0]
    rng = np.random.default_rng(0)
    cand = np.stack([rng.permutation(np.delete(np.arange(n), i)) for i in range(n)])
    got = rerank_exact(torch.from_numpy(x), torch.from_numpy(cand), k)
    assert_equal_verbose(got, knn_self_numpy(x, k), what=f"rerank_exact {case}")


# ------------------------------------------------------------------ scikit-learn agreement


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", ["normal", "integer-grid", "duplicates"])
def test_distances_agree_with_sklearn_brute(case, backend):
    """Compare sorted neighbour distances (indices may differ on ties)."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(9)
    if case == "normal":
        x = rng.standard_normal((400, 6))
    elif case == "integer-grid":
        x = rng.integers(0, 3, size=(200, 2)).astype(np.float64)
    else:
        x = rng.standard_normal((200, 3))
        x[100:150] = x[:50]
    k = 5
    got = run_knn(torch.from_numpy(x), k, backend).numpy()
    ours = np.sqrt(((x[:, None, :] - x[got]) ** 2).sum(-1))
    assert (np.diff(ours, axis=1) >= 0).all(), "neighbours not sorted nearest first"
    theirs, _ = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(x).kneighbors()
    assert_close_verbose(ours, theirs, rtol=1e-6, atol=1e-6, what=f"distances {case} [{backend}]")


# ------------------------------------------------------------------ TF32, offsets


def _matmul_state():
    return (
        torch.backends.cuda.matmul.allow_tf32,
        torch.get_float32_matmul_precision(),
        torch.backends.cuda.matmul.fp32_precision,
    )


@pytest.fixture
def restore_matmul_settings():
    tf32, precision = torch.backends.cuda.matmul.allow_tf32, torch.get_float32_matmul_precision()
    yield
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.set_float32_matmul_precision(precision)


@pytest.mark.parametrize("strategy", TORCH_STRATEGIES)
@pytest.mark.parametrize("allow_tf32,precision", [(True, "medium"), (True, "high"), (False, "highest")])
def test_tf32_settings_do_not_change_results_and_are_restored(
    strategy, allow_tf32, precision, restore_matmul_settings
):
    x, expected = cached_case("normal", 300, 16, 17, 5)
    x = torch.from_numpy(x) + 3.0
    expected = knn_self_numpy(x.numpy(), 5)
    torch.backends.cuda.matmul.allow_tf32 = allow_tf32
    torch.set_float32_matmul_precision(precision)
    before = _matmul_state()
    check_backend(x, 5, strategy, expected, f"tf32={allow_tf32} precision={precision}")
    assert _matmul_state() == before, f"settings not restored: {_matmul_state()} != {before}"
    with pytest.raises(ValueError, match="strategy"):
        knn_self_torch(x, 5, strategy="nonsense")
    assert _matmul_state() == before, "settings not restored after an error"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "dtype,offset",
    [(np.float32, 1e4), (np.float32, -3e4), (np.float64, 1e6), (np.float64, 1e8)],
)
def test_large_common_offset(backend, dtype, offset):
    """Uncentred float32 |q|^2 + |x|^2 - 2 q.x would cancel catastrophically here; float64 data
    with offsets beyond float32's resolution must also survive (centre before any fp32 cast)."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal((600, 16)) + offset
    x[:, 3] += offset  # per-feature offsets too
    x = x.astype(dtype)
    expected = knn_self_numpy(x, 5)
    check_backend(torch.from_numpy(x), 5, backend, expected, f"offset={offset} {dtype.__name__}")


def test_large_offset_pruned_many_tiles(monkeypatch):
    monkeypatch.setattr(knn_torch, "CPU_TILE", 64)
    x = (make_data("blobs", 1200, 4, seed=2) + 1e4).astype(np.float32)
    check_backend(torch.from_numpy(x), 5, "pruned", knn_self_numpy(x, 5), "offset blobs, tile=64")


# ------------------------------------------------------------------ errors and contracts


@pytest.mark.parametrize("backend", ["numpy", *BACKENDS])
@pytest.mark.parametrize("n,k", [(5, 0), (5, -1), (5, 5), (5, 9), (1, 1), (1, 0)])
def test_k_out_of_range(backend, n, k):
    x = np.random.default_rng(0).standard_normal((n, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="1 <= k <= n - 1"):
        if backend == "numpy":
            knn_self_numpy(x, k)
        else:
            run_knn(torch.from_numpy(x), k, backend)


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown k-NN strategy"):
        knn_self_torch(torch.randn(10, 2), 3, strategy="kdtree")


def test_faiss_refuses_tensors_neither_cpu_nor_cuda():
    """(CUDA tensors without faiss-gpu: tests/test_knn_faiss_gpu.py.)"""
    with pytest.raises(ValueError, match="runs on CPU tensors, or CUDA tensors with faiss-gpu; got 'meta'"):
        knn_self_faiss(torch.empty((10, 2), device="meta"), 3)


def test_numpy_reference_does_not_modify_input():
    x = np.random.default_rng(1).standard_normal((50, 4))
    before = x.copy()
    knn_self_numpy(x, 3)
    assert np.array_equal(x, before)


def test_numpy_reference_blocks_agree(monkeypatch):
    """The reference's own row blocking does not change its answer."""
    x = np.random.default_rng(2).standard_normal((300, 7))
    full = knn_self_numpy(x, 6)
    monkeypatch.setattr(knn_numpy, "_BLOCK_ELEMENTS", 7 * 300 * 13)  # 13 rows per block
    assert_equal_verbose(knn_self_numpy(x, 6), full, what="reference blocks")


# ------------------------------------------------------------------ property test


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 40),
    d=st.integers(1, 6),
    k_frac=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    offset=st.sampled_from([0.0, 100.0]),
    double=st.booleans(),
    backend=st.sampled_from(["blocked", "pruned", "blocked/numba", "pruned/numba", "faiss"]),
)
def test_property_matches_reference(n, d, k_frac, seed, scale, offset, double, backend):
    k = 1 + int(k_frac * (n - 2))
    x = np.random.default_rng(seed).standard_normal((n, d)) * scale + offset
    x = x.astype(np.float64 if double else np.float32)
    check_backend(torch.from_numpy(x), k, backend, knn_self_numpy(x, k), f"n={n} d={d} k={k}")


@pytest.mark.parametrize("give_up", [0.0, 2.0])
def test_pruned_hands_over_to_blocks_when_pruning_fails(give_up, monkeypatch):
    """The switch to plain blocks (unclustered data) must not change any neighbour."""
    monkeypatch.setattr(knn_torch, "CPU_TILE", 64)
    monkeypatch.setattr(knn_torch, "PRUNE_PROBE_TILES", 3)
    monkeypatch.setattr(knn_torch, "PRUNE_GIVE_UP", give_up)  # 0: always switch; 2: never
    monkeypatch.setattr(knn_torch, "TILES_OVERLAP_SHARE", 2.0)  # no shortcut: probe, then decide
    calls = []
    blocked = knn_torch._shortlist_blocked
    monkeypatch.setattr(
        knn_torch,
        "_shortlist_blocked",
        lambda x, m, rows=None, **kw: calls.append(rows) or blocked(x, m, rows, **kw),
    )
    x = np.random.default_rng(5).uniform(size=(1500, 6)).astype(np.float32)
    got = knn_self_torch(torch.from_numpy(x), 5, strategy="pruned")
    assert_equal_verbose(got, knn_self_numpy(x, 5), what=f"give_up={give_up}")
    # The hand-over (every row after 3 tiles of <= 64: >= 1308 rows) happened exactly
    # when asked; the tie-widening pass may add small calls of its own.
    handed_over = any(rows is not None and len(rows) >= 1500 - 3 * 64 for rows in calls)
    assert handed_over == (give_up == 0.0)


def test_new_fp32_precision_api_is_respected_and_restored():
    """torch >= 2.9 refuses legacy TF32 reads after the new API was used: no crash,
    same neighbours, the caller's setting back afterwards (fresh process: global state)."""
    import subprocess
    import sys

    script = (
        "import numpy as np, torch\n"
        "from torchsmote.kernels.knn_torch import knn_self_torch\n"
        "from torchsmote.kernels.knn_numpy import knn_self_numpy\n"
        "if not hasattr(torch.backends, 'fp32_precision'): raise SystemExit(0)\n"
        "torch.backends.fp32_precision = 'tf32'\n"
        "x = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32) + 30\n"
        "assert (knn_self_torch(torch.from_numpy(x), 5).numpy() == knn_self_numpy(x, 5)).all()\n"
        "assert torch.backends.cuda.matmul.fp32_precision == 'tf32'\n"
        "assert torch.backends.mkldnn.matmul.fp32_precision == 'tf32'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("magnitude", [1e-30, 1e19, 1e37])
@pytest.mark.parametrize("backend", ["blocked", "pruned", "faiss"])
def test_extreme_magnitudes_stay_exact(magnitude, backend, monkeypatch):
    """float32 values near 1e19 overflow squared norms unless the work copy is rescaled."""
    monkeypatch.setattr(knn_torch, "CPU_TILE", 32)  # several tiles for 'pruned'
    x = (np.random.default_rng(1).normal(size=(120, 3)) * magnitude).astype(np.float32)
    xt = torch.from_numpy(x)
    got = knn_self_faiss(xt, 5) if backend == "faiss" else knn_self_torch(xt, 5, strategy=backend)
    assert_equal_verbose(got, knn_self_numpy(x, 5), what=f"{backend} at {magnitude:g}")


@pytest.mark.parametrize("strategy", ["blocked", "pruned"])
def test_duplicate_heavy_rows_resolved_exactly_by_brute_force(strategy, monkeypatch):
    """Binary features (8 distinct points in 1500 rows): every row's k-th neighbour
    ties with unlisted rows, so the exact float64 pass decides, ties by index."""
    monkeypatch.setattr(knn_torch, "CPU_TILE", 128)
    monkeypatch.setattr(knn_torch, "EXACT_BLOCK_ENTRIES", 50_000)  # several blocks
    calls, brute = [], []
    grouped, exact = knn_torch._exact_rows_grouped, knn_torch._exact_rows
    monkeypatch.setattr(
        knn_torch, "_exact_rows_grouped", lambda x, rows, k: calls.append(len(rows)) or grouped(x, rows, k)
    )
    monkeypatch.setattr(
        knn_torch, "_exact_rows", lambda x, rows, k, **kw: brute.append(len(rows)) or exact(x, rows, k, **kw)
    )
    x = np.random.default_rng(2).integers(0, 2, size=(1500, 3)).astype(np.float32)
    got = knn_self_torch(torch.from_numpy(x), 5, strategy=strategy)
    assert_equal_verbose(got, knn_self_numpy(x, 5), what=f"binary rows, {strategy}")
    assert calls and sum(calls) > 1000  # the tie pass really ran, for most rows...
    assert sum(brute) <= 8  # ...with one brute-force query per distinct row value


@pytest.mark.parametrize("n_values", [1, 3, 40])
def test_grouped_tie_pass_equals_the_per_row_brute_force(n_values, monkeypatch):
    """Copies whose own index is beyond the first k + 1 copies drop the farthest entry instead."""
    rng = np.random.default_rng(n_values)
    values = rng.integers(-2, 3, size=(n_values, 4)).astype(np.float64)
    x = torch.from_numpy(values[rng.integers(0, n_values, size=600)])
    rows = torch.from_numpy(np.sort(rng.choice(600, 300, replace=False)))
    for k in (1, 5, 17):
        expected = knn_torch._exact_rows(x, rows, k)
        assert_equal_verbose(knn_torch._exact_rows_grouped(x, rows, k), expected, what=f"k={k}")
    # Many distinct values among the rows: the per-row brute force is used, same answer.
    spread = torch.from_numpy(rng.normal(size=(600, 4)))
    assert_equal_verbose(
        knn_torch._exact_rows_grouped(spread, rows, 5), knn_torch._exact_rows(spread, rows, 5), what="spread"
    )


def test_grouped_tie_pass_is_fast_on_a_large_binary_class():
    """20,000 binary rows (8 distinct): exact against the reference on a slice; one query per value."""
    x = np.random.default_rng(5).integers(0, 2, size=(20_000, 3)).astype(np.float32)
    got = knn_self_torch(torch.from_numpy(x), 5)
    # Row i's neighbours: its copies (or the nearest values) in index order, never itself.
    rows = np.arange(0, 20_000, 97)
    dist = ((x[rows, None, :].astype(np.float64) - x[None, :, :]) ** 2).sum(-1)
    dist[np.arange(len(rows)), rows] = np.inf
    expected = np.argsort(dist, axis=1, kind="stable")[:, :5]
    assert_equal_verbose(got[rows], expected, what="binary 20k")


def test_overlapping_tiles_skip_the_pruning_probe(monkeypatch):
    """Unclustered rows go straight to plain blocks (same neighbours); clustered rows keep pruning."""
    rng = np.random.default_rng(3)
    gaussian = torch.from_numpy(rng.normal(size=(6000, 8)).astype(np.float32))
    centres = rng.normal(scale=50, size=(10, 8))
    blobs = torch.from_numpy(
        (centres[rng.integers(0, 10, 6000)] + rng.normal(size=(6000, 8))).astype(np.float32)
    )
    monkeypatch.setattr(knn_torch, "CPU_TILE", 512)
    calls = []
    blocked = knn_torch._shortlist_blocked
    monkeypatch.setattr(
        knn_torch,
        "_shortlist_blocked",
        lambda x, m, rows=None, **kw: calls.append(rows) or blocked(x, m, rows, **kw),
    )
    got = knn_self_torch(gaussian, 4, strategy="pruned")
    assert len(calls) == 1 and calls[0] is None  # every row, from the start
    assert_equal_verbose(got, knn_self_numpy(gaussian.numpy(), 4), what="gaussian")
    calls.clear()
    got = knn_self_torch(blobs, 4, strategy="pruned")
    assert calls == []  # pruned all the way
    assert_equal_verbose(got, knn_self_numpy(blobs.numpy(), 4), what="blobs")
