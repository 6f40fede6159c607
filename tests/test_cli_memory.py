"""The streaming bound: resampling a 2,000,000-row Parquet file holds far less than its output,
and no more than resampling a quarter of it.

The child process warms up on a small file first (imports, thread pools, the
first Arrow and torch allocations, and numba's compiler with the CPU generation
kernel, ~100 MB once per process, which the small file alone would not load:
it is below ``AUTO_NUMBA_MIN_ELEMENTS``), then resets the kernel's peak-RSS counter
(``/proc/self/clear_refs``), so ``VmHWM - VmRSS`` measures the big run alone:
the interpreter and its imports (~400 MB with torch) are the subtracted
baseline. The output (4M rows) would need ~275 MiB in memory; a non-streamed
``fit_resample`` holds at least that (~1.2x, bench/RESULTS.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

N_ROWS, N_MINORITY, N_FEATURES = 2_000_000, 2_000, 16
#: Generous: measured 45-60 MiB on the 2-core dev VM (the k-NN's and the Parquet
#: encoder's fixed working memory), against ~275 MiB of output.
MAX_SHARE_OF_OUTPUT = 0.4

CHILD = r"""
import json, pathlib, sys
from torchsmote.cli import main

def status_bytes(field):
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

small, small_out, *runs = sys.argv[1:]
import torch
from torchsmote.kernels.interpolate_numba import smote_rows_numba
smote_rows_numba(torch.zeros(3, 2), torch.zeros(3, 1, dtype=torch.int64), 0, 0, torch.empty(5, 2))
assert main(["resample", small, "-o", small_out, "--label", "label", "-q"]) == 0
results = []
for big, big_out in zip(runs[::2], runs[1::2]):
    pathlib.Path("/proc/self/clear_refs").write_text("5")
    before = status_bytes("VmRSS")
    code = main(["resample", big, "-o", big_out, "--label", "label", "-q"])
    results.append({"code": code, "baseline": before, "peak_extra": status_bytes("VmHWM") - before})
print(json.dumps(results))
"""


def write_input(path: Path, n_rows: int, n_minority: int, d: int) -> None:
    """Random float32 features; the minority rows spread over every row group."""
    rng = np.random.default_rng(0)
    schema = pa.schema([(f"f{j}", pa.float32()) for j in range(d)] + [("label", pa.int64())])
    step = 100_000
    with pq.ParquetWriter(path, schema) as writer:
        for _ in range(0, n_rows, step):
            X = rng.normal(size=(step, d)).astype(np.float32)
            y = np.zeros(step, np.int64)
            y[rng.choice(step, n_minority * step // n_rows, replace=False)] = 1
            columns = [pa.array(X[:, j]) for j in range(d)] + [pa.array(y)]
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc peak-RSS reset")
def test_peak_memory_stays_far_below_the_output(tmp_path):
    big, quarter, small = tmp_path / "big.parquet", tmp_path / "quarter.parquet", tmp_path / "small.parquet"
    write_input(big, N_ROWS, N_MINORITY, N_FEATURES)
    write_input(quarter, N_ROWS // 4, N_MINORITY // 4, N_FEATURES)
    write_input(small, 20_000, 1_000, N_FEATURES)
    out = tmp_path / "out.parquet"
    args = [small, tmp_path / "small_out.parquet", quarter, tmp_path / "quarter_out.parquet", big, out]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, args)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    quarter_run, result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0 and quarter_run["code"] == 0

    n_out = 2 * (N_ROWS - N_MINORITY)  # balanced 1:1
    meta = pq.read_metadata(out)
    assert meta.num_rows == n_out
    output_bytes = n_out * (N_FEATURES * 4 + 8)
    share = result["peak_extra"] / output_bytes
    print(
        f"peak extra {result['peak_extra'] / 2**20:.1f} MiB over a {result['baseline'] / 2**20:.0f} MiB "
        f"baseline (500k rows: {quarter_run['peak_extra'] / 2**20:.1f} MiB); "
        f"output {output_bytes / 2**20:.0f} MiB in memory; share {share:.2f}"
    )
    assert share < MAX_SHARE_OF_OUTPUT, (
        f"streamed resample peaked at {result['peak_extra'] / 2**20:.1f} MiB above the baseline, "
        f"{share:.2f} of the {output_bytes / 2**20:.0f} MiB output"
    )
    # 4x the rows (majority and synthetic alike): the peak must not follow. A held
    # copy of the extra 1.5M input rows alone would add ~100 MiB; allow 24 MiB of noise.
    growth = result["peak_extra"] - quarter_run["peak_extra"]
    assert growth < 24 * 2**20, f"peak grew by {growth / 2**20:.1f} MiB from 500k to 2M rows"
    labels = pq.read_table(out, columns=["label"])["label"].to_numpy()
    assert int(labels.sum()) == N_ROWS - N_MINORITY
