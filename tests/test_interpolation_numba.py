"""The numba CPU kernel == the numpy reference, bit for bit (shapes, dtypes, strides, threads, fork)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_interpolation import D_VALUES, KEY, make_inputs, nan_out, problems, reference
from torchsmote.kernels import numba_launch
from torchsmote.kernels._smote_numba_jit import CHUNK_ROWS
from torchsmote.kernels.interpolate_numba import smote_rows_numba
from torchsmote.kernels.interpolate_torch import smote_rows_torch
from utils import REFUSAL_SHAPE, assert_equal_verbose, assert_launch_refused

from torchsmote.backends import AUTO_NUMBA_MIN_ELEMENTS, resolve_kernel_backend

NUMBA_DTYPES = [torch.float32, torch.float64]
#: Counts around the parallel work item: one row, a partial item, one past it, several.
COUNTS = [1, 7, CHUNK_ROWS + 1, 2 * CHUNK_ROWS + 3]


@contextlib.contextmanager
def torch_threads(n: int):
    """Run with ``n`` torch threads: 1 makes the launcher take the serial kernel."""
    saved = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


@pytest.mark.parametrize("threads", [1, 2], ids=["serial", "parallel"])
@pytest.mark.parametrize("dtype", NUMBA_DTYPES, ids=str)
@pytest.mark.parametrize("d", [*D_VALUES, 200])
def test_numba_equals_reference_bit_for_bit(d, dtype, threads):
    pool, neighbors, base_rows = make_inputs(d, dtype, seed=d)
    with torch_threads(threads):
        for count in COUNTS if d <= 33 else COUNTS[:3]:
            for br in (None, base_rows):
                for start in (11, 2**40 + 12345):
                    out = nan_out(count, d, dtype)
                    assert smote_rows_numba(pool, neighbors, KEY, start, out, br) is out
                    expected = reference(pool, neighbors, KEY, start, count, br)
                    what = f"numba d={d} count={count} start={start} base_rows={br is not None}"
                    assert_equal_verbose(out, expected, what=what)


@pytest.mark.parametrize("dtype", NUMBA_DTYPES, ids=str)
def test_numba_equals_torch_kernel(dtype):
    pool, neighbors, base_rows = make_inputs(32, dtype, seed=5, n_pool=300, n_base=200)
    a = smote_rows_torch(pool, neighbors, KEY, 3, nan_out(20_000, 32, dtype), base_rows)
    b = smote_rows_numba(pool, neighbors, KEY, 3, nan_out(20_000, 32, dtype), base_rows)
    assert_equal_verbose(b, a, what="numba vs torch")


@settings(max_examples=60, deadline=None)
@given(problem=problems([torch.float32, torch.float64]), key=st.integers(0, 2**64 - 1))
def test_property_numba_equals_reference(problem, key):
    pool, neighbors, base_rows, count, start = problem
    out = nan_out(count, pool.shape[1], pool.dtype)
    smote_rows_numba(pool, neighbors, key, start, out, base_rows)
    assert_equal_verbose(out, reference(pool, neighbors, key, start, count, base_rows), what="numba")


def test_writes_only_into_a_strided_slice():
    """out as a column slice of a wider tensor (row stride d + 5): values land in it, nowhere else."""
    d, count = 33, CHUNK_ROWS + 9
    pool, neighbors, base_rows = make_inputs(d, torch.float32, seed=7)
    big = torch.full((count + 30, d + 5), 777.0)
    region = (slice(10, 10 + count), slice(2, 2 + d))
    smote_rows_numba(pool, neighbors, KEY, 5, big[region], base_rows)
    assert_equal_verbose(big[region], reference(pool, neighbors, KEY, 5, count, base_rows), what="slice")
    outside = torch.ones_like(big, dtype=torch.bool)
    outside[region] = False
    assert bool((big[outside] == 777.0).all()), "values outside the slice were overwritten"


def test_strided_inputs_and_inputs_not_modified():
    d, k = 9, 4
    pool_wide, nb_wide, base_rows = make_inputs(d + 3, torch.float64, seed=8, k=k + 2)
    pool, neighbors = pool_wide[:, 1 : 1 + d], nb_wide[:, :k]
    base_rows = torch.stack([base_rows, base_rows], dim=1)[:, 0]
    saved = [t.clone() for t in (pool_wide, nb_wide, base_rows)]
    out = smote_rows_numba(pool, neighbors, KEY, 99, nan_out(300, d, torch.float64), base_rows)
    expected = reference(pool.contiguous(), neighbors.contiguous(), KEY, 99, 300, base_rows.contiguous())
    assert_equal_verbose(out, expected, what="strided inputs")
    for t, s in zip((pool_wide, nb_wide, base_rows), saved, strict=True):
        assert torch.equal(t, s), "an input was modified"


def test_empty_output():
    pool, neighbors, _ = make_inputs(4, torch.float32)
    out = torch.empty((0, 4))
    assert smote_rows_numba(pool, neighbors, KEY, 0, out) is out


def _refusals():
    d, n_pool, n_base, k = REFUSAL_SHAPE
    pool = torch.randn(n_pool, d)
    nb = torch.randint(0, n_pool, (n_base, k))
    return {
        "float16": (dict(pool=pool.half(), out=torch.full((17, d), 5.0).half()), "float32/float64"),
        "out-dtype": (dict(out=torch.full((17, d), 5.0).double()), "out dtype"),
        "width": (dict(out=torch.full((17, d + 1), 5.0)), "same d"),
        "pool-1d": (dict(pool=pool[:, 0]), "2-D"),
        "nb-int32": (dict(neighbors=nb.int()), "int64"),
        "nb-out-of-range": (dict(neighbors=nb.clone().fill_(n_pool)), "outside \\[0, 20\\)"),
        "nb-negative": (dict(neighbors=nb.clone().fill_(-1)), "outside \\[0, 20\\)"),
        "base-rows-out-of-range": (dict(base_rows=torch.full((n_base,), 99)), "outside \\[0, 20\\)"),
        "base-rows-length": (dict(base_rows=torch.zeros(n_base + 1, dtype=torch.int64)), "entries"),
        "out-meta": (dict(out=torch.empty(17, d, device="meta")), "CPU tensors; out is on meta"),
        "too-many-pairs": (
            dict(neighbors=torch.zeros(1, 1, dtype=torch.int64).expand(2**31, 1)),
            "2\\*\\*31",
        ),
    }


REFUSALS = _refusals()


@pytest.mark.parametrize("case", list(REFUSALS))
def test_launcher_refuses_clearly_and_writes_nothing(case):
    assert_launch_refused(smote_rows_numba, KEY, *REFUSALS[case])


def test_concurrent_calls_from_threads():
    """Several Python threads at once, in this process's threading layer."""
    pool, neighbors, base_rows = make_inputs(16, torch.float32, seed=12)
    outs = [nan_out(3 * CHUNK_ROWS, 16, torch.float32) for _ in range(6)]
    errors = []

    def work(index):
        try:
            smote_rows_numba(pool, neighbors, KEY, index, outs[index], base_rows)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for index, out in enumerate(outs):
        expected = reference(pool, neighbors, KEY, index, out.shape[0], base_rows)
        assert_equal_verbose(out, expected, what=f"thread {index}")


