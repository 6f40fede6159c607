"""The fused Triton k-NN shortlist == the numpy reference after the exact re-rank.

On CPU the kernel runs under TRITON_INTERPRET=1 (set by conftest); on CUDA
the same tests run the compiled kernel.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import requires_triton
from torchsmote.kernels import knn_torch
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import _shortlist_blocked, centred_work_copy, knn_rows_torch, knn_self_torch
from torchsmote.kernels.knn_triton import shortlist_triton
from utils import assert_equal_verbose

pytestmark = requires_triton


@pytest.mark.parametrize(
    ("n", "d", "k"),
    [(2, 1, 1), (6, 1, 5), (70, 1, 5), (65, 3, 5), (130, 16, 5), (200, 33, 9), (150, 70, 3), (97, 128, 5)],
)
def test_fused_knn_equals_reference(n, d, k, device):
    rng = np.random.default_rng(n * 1000 + d)
    x = rng.standard_normal((n, d)).astype(np.float32)
    xt = torch.from_numpy(x).to(device)
    before = xt.clone()
    got = knn_self_torch(xt, k, strategy="fused")
    assert torch.equal(xt, before), "the fused k-NN modified its input"
    assert got.device == xt.device and got.dtype == torch.int64
    assert_equal_verbose(got, knn_self_numpy(x, k), what=f"fused k-NN n={n} d={d} k={k}")


@pytest.mark.parametrize("precision", ["ieee", "tf32x3"])
def test_fused_knn_ties_and_offsets(precision, device, monkeypatch):
    """Integer-grid rows (many exact ties, broken by index) far from the origin."""
    monkeypatch.setattr(knn_torch, "FUSED_PRECISION", precision)
    rng = np.random.default_rng(5)
    x = (rng.integers(0, 3, size=(150, 4)) + 1000.0).astype(np.float32)
    got = knn_self_torch(torch.from_numpy(x).to(device), 5, strategy="fused")
    assert_equal_verbose(got, knn_self_numpy(x, 5), what=f"fused k-NN on a grid ({precision})")


def test_shortlist_is_the_m_smallest(device):
    """Without ties the fused shortlist is the torch blocked shortlist, as sets."""
    x = torch.randn(300, 12, generator=torch.Generator().manual_seed(1)).to(device)
    xw, _ = centred_work_copy(x)
    fused = shortlist_triton(xw, 9).sort(dim=1).values
    blocked = _shortlist_blocked(xw, 9).sort(dim=1).values
    assert_equal_verbose(fused, blocked, what="fused vs blocked shortlist")
    rows = torch.tensor([299, 0, 64, 63], device=device)
    assert_equal_verbose(shortlist_triton(xw, 9, rows).sort(dim=1).values, blocked[rows], what="query rows")


@pytest.mark.parametrize("n", [140, 500])
def test_fused_rows_query(n, device):
    """Query rows: the kernel's shortlist for them equals the blocked one; on CUDA,
    knn_rows_torch (which takes the fused path there) equals the reference's rows."""
    x = torch.randn(n, 7, generator=torch.Generator().manual_seed(n)).to(device)
    rows = torch.tensor([3, n - 1, 70, 63, 64], device=device)
    xw, _ = centred_work_copy(x)
    got = shortlist_triton(xw, 6, rows).sort(dim=1).values
    assert_equal_verbose(got, _shortlist_blocked(xw, 6, rows).sort(dim=1).values, what="shortlist rows")
    expected = knn_self_numpy(x.cpu().numpy(), 4)[rows.cpu().numpy()]
    assert_equal_verbose(knn_rows_torch(x, 4, rows), expected, what="knn_rows_torch")


def test_fused_refuses_float64_and_bad_arguments():
    with pytest.raises(ValueError, match="fused"):
        knn_self_torch(torch.randn(10, 2, dtype=torch.float64), 3, strategy="fused")
    xw = torch.randn(10, 2)
    with pytest.raises(ValueError, match="precision"):
        shortlist_triton(xw, 3, precision="bf16")
    with pytest.raises(ValueError, match="m <= n - 1"):
        shortlist_triton(xw, 10)
