"""bench/gpu_check.py must keep working: run its --quick mode here (CPU, interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_quick_mode_runs_and_reports(tmp_path):
    out = tmp_path / "gpu_check.json"
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gpu_check.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["correctness"] and all(check["ok"] for check in report["correctness"])
    assert report["nominal"]["checks"] and all(check["ok"] for check in report["nominal"]["checks"])
    assert {row["d"] for row in report["generation"]} >= {16, 32, 64, 128}
    assert report["knn"][0]["seconds"] > 0 and not report["errors"]
    assert report["hundred_million"]["finite"]
    assert report["training"]["sample_equals_fit_resample"] and report["training"]["appended"] > 0
    patterns = {"seq1", "rand1", "rand2", "rand2t", "rand2t+hints", "smote"}
    assert {row["pattern"] for row in report["roofline"]} == patterns
    assert {"raw_launch_us", "smote_rows_triton_us", "generate_rows_us"} <= set(report["overhead"])
    from torchsmote.kernels.interpolate_triton import CACHE_POLICIES

    assert {row["before"] for row in report["linger"]} == {"warm", "after copy", *CACHE_POLICIES}
    cli = report["host_profile"]["cli_kmeans-smote_cold"]
    assert cli["rc"] == 0 and any("fit_resample" in line for line in cli["top"])
    assert any("fit_resample" in line for line in report["host_profile"]["w2_numpy"])
    assert "correctness:" in done.stdout