def _child_rows(queue, pool, neighbors, base_rows, out):
    # Only the kernel runs here: torch's own OpenMP pool does not survive fork
    # either (a DataLoader worker sets torch.set_num_threads(1) for that reason).
    smote_rows_numba(pool, neighbors, KEY, 0, out, base_rows)
    queue.put(out.numpy().tobytes())


@pytest.mark.skipif(torch.get_num_threads() < 2, reason="a parallel launch needs two torch threads")
def test_forked_child_after_a_parallel_launch():
    """A process forked after a parallel launch still makes the rows, with torch's threads unchanged.

    GNU OpenMP's thread pool does not survive fork (numba's omp layer aborts a
    child that launches a parallel region): the launcher runs the serial kernel there.
    """
    pool, neighbors, base_rows = make_inputs(16, torch.float32, seed=13)
    parent = smote_rows_numba(pool, neighbors, KEY, 0, nan_out(3 * CHUNK_ROWS, 16, torch.float32), base_rows)
    assert numba_launch._parallel_pid is not None, "the parent never launched the parallel kernel"
    out = nan_out(3 * CHUNK_ROWS, 16, torch.float32)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_rows, args=(queue, pool, neighbors, base_rows, out))
    child.start()
    try:
        payload = queue.get(timeout=60)  # before join: a child blocks until its 800 KB are read
    finally:
        child.join(timeout=30)
        if child.exitcode is None:
            child.kill()
    assert child.exitcode == 0, f"forked child exited with {child.exitcode}"
    rows = np.frombuffer(payload, dtype=np.float32).reshape(parent.shape)
    assert_equal_verbose(torch.from_numpy(rows.copy()), parent, what="forked child")


WORKQUEUE_CHILD = r"""
import threading, torch
from test_interpolation import KEY, make_inputs, nan_out, reference
from torchsmote.kernels.interpolate_numba import smote_rows_numba
torch.set_num_threads(2)
pool, neighbors, base_rows = make_inputs(16, torch.float32, seed=12)
outs = [nan_out(3 * 4096, 16, torch.float32) for _ in range(6)]
threads = [
    threading.Thread(target=smote_rows_numba, args=(pool, neighbors, KEY, i, outs[i], base_rows))
    for i in range(6)
]
for t in threads:
    t.start()
for t in threads:
    t.join()
import numba
assert numba.threading_layer() == "workqueue", numba.threading_layer()
for i, out in enumerate(outs):
    assert torch.equal(out, reference(pool, neighbors, KEY, i, out.shape[0], base_rows)), i
print("ok")
"""


