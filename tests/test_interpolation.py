"""SMOTE interpolation: torch and Triton == the numpy reference (shapes, dtypes, slices, chunks)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import requires_triton
from hypothesis import given, settings
from hypothesis import strategies as st
from torchsmote.kernels.counter_rng import smote_draws_numpy, stream_key
from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
from torchsmote.kernels.interpolate_torch import smote_rows_torch
from torchsmote.kernels.interpolate_triton import (
    CACHE_POLICIES,
    LAYOUTS,
    block_sizes,
    flat_block_sizes,
    kernel_layout,
    smote_rows_triton,
    vector_width,
)
from utils import REFUSAL_SHAPE, assert_close_verbose, assert_equal_verbose, assert_launch_refused

KEY = stream_key(2024, 1)
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
#: (rtol, atol) against the reference: fp32/fp64 may differ by an FMA's rounding; fp16/bf16
#: by one unit of the low-precision format (both sides round one fp32 value at the end).
TOL = {
    torch.float32: (1e-6, 1e-6),
    torch.float64: (1e-15, 1e-14),
    torch.float16: (2.0**-10, 1e-6),
    torch.bfloat16: (2.0**-7, 1e-6),
}
D_VALUES = [1, 3, 16, 33, 128]


def make_inputs(d: int, dtype: torch.dtype, *, n_pool: int = 60, n_base: int = 40, k: int = 5, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    pool = (torch.randn(n_pool, d, generator=gen, dtype=torch.float64) * 3).to(dtype)
    neighbors = torch.randint(0, n_pool, (n_base, k), generator=gen)
    base_rows = torch.randperm(n_pool, generator=gen)[:n_base]
    return pool, neighbors, base_rows


def reference(pool, neighbors, key, start, count, base_rows=None) -> torch.Tensor:
    """numpy reference; bfloat16 (which numpy lacks) goes through the same float32 values."""
    pool_np = pool.float().numpy() if pool.dtype == torch.bfloat16 else pool.numpy()
    rows = smote_rows_numpy(
        pool_np, neighbors.numpy(), key, start, count, None if base_rows is None else base_rows.numpy()
    )
    return torch.from_numpy(rows).to(pool.dtype)


def nan_out(count: int, d: int, dtype) -> torch.Tensor:
    """Output pre-filled with NaN: a row the kernel forgets to write cannot pass."""
    return torch.full((count, d), float("nan"), dtype=dtype)


def check_close(got, expected, dtype, what):
    assert got.dtype == dtype, f"{what}: dtype {got.dtype}"
    rtol, atol = TOL[dtype]
    assert_close_verbose(got, expected, rtol=rtol, atol=atol, what=what)


def run_backend(backend, pool, neighbors, key, start, out, base_rows=None, **kw):
    """backend: "torch", or "triton-tile" / "triton-flat" (the Triton kernel, one launch layout forced)."""
    if backend == "torch":
        return smote_rows_torch(pool, neighbors, key, start, out, base_rows, **kw)
    layout = backend.removeprefix("triton-")
    return smote_rows_triton(pool, neighbors, key, start, out, base_rows, layout=layout, **kw)


BACKENDS = ["torch"] + [pytest.param(f"triton-{layout}", marks=requires_triton) for layout in LAYOUTS]


# ------------------------------------------------------------------ reference properties


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_reference_rows_lie_on_segments(dtype):
    pool, neighbors, base_rows = make_inputs(7, torch.float64, seed=3)
    pool = pool.numpy().astype(dtype)
    for br in (None, base_rows.numpy()):
        rows = smote_rows_numpy(pool, neighbors.numpy(), KEY, 5, 3000, br)
        assert rows.dtype == dtype and rows.shape == (3000, 7)
        rtol = 2.0**-10 if dtype == np.float16 else 1e-6  # float16 rows are rounded once at the end
        check_on_segments(
            torch.from_numpy(rows), pool.astype(np.float64), neighbors.numpy(), KEY, 5, br, rtol
        )


def check_on_segments(rows, pool64, neighbors, key, start, base_rows=None, rtol=1e-6, what="rows"):
    """Recompute every row from the draws: it is base + gap * (neighbour - base), on the segment."""
    count = rows.shape[0]
    n_base, k = neighbors.shape
    base, slot, gap = smote_draws_numpy(key, start, count, n_base, k)
    b = base if base_rows is None else base_rows[base]
    x_b, x_n = pool64[b], pool64[neighbors[base, slot]]
    y = rows.double().numpy()
    scale = np.abs(x_b).max() + np.abs(x_n).max()
    slack = rtol * scale
    lo, hi = np.minimum(x_b, x_n) - slack, np.maximum(x_b, x_n) + slack
    outside = (y < lo) | (y > hi)
    assert not outside.any(), (
        f"{what}: {int(outside.sum())} values off their segment, first {np.argwhere(outside)[:3]}"
    )
    assert_close_verbose(y, x_b + gap[:, None] * (x_n - x_b), rtol=rtol, atol=slack, what=f"{what}: formula")


# ------------------------------------------------------------------ torch and Triton vs numpy


def _counts(d):
    block_m, _ = block_sizes(d)
    return [1, 7, block_m + 1, 5000]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("d", D_VALUES)
def test_torch_matches_reference(d, dtype):
    pool, neighbors, base_rows = make_inputs(d, dtype, seed=d)
    for count in _counts(d):
        for br in (None, base_rows):
            expected = reference(pool, neighbors, KEY, 11, count, br)
            out = nan_out(count, d, dtype)
            got = smote_rows_torch(pool, neighbors, KEY, 11, out, br)
            assert got is out
            check_close(out, expected, dtype, f"torch d={d} count={count} base_rows={br is not None}")


def _triton_counts(d, dtype, layout):
    """Row counts for one block and a bit, several blocks, and a ragged last block."""
    extra = []
    if layout == "tile":
        per_program = block_sizes(d)[0]
    else:
        vec = vector_width(d, d, 0, dtype.itemsize)
        block_e = flat_block_sizes(d, vec)[0]
        per_program = block_e // d + 1
        # And a count whose last program is full (count * d a multiple of BLOCK_E: no masked tail).
        extra = [block_e // math.gcd(d, block_e)]
    # The interpreter runs a program at a time: 5000 rows only where programs are few.
    return [1, 7, per_program + 1, 5000 if d <= 16 else 2 * per_program + 3, *extra]


@requires_triton
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("d", D_VALUES)
def test_triton_matches_reference(d, dtype, layout):
    pool, neighbors, base_rows = make_inputs(d, dtype, seed=d)
    for count in _triton_counts(d, dtype, layout):
        for br in (None, base_rows):
            expected = reference(pool, neighbors, KEY, 11, count, br)
            out = nan_out(count, d, dtype)
            got = smote_rows_triton(pool, neighbors, KEY, 11, out, br, layout=layout)
            assert got is out
            what = f"triton {layout} d={d} count={count} base_rows={br is not None}"
            check_close(out, expected, dtype, what)


@requires_triton
@pytest.mark.parametrize("policy", sorted(CACHE_POLICIES))
@pytest.mark.parametrize("d", [1, 16, 33])
def test_every_cache_policy_matches_reference(d, policy):
    """Cache hints change speed, never rows (tests/test_kernel_resources.py checks the
    binary carries them; the interpreter ignores them)."""
    pool, neighbors, base_rows = make_inputs(d, torch.float32, seed=d + 200)
    for count, br, table in (
        (1, None, neighbors),
        (1003, None, neighbors.to(torch.int32)),
        (517, base_rows, neighbors),
    ):
        expected = reference(pool, neighbors, KEY, 9, count, br)
        out = nan_out(count, d, torch.float32)
        smote_rows_triton(pool, table, KEY, 9, out, br, layout="flat", cache_policy=policy)
        check_close(out, expected, torch.float32, f"flat {policy} d={d} count={count} table {table.dtype}")


@requires_triton
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("d", [1, 16, 33])
def test_triton_int32_table_matches_reference(d, layout):
    """The launcher also reads int32 neighbour tables (generate_rows narrows to them)."""
    pool, neighbors, base_rows = make_inputs(d, torch.float32, seed=d + 100)
    for count, br in ((1, None), (1003, None), (517, base_rows)):
        expected = reference(pool, neighbors, KEY, 5, count, br)
        out = nan_out(count, d, torch.float32)
        smote_rows_triton(pool, neighbors.to(torch.int32), KEY, 5, out, br, layout=layout)
        check_close(out, expected, torch.float32, f"triton {layout} int32 table d={d} count={count}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("start", [0, 1, 2**31 - 40, 2**32 - 3, 2**33 + 5, 2**40 + 12345])
def test_large_and_boundary_starts(backend, dtype, start):
    """Starts near and past 2**31 / 2**32 (int64 counters) give the reference's rows."""
    d = 16
    count = block_sizes(d)[0] + 1
    pool, neighbors, base_rows = make_inputs(d, dtype, seed=1)
    expected = reference(pool, neighbors, KEY, start, count, base_rows)
    out = run_backend(backend, pool, neighbors, KEY, start, nan_out(count, d, dtype), base_rows)
    check_close(out, expected, dtype, f"{backend} start={start}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d", [200, 257])
