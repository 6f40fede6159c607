"""bench/gather_roofline.py: the random-read ceiling kernels must move the rows they claim.

Their timings only mean something if each pattern reads what its name says; checked
here under the Triton interpreter against every candidate row (or sum of two rows).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from conftest import requires_triton

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

pytestmark = requires_triton


def _rows_found_in(out: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    """For each output row, whether it equals one candidate row exactly."""
    return (out[:, None, :] == candidates[None, :, :]).all(dim=2).any(dim=1)


@pytest.mark.parametrize("d", [1, 16, 32])
def test_each_pattern_reads_what_it_says(d):
    from gather_roofline import PATTERNS, gather_rows, traffic_bytes

    gen = torch.Generator().manual_seed(d)
    n_pool, k, count = 37, 3, 301  # count not a multiple of the block
    # Small integers: sums of two rows are exact, so equality below is exact.
    pool = torch.randint(-50, 50, (n_pool, d), generator=gen).float()
    table = torch.randint(0, n_pool, (n_pool, k), generator=gen, dtype=torch.int32)
    pair_sums = (pool[:, None, :] + pool[None, :, :]).reshape(-1, d)
    neighbour_sums = (pool[:, None, :] + pool[table.long()]).reshape(-1, d)
    in_order = pool[torch.arange(count) % n_pool]
    doubles = 2 * pool
    for pattern in PATTERNS:
        out = torch.full((count, d), float("nan"))
        gather_rows(pool, table, out, pattern, block=64)
        if pattern == "seq1":
            assert torch.equal(out, in_order)
        elif pattern == "rand1":
            assert _rows_found_in(out, pool).all()
            assert not torch.equal(out, in_order)  # random rows, not the rows in order
        elif pattern == "rand2":
            assert _rows_found_in(out, pair_sums).all()
            # Two independent rows: neither a row and its table neighbour nor one row twice.
            assert not _rows_found_in(out, neighbour_sums).all()
            assert not _rows_found_in(out, doubles).all()
        else:
            assert _rows_found_in(out, neighbour_sums).all()
            assert not _rows_found_in(out, doubles).all()
    assert traffic_bytes("rand2t", 10, d, 4) == 10 * (3 * d * 4 + 4)
    assert traffic_bytes("seq1", 10, d, 2) == 10 * 2 * d * 2


def test_refuses_unknown_patterns_and_odd_widths():
    from gather_roofline import gather_rows

    pool, table = torch.zeros(4, 3), torch.zeros(4, 2, dtype=torch.int32)
    with pytest.raises(ValueError, match="pattern must be one of"):
        gather_rows(pool, table, torch.zeros(5, 3), "rand3")
    with pytest.raises(ValueError, match="power-of-two width"):
        gather_rows(pool, table, torch.zeros(5, 3), "rand1")