def test_concurrent_calls_under_the_workqueue_layer():
    """numba's workqueue layer aborts the process on concurrent parallel launches: the lock prevents it."""
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    tests_dir = str(Path(__file__).parent)
    env["PYTHONPATH"] = os.pathsep.join([tests_dir, env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", WORKQUEUE_CHILD], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_bad_indices_found_per_row():
    """One bad entry in a large table: the rows that draw it are counted and reported."""
    pool, neighbors, base_rows = make_inputs(8, torch.float32, seed=14)
    bad = neighbors.clone()
    bad[3, 2] = pool.shape[0]  # one past the pool
    with pytest.raises(
        ValueError, match=r"synthetic row\(s\) drew a base or neighbour row outside \[0, 60\)"
    ):
        smote_rows_numba(pool, bad, KEY, 0, nan_out(20_000, 8, torch.float32), base_rows)
    bad_bases = base_rows.clone()
    bad_bases[0] = -1
    with pytest.raises(ValueError, match="outside"):
        smote_rows_numba(pool, neighbors, KEY, 0, nan_out(20_000, 8, torch.float32), bad_bases)


NO_CACHE_CHILD = r"""
import sys, pathlib
sys.path.insert(0, sys.argv[1])
from numba import njit
try:
    njit(cache=True)(lambda x: x + 1)
except RuntimeError as exc:
    assert "cannot cache" in str(exc), exc
else:
    raise SystemExit("this environment has a cache locator: the test would prove nothing")
from torchsmote.kernels.numba_launch import cached_njit
import probe
assert probe.plus_one(41) == 42
print("ok")
"""


def test_kernels_compile_without_a_writable_cache(tmp_path):
    """No writable cache location (read-only install, no HOME): compile per process, do not fail."""
    (tmp_path / "probe.py").write_text(
        "from torchsmote.kernels.numba_launch import cached_njit\n"
        "@cached_njit()\n"
        "def plus_one(x):\n"
        "    return x + 1\n"
    )
    (tmp_path / "__pycache__").write_text("a file where numba would put its cache directory")
    env = {**os.environ, "XDG_CACHE_HOME": "/dev/null/cache", "HOME": "/dev/null"}
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", NO_CACHE_CHILD, str(tmp_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


# ------------------------------------------------------------------ choosing the backend


def test_auto_picks_numba_on_cpu_for_large_or_open_ended_work():
    cpu = torch.device("cpu")
    assert resolve_kernel_backend("auto", cpu, AUTO_NUMBA_MIN_ELEMENTS) == "numba"
    assert resolve_kernel_backend("auto", cpu, None) == "numba"
    assert resolve_kernel_backend("auto", cpu, AUTO_NUMBA_MIN_ELEMENTS - 1) == "torch"
    assert resolve_kernel_backend("numba", cpu, 10) == "numba"


def test_numba_refused_off_the_cpu():
    with pytest.raises(ValueError, match="kernel_backend='numba' runs on the CPU"):
        resolve_kernel_backend("numba", torch.device("cuda"))


def test_without_numba_auto_falls_back_and_explicit_numba_is_refused(monkeypatch):
    monkeypatch.setattr(numba_launch, "numba_available", lambda: False)
    assert resolve_kernel_backend("auto", torch.device("cpu"), None) == "torch"
    with pytest.raises(ValueError, match="needs numba"):
        resolve_kernel_backend("numba", torch.device("cpu"))
    with pytest.raises(ValueError, match="needs numba"):
        pool, neighbors, _ = make_inputs(4, torch.float32)
        smote_rows_numba(pool, neighbors, KEY, 0, torch.empty(3, 4))


def test_auto_asks_for_numba_only_where_rows_are_interpolated(monkeypatch):
    """Samplers with their own kernels never load numba through 'auto'; the interpolating ones may."""
    import torchsmote
    from torchsmote import backends

    asked = []

    def available():
        asked.append(True)
        return True

    monkeypatch.setattr(backends, "AUTO_NUMBA_MIN_ELEMENTS", 1)
    monkeypatch.setattr(numba_launch, "numba_available", available)
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(60, 3)), rng.normal(2.0, 1.0, size=(25, 3))])
    y = np.r_[np.zeros(60, int), np.ones(25, int)]
    X_int = rng.integers(0, 3, size=X.shape)
    X_mixed = np.c_[X[:, :2], X_int[:, 2]]
    cases = {
        "RandomOverSampler": (torchsmote.RandomOverSampler(random_state=0), X, False),
        "ADASYN": (torchsmote.ADASYN(random_state=0), X, False),
        "SVMSMOTE": (torchsmote.SVMSMOTE(random_state=0), X, False),
        "SMOTEN": (torchsmote.SMOTEN(random_state=0), X_int, False),
        "SMOTE": (torchsmote.SMOTE(random_state=0), X, True),
        "BorderlineSMOTE": (torchsmote.BorderlineSMOTE(random_state=0), X, True),
        "SMOTENC": (torchsmote.SMOTENC(categorical_features=[2], random_state=0), X_mixed, True),
    }
    for name, (sampler, data, interpolates) in cases.items():
        asked.clear()
        sampler.fit_resample(data, y)
        assert bool(asked) == interpolates, f"{name}: numba_available asked {len(asked)} time(s)"