def test_wide_rows(backend, d):
    """d above BLOCK_D=128: several feature steps, the last one masked."""
    pool, neighbors, base_rows = make_inputs(d, torch.float32, seed=d)
    expected = reference(pool, neighbors, KEY, 0, 45, base_rows)
    out = run_backend(backend, pool, neighbors, KEY, 0, nan_out(45, d, torch.float32), base_rows)
    check_close(out, expected, torch.float32, f"{backend} d={d}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_lie_on_segments(backend):
    pool, neighbors, base_rows = make_inputs(33, torch.float32, seed=4)
    out = run_backend(backend, pool, neighbors, KEY, 2**33 + 5, nan_out(700, 33, torch.float32), base_rows)
    check_on_segments(
        out, pool.double().numpy(), neighbors.numpy(), KEY, 2**33 + 5, base_rows.numpy(), what=backend
    )
    out = run_backend(backend, pool, neighbors, KEY, 0, nan_out(700, 33, torch.float32))
    check_on_segments(out, pool.double().numpy(), neighbors.numpy(), KEY, 0, what=f"{backend} no base_rows")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_chunk_rows_do_not_change_results(dtype):
    pool, neighbors, base_rows = make_inputs(5, dtype, seed=2)
    outs = {}
    for chunk in (1, 7, 1000, None):
        outs[chunk] = smote_rows_torch(
            pool, neighbors, KEY, 2**33 + 5, nan_out(2500, 5, dtype), base_rows, chunk
        )
    for chunk in (1, 7, 1000):
        assert_equal_verbose(outs[chunk], outs[None], what=f"chunk_rows={chunk} vs None")
    check_close(outs[None], reference(pool, neighbors, KEY, 2**33 + 5, 2500, base_rows), dtype, "chunked")


@pytest.mark.parametrize("backend", BACKENDS[1:])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16], ids=str)
def test_torch_and_triton_agree(backend, dtype):
    """Both fast paths on the same inputs agree with each other to within the reference tolerance."""
    pool, neighbors, base_rows = make_inputs(16, dtype, seed=6)
    a = smote_rows_torch(pool, neighbors, KEY, 3, nan_out(300, 16, dtype), base_rows)
    b = run_backend(backend, pool, neighbors, KEY, 3, nan_out(300, 16, dtype), base_rows)
    check_close(b, a, dtype, f"torch vs {backend}")


