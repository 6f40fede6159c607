"""The CUDA build of the generation kernels, checked without a GPU.

``bench/kernel_resources.py`` compiles the launch that ``smote_rows_triton`` would
make for an H100/H200 (sm_90) with Triton's own toolchain and reads the binary's
resources. A kernel that spills registers to local memory, or loads scalars where
16-byte vectors are possible, is several times slower on the GPU (the tile kernel
at d = 33: 255 registers + 80 bytes of stack, 19% of copy bandwidth on an H200),
and the CPU interpreter cannot show it: this test can.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from kernel_resources import _tools  # noqa: E402


def _toolchain() -> bool:
    try:
        return (_tools() / "cuobjdump").exists()
    except ImportError:
        return False


pytestmark = pytest.mark.skipif(
    not _toolchain(), reason="needs triton with its CUDA toolchain (Linux x86_64)"
)

#: (d, dtype, the widest pool load the launch can make: 16-byte vectors where d allows).
#: The default cache policy ("table-last") reads the int32 table with the evict_last
#: hint (".EL") and stores the output streaming (".EF"); pool loads carry no hint.
CASES = [
    (1, "float32", "LDG.E"),
    (3, "float32", "LDG.E"),
    (16, "float32", "LDG.E.128"),
    (20, "float32", "LDG.E.128"),
    (33, "float32", "LDG.E"),
    (64, "float32", "LDG.E.128"),
    (100, "float32", "LDG.E.128"),
    (16, "bfloat16", "LDG.E.128"),
    (33, "bfloat16", "LDG.E.U16"),
    (16, "float64", "LDG.E.128"),
    (33, "float64", "LDG.E.64"),
]


def _compiler_env() -> dict:
    """This environment without the interpreter (under it, Triton compiles nothing)."""
    return {key: value for key, value in os.environ.items() if key != "TRITON_INTERPRET"}


@pytest.fixture(scope="module")
def resources() -> dict:
    """Compile every case once, in a process without the interpreter."""
    env = _compiler_env()
    by_dtype: dict[str, list[int]] = {}
    for d, dtype, _ in CASES:
        by_dtype.setdefault(dtype, []).append(d)
    found = {}
    for dtype, dims in by_dtype.items():
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "kernel_resources.py"), "--json", "--dtype", dtype, "--d"]
            + [str(d) for d in dims],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        for row in json.loads(done.stdout):
            found[(row["d"], row["dtype"])] = row
    return found


@pytest.mark.parametrize(("d", "dtype", "widest_load"), CASES, ids=[f"d{d}-{t}" for d, t, _ in CASES])
def test_default_launch_does_not_spill_and_loads_whole_vectors(resources, d, dtype, widest_load):
    row = resources[(d, dtype)]
    what = f"d={d} {dtype} ({row['layout']} layout, {row['constexprs']})"
    assert row["stack_bytes"] == 0, (
        f"{what}: spills, {row['registers']} registers + {row['stack_bytes']} B stack"
    )
    # The int32 table's reads carry the evict_last hint (LDG.E.EL); the pool's carry none.
    pool_loads = {op for op in row["loads"] if ".EL" not in op}
    assert widest_load in pool_loads, f"{what}: pool loads {row['loads']}, expected {widest_load}"
    vectors = widest_load.endswith(".128")
    if vectors:
        assert pool_loads == {widest_load}, f"{what}: scalar pool loads next to vectors: {row['loads']}"
    assert set(row["loads"]) - pool_loads == {"LDG.E.EL"}, f"{what}: table reads {row['loads']}"
    # A contiguous, aligned output is written streaming in 16-byte vectors for every d (the
    # flat kernel's last program, masked, may store scalars where d is not a multiple of 4).
    assert "STG.E.EF.128" in row["stores"], f"{what}: stores {row['stores']}"
    if vectors:
        assert set(row["stores"]) == {"STG.E.EF.128"}, f"{what}: stores {row['stores']}"


#: Launches at the edges of the argument values: Triton turns an int argument equal to 1
#: into a constant unless told not to, and a kernel calling `.to()` on it then fails to
#: compile; the interpreter never does this, so only a real build shows it.
EDGE_LAUNCHES = [
    {"rows": 1, "n_base": 1, "k": 1},
    {"rows": 1, "n_base": 1, "k": 1, "with_base_rows": True},
    {"rows": 16, "n_base": 16, "k": 16, "with_base_rows": True},
    {"rows": 3, "n_base": 2, "k": 1},
    # Calls making fewer rows than the table has entries keep the int64 table.
    {"rows": 16, "n_base": 16, "k": 2, "table_dtype": "int64"},
]


def test_edge_launches_compile_for_both_layouts():
    script = f"""
import json, sys, torch
sys.path.insert(0, {str(ROOT / "bench")!r})
from kernel_resources import compile_launch
found = []
for layout in ("tile", "flat"):
    for d, dtype in ((16, torch.float32), (33, torch.float64)):
        for launch in {EDGE_LAUNCHES!r}:
            options = dict(launch, table_dtype=getattr(torch, launch.get("table_dtype", "int32")))
            r = compile_launch(d, dtype, layout, **options)
            found.append([layout, d, str(dtype), launch, r.stack_bytes])
print(json.dumps(found))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=_compiler_env(), timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    assert len(found) == 2 * 2 * len(EDGE_LAUNCHES)
    spilled = [row for row in found if row[-1] and row[0] == "flat"]  # tile spills at d=33 fp64
    assert not spilled, f"flat kernel spills: {spilled}"


#: Each cache policy's hints as the sm_90 binary carries them at d = 16 fp32 (int32
#: table): pool loads (16-byte vectors), table loads (32-bit) and output stores.
POLICY_SASS = {
    "none": ("LDG.E.128", "LDG.E", "STG.E.128"),
    "pool-last": ("LDG.E.EL.128", "LDG.E", "STG.E.EF.128"),
    "table-last": ("LDG.E.128", "LDG.E.EL", "STG.E.EF.128"),
    "both-last": ("LDG.E.EL.128", "LDG.E.EL", "STG.E.EF.128"),
    "pool-first": ("LDG.E.EF.128", "LDG.E.EL", "STG.E.EF.128"),
}


def test_every_cache_policy_reaches_the_binary():
    from torchsmote.kernels.interpolate_triton import CACHE_POLICIES

    assert set(POLICY_SASS) == set(CACHE_POLICIES)
    script = f"""
import json, sys, torch
sys.path.insert(0, {str(ROOT / "bench")!r})
from kernel_resources import compile_launch
found = {{}}
for policy in {sorted(POLICY_SASS)!r}:
    r = compile_launch(16, torch.float32, "flat", cache_policy=policy)
    found[policy] = [sorted(r.loads), sorted(r.stores), r.stack_bytes]
print(json.dumps(found))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=_compiler_env(), timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for policy, (loads, stores, stack) in json.loads(done.stdout).items():
        pool_load, table_load, store = POLICY_SASS[policy]
        assert sorted({pool_load, table_load}) == loads, f"{policy}: loads {loads}"
        assert stores == [store], f"{policy}: stores {stores}"
        assert stack == 0, f"{policy}: spills"
