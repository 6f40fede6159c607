"""The numba selection of the k-NN shortlist == torch.topk (values exactly; columns up to ties)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_interpolation_numba import torch_threads
from torchsmote.kernels._select_numba_jit import GROUP
from torchsmote.kernels.select_numba import smallest_per_row_numba
from utils import assert_equal_verbose


def check_selection(dist: torch.Tensor, m: int, what: str) -> None:
    values, columns = smallest_per_row_numba(dist, m)
    expected = torch.topk(dist, m, dim=1, largest=False, sorted=True).values
    assert values.dtype == dist.dtype and columns.dtype == torch.int64, what
    assert_equal_verbose(values, expected, what=f"{what}: values")
    assert_equal_verbose(dist.gather(1, columns), values, what=f"{what}: the columns hold the values")
    distinct = torch.sort(columns, dim=1).values.diff(dim=1)
    assert bool((distinct > 0).all()), f"{what}: a column listed twice"


# Column counts on both sides of the grouped path (>= 2m groups of GROUP) and with loose columns.
@pytest.mark.parametrize("threads", [1, 2], ids=["serial", "parallel"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("c", [1, 9, 17, 2 * 9 * GROUP - 1, 2 * 9 * GROUP, 1000, 2053])
def test_matches_topk(c, dtype, threads):
    gen = torch.Generator().manual_seed(c)
    dist = torch.randn(37, c, generator=gen, dtype=dtype)
    with torch_threads(threads):
        for m in sorted({1, min(c, 5), min(c, 9), c}):
            check_selection(dist, m, f"c={c} m={m}")


def test_inf_entries_and_ties():
    """inf marks excluded entries (a row itself); heavy ties keep m distinct columns of the m-th value."""
    dist = torch.full((5, 700), 3.0)
    dist[:, ::7] = 1.0
    dist[:, 5] = math.inf
    dist[2] = math.inf  # a row with nothing finite still returns m columns
    dist[3, 600:] = 0.5
    for m in (1, 9, 150):
        check_selection(dist, m, f"ties m={m}")


def test_nan_rows_still_get_m_distinct_columns():
    """NaN never reaches the selection (inputs are checked); if it did, columns stay valid indices."""
    dist = torch.randn(4, 900)
    dist[1] = math.nan
    dist[2, ::3] = math.nan
    values, columns = smallest_per_row_numba(dist, 9)
    assert bool(((columns >= 0) & (columns < 900)).all())
    assert bool((torch.sort(columns, dim=1).values.diff(dim=1) > 0).all())
    for row in (0, 3):  # rows without NaN are unaffected
        expected = torch.topk(dist[row], 9, largest=False).values
        assert_equal_verbose(values[row], expected, what=f"row {row}")


def test_non_contiguous_input_and_empty_rows():
    base = torch.randn(40, 800, dtype=torch.float64)
    check_selection(base[:, ::2], 9, "column stride 2")
    check_selection(base.T[:300], 9, "transposed view")
    values, columns = smallest_per_row_numba(torch.empty(0, 50), 9)
    assert values.shape == (0, 9) and columns.shape == (0, 9)


@settings(max_examples=80, deadline=None)
@given(
    r=st.integers(1, 30),
    c=st.integers(1, 700),
    m_frac=st.floats(0, 1),
    levels=st.sampled_from([0, 3, 50]),  # 0: continuous values; else integer levels (ties)
    seed=st.integers(0, 2**31 - 1),
)
def test_property_matches_topk(r, c, m_frac, levels, seed):
    gen = torch.Generator().manual_seed(seed)
    if levels:
        dist = torch.randint(0, levels, (r, c), generator=gen).float()
    else:
        dist = torch.randn(r, c, generator=gen)
    m = 1 + int(m_frac * (c - 1))
    check_selection(dist, m, f"r={r} c={c} m={m} levels={levels}")


@pytest.mark.parametrize(
    "dist,m,match",
    [
        (torch.randn(4, 10).half(), 3, "float32/float64"),
        (torch.randn(10), 3, "2-D"),
        (torch.randn(4, 10), 0, "1 <= m <= 10"),
        (torch.randn(4, 10), 11, "1 <= m <= 10"),
        (torch.randn(4, 10, device="meta"), 3, "CPU"),
    ],
    ids=["float16", "1-D", "m-zero", "m-too-large", "meta"],
)
def test_refuses_clearly(dist, m, match):
    with pytest.raises(ValueError, match=match):
        smallest_per_row_numba(dist, m)