# ------------------------------------------------------------------ destinations


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("layout", ["row-slice", "column-slice"])
@pytest.mark.parametrize("d", [33, 16])  # 16: the flat kernel's vector path (VEC > 1)
def test_writes_only_into_the_given_slice(backend, dtype, layout, d):
    count = 130
    pool, neighbors, base_rows = make_inputs(d, dtype, seed=7)
    sentinel = 777.0
    big = torch.full((count + 30, d + 5), sentinel, dtype=dtype)
    if layout == "row-slice":
        region = (slice(10, 10 + count), slice(None))
        big = big[:, :d].contiguous()
    else:  # row stride d + 5, unit feature stride
        region = (slice(10, 10 + count), slice(2, 2 + d))
    out = big[region]
    got = run_backend(backend, pool, neighbors, KEY, 2**33 + 5, out, base_rows)
    assert got.data_ptr() == out.data_ptr()
    check_close(big[region], reference(pool, neighbors, KEY, 2**33 + 5, count, base_rows), dtype, layout)
    outside = torch.ones_like(big, dtype=torch.bool)
    outside[region] = False
    untouched = big[outside] == sentinel
    assert bool(untouched.all()), f"{layout}: {int((~untouched).sum())} values outside the slice overwritten"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("offset", [0, 1, 4])
def test_column_slice_pools_with_whole_vectors(backend, offset):
    """d = 16 pools cut from width-24 rows: vector loads at row stride 24 (offset 0, 4) or none (1)."""
    wide, neighbors, base_rows = make_inputs(24, torch.float32, seed=12)
    pool = wide[:, offset : offset + 16]
    expected = reference(pool.contiguous(), neighbors, KEY, 5, 333, base_rows)
    out = run_backend(backend, pool, neighbors, KEY, 5, nan_out(333, 16, torch.float32), base_rows)
    check_close(out, expected, torch.float32, f"{backend} offset {offset}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_strided_neighbors_and_pool(backend):
    """A neighbour table and a pool that are column slices of wider tensors (row strides > width)."""
    d, k = 9, 4
    pool_wide, nb_wide, base_rows = make_inputs(d + 3, torch.float32, seed=8, k=k + 2)
    pool, neighbors = pool_wide[:, 1 : 1 + d], nb_wide[:, :k]
    base_rows = torch.stack([base_rows, base_rows], dim=1)[:, 0]  # non-contiguous base_rows
    assert not pool.is_contiguous() and not neighbors.is_contiguous() and not base_rows.is_contiguous()
    expected = reference(pool.contiguous(), neighbors.contiguous(), KEY, 99, 300, base_rows.contiguous())
    out = run_backend(backend, pool, neighbors, KEY, 99, nan_out(300, d, torch.float32), base_rows)
    check_close(out, expected, torch.float32, f"{backend} strided inputs")


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_output(backend):
    pool, neighbors, _ = make_inputs(4, torch.float32)
    out = torch.empty((0, 4))
    assert run_backend(backend, pool, neighbors, KEY, 0, out) is out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_inputs_not_modified(backend, dtype):
    pool, neighbors, base_rows = make_inputs(16, dtype, seed=9)
    saved = [t.clone() for t in (pool, neighbors, base_rows)]
    run_backend(backend, pool, neighbors, KEY, 0, nan_out(300, 16, dtype), base_rows)
    for t, s, name in zip(
        (pool, neighbors, base_rows), saved, ("pool", "neighbors", "base_rows"), strict=True
    ):
        assert torch.equal(t, s), f"{backend} modified {name}"


def test_runs_on_device(device):
    pool, neighbors, base_rows = make_inputs(8, torch.float32, seed=10)
    expected = reference(pool, neighbors, KEY, 0, 500, base_rows)
    out = smote_rows_torch(
        pool.to(device),
        neighbors.to(device),
        KEY,
        0,
        nan_out(500, 8, torch.float32).to(device),
        base_rows.to(device),
    )
    assert out.device.type == device.type
    check_close(out.cpu(), expected, torch.float32, f"device={device}")


# ------------------------------------------------------------------ Triton: keys, launch rule, errors


@requires_triton
@pytest.mark.parametrize(
    "key",
    [
        0,
        1,
        12345,
        2**31 - 1,
        2**31,
        2**32 - 1,
        2**32,
        2**32 + 7,
        2**63,
        2**64 - 2**31 - 1,
        2**64 - 2**31,
        2**64 - 1,
    ],
    ids=hex,
)
def test_triton_accepts_any_64bit_key(key):
    """The numpy reference takes any key in [0, 2**64); so must the kernel (small keys included)."""
    pool, neighbors, base_rows = make_inputs(3, torch.float32, seed=11)
    expected = reference(pool, neighbors, key, 0, 50, base_rows)
    for layout in LAYOUTS:
        out = smote_rows_triton(
            pool, neighbors, key, 0, nan_out(50, 3, torch.float32), base_rows, layout=layout
        )
        check_close(out, expected, torch.float32, f"{layout} key={key:#x}")


def test_block_sizes_rule():
    for d in range(1, 300):
        block_m, block_d = block_sizes(d)
        assert block_d & (block_d - 1) == 0, (d, block_d)  # a power of two
        assert block_d == min(128, max(1, 1 << (d - 1).bit_length())), (d, block_d)
        assert block_d >= min(d, 128)
        assert block_m >= 16 and block_m & (block_m - 1) == 0, (d, block_m)
        assert block_m * block_d == max(4096, 16 * block_d), (d, block_m, block_d)


def test_vector_width_rule():
    """Vectors of up to 16 bytes that divide d and the row stride and start aligned."""
    assert vector_width(16, 16, 0, 4) == 4
    assert vector_width(20, 20, 0, 4) == 4
    assert vector_width(33, 33, 0, 4) == 1
    assert vector_width(34, 34, 0, 4) == 2
    assert vector_width(16, 16, 4, 4) == 1  # pool starts one fp32 past a 16-byte boundary
    assert vector_width(16, 16, 8, 4) == 2
    assert vector_width(16, 18, 0, 4) == 2  # row stride 18: rows alternate alignment
    assert vector_width(16, 16, 0, 2) == 8 and vector_width(16, 16, 0, 8) == 2
    for d in range(1, 70):
        for stride in (d, d + 1, d + 3):
            for ptr in (0, 2, 4, 8, 16):
                for itemsize in (2, 4, 8):
                    vec = vector_width(d, stride, ptr, itemsize)
                    assert vec * itemsize <= 16 and vec & (vec - 1) == 0
                    if vec > 1:
                        assert d % vec == 0 and stride % vec == 0 and ptr % (vec * itemsize) == 0
                    wider = 2 * vec  # and the widest such vector
                    fits = d % wider == 0 and stride % wider == 0 and ptr % (wider * itemsize) == 0
                    assert wider * itemsize > 16 or not fits, (d, stride, ptr, itemsize, vec)


def test_flat_block_sizes_cover_every_program():
    """BLOCK_R covers every row a program's run of BLOCK_E elements touches, for every program start."""
    for d in [*range(1, 140), 200, 257, 1000, 5000]:
        for vec in (1, 2, 4, 8):
            if d % vec:
                continue
            block_e, block_r = flat_block_sizes(d, vec)
            assert block_e % vec == 0 and block_e & (block_e - 1) == 0
            assert block_r & (block_r - 1) == 0
            # Program starts repeat with period d / gcd(d, block_e) in their offset into a row.
            for pid in range(d // math.gcd(d, block_e) + 1):
                first, last = pid * block_e, pid * block_e + block_e - 1
                touched = last // d - first // d + 1
                assert touched <= block_r, (d, vec, pid, touched, block_r)
            # And not wastefully many: below twice the rows a run can touch.
            assert block_r < 2 * (block_e // d + 2), (d, vec, block_r)
    # Caller-chosen elements per program (smote_rows_triton(elements=...)), down to 16.
    for d in (1, 3, 16, 20, 33, 100, 4096):
        for elements in (16, 64, 1024, 8192):
            block_e, block_r = flat_block_sizes(d, 1, elements)
            assert block_e == elements
            for pid in range(d // math.gcd(d, block_e) + 1):
                first, last = pid * block_e, pid * block_e + block_e - 1
                assert last // d - first // d + 1 <= block_r, (d, elements, pid, block_r)


@requires_triton
def test_kernel_layout_rule(monkeypatch):
    """'flat' for every shape, dtype and stride (it was measured faster); 'tile' without tl.gather."""
    from torchsmote.kernels import interpolate_triton

    def layout(d, dtype=torch.float32, out_stride=None):
        pool = torch.zeros(4, d, dtype=dtype)
        out = torch.zeros(3, out_stride or d, dtype=dtype)[:, :d]
        return kernel_layout(pool, out)

    cases = [
        (1,),
        (16,),
        (20,),
        (32,),
        (33,),
        (64, torch.bfloat16),
        (64, torch.float64),
        (32, torch.float32, 40),
    ]
    assert {layout(*case) for case in cases} == {"flat"}
    monkeypatch.setattr(interpolate_triton, "_has_gather", lambda: False)
    assert {layout(*case) for case in cases} == {"tile"}


@requires_triton
def test_forcing_flat_without_gather_is_refused_clearly(monkeypatch):
    from torchsmote.kernels import interpolate_triton

    monkeypatch.setattr(interpolate_triton, "_has_gather", lambda: False)
    pool, neighbors, out = torch.randn(5, 3), torch.zeros(5, 2, dtype=torch.int64), torch.zeros(4, 3)
    with pytest.raises(ValueError, match=r"layout='flat' needs Triton >= 3.2"):
        smote_rows_triton(pool, neighbors, 0, 0, out, layout="flat")


def _error_cases():
    d, n_pool, n_base, k = REFUSAL_SHAPE
    pool = torch.randn(n_pool, d)
    nb = torch.randint(0, n_pool, (n_base, k))
    out = torch.full((17, d), 5.0)  # defined values: NaN garbage would fail torch.equal
    meta = torch.device("meta")
    return {
        "out-dtype": (dict(out=out.double()), "out dtype"),
        "pool-int": (dict(pool=pool.int(), out=out.int()), "float16/bfloat16/float32/float64"),
        "pool-1d": (dict(pool=pool[:, 0]), "2-D"),
        "out-1d": (dict(out=out[:, 0]), "2-D"),
        "width": (dict(out=torch.full((17, d + 1), 5.0)), "same d"),
        "nb-int16": (dict(neighbors=nb.short()), "int32 or int64 tensor, got 2-D torch.int16"),
        "nb-float": (dict(neighbors=nb.float()), "int32 or int64 tensor"),
        "nb-1d": (dict(neighbors=nb[:, 0]), "2-D int32 or int64 tensor, got 1-D"),
        "pool-columns": (dict(pool=torch.randn(d, n_pool).T), "contiguous rows"),
        "out-columns": (dict(out=torch.full((d, 17), 5.0).T), "contiguous rows"),
        "nb-columns": (dict(neighbors=torch.randint(0, n_pool, (k, n_base)).T), "contiguous rows"),
        "nb-device": (dict(neighbors=nb.to(meta)), "one device"),
        "base-rows-device": (dict(base_rows=torch.arange(n_base, device=meta)), "one device"),
        "out-device": (dict(out=torch.empty(17, d, device=meta)), "one device"),
        "too-many-pairs": (
            dict(neighbors=torch.zeros(1, 1, dtype=torch.int64).expand(2**31, 1)),
            "2\\*\\*31",
        ),
        "k-zero": (dict(neighbors=torch.zeros(n_base, 0, dtype=torch.int64)), "at least one"),
        "layout": (dict(layout="rows"), "layout must be one of"),
        "cache-policy": (dict(cache_policy="evict_last"), "cache_policy must be one of"),
        "elements": (dict(elements=1000), "power of two"),
    }


ERROR_CASES = _error_cases()


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_triton_launcher_refuses_clearly(case):
    assert_launch_refused(smote_rows_triton, KEY, *ERROR_CASES[case])


def test_torch_refuses_too_many_pairs():
    nb = torch.zeros(1, 1, dtype=torch.int64).expand(2**31, 1)
    with pytest.raises(ValueError, match="2\\*\\*31"):
        smote_rows_torch(torch.randn(5, 2), nb, KEY, 0, torch.empty(3, 2))


# ------------------------------------------------------------------ property tests


@st.composite
def problems(draw, dtypes):
    n_pool = draw(st.integers(1, 30))
    d = draw(st.integers(1, 40))
    n_base = draw(st.integers(1, n_pool))
    k = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    dtype = draw(st.sampled_from(dtypes))
    gen = torch.Generator().manual_seed(seed)
    pool = (torch.randn(n_pool, d, generator=gen, dtype=torch.float64) * 10).to(dtype)
    neighbors = torch.randint(0, n_pool, (n_base, k), generator=gen)
    base_rows = torch.randint(0, n_pool, (n_base,), generator=gen) if draw(st.booleans()) else None
    count = draw(st.integers(0, 300))
    start = draw(st.integers(0, 2**48))
    return pool, neighbors, base_rows, count, start


@settings(max_examples=80, deadline=None)
@given(problem=problems(DTYPES), key=st.integers(0, 2**64 - 1), chunk=st.none() | st.integers(1, 64))
def test_property_torch_matches_reference(problem, key, chunk):
    pool, neighbors, base_rows, count, start = problem
    out = nan_out(count, pool.shape[1], pool.dtype)
    smote_rows_torch(pool, neighbors, key, start, out, base_rows, chunk)
    check_close(out, reference(pool, neighbors, key, start, count, base_rows), pool.dtype, "torch")


@requires_triton
@settings(max_examples=30, deadline=None)
@given(
    problem=problems(DTYPES),
    seed=st.integers(0, 2**64 - 1),
    stream=st.integers(0, 20),
    layout=st.sampled_from(LAYOUTS),
    table=st.sampled_from([torch.int64, torch.int32]),
)
def test_property_triton_matches_reference(problem, seed, stream, layout, table):
    """Keys as the samplers make them (stream_key): small keys are covered separately above."""
    pool, neighbors, base_rows, count, start = problem
    key = stream_key(seed, stream)
    out = nan_out(count, pool.shape[1], pool.dtype)
    smote_rows_triton(pool, neighbors.to(table), key, start, out, base_rows, layout=layout)
    expected = reference(pool, neighbors, key, start, count, base_rows)
    check_close(out, expected, pool.dtype, f"triton {layout}")
