"""What ships: the wheel carries the kernels and ``py.typed``; importing the package stays light.

The wheel build is the slowest test here (a few seconds): it builds from a copy of
the sources in a temporary folder, so the repository gets no ``build/`` folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    src = tmp_path_factory.mktemp("src")
    shutil.copy2(ROOT / "pyproject.toml", src)
    for name in ("README.md", "LICENSE", "MANIFEST.in", "setup.cfg", "setup.py"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", src / "src", ignore=ignore)
    shutil.copytree(ROOT / "kernels", src / "kernels", ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q"]
    proc = subprocess.run([*cmd, "-w", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(out.glob("torchsmote-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as zf:
        yield zf


@pytest.mark.parametrize(
    "path",
    [
        "torchsmote/kernels/interpolate_triton.py",
        "torchsmote/kernels/counter_rng.py",
        "torchsmote/py.typed",
        "torchsmote/__init__.py",
        "torchsmote/over_sampling/smote.py",
        "torchsmote/neighbors/__init__.py",
        "torchsmote/cli/__init__.py",
        "torchsmote/cli/resample.py",
        "torchsmote/io/streaming.py",
        "torchsmote/io/methods.py",
        "torchsmote/io/in_memory.py",
        "torchsmote/neighbors/family.py",
        "torchsmote/under_sampling/cleaning.py",
        "torchsmote/combine/__init__.py",
        "torchsmote/clusters.py",
        "torchsmote/over_sampling/svm.py",
        "torchsmote/over_sampling/kmeans.py",
    ],
)
def test_wheel_contains(wheel, path):
    assert path in wheel.namelist(), f"{path} missing from the wheel: {sorted(wheel.namelist())}"


def test_wheel_ships_every_kernel_module(wheel):
    names = set(wheel.namelist())
    for module in sorted((ROOT / "kernels").glob("*.py")):
        assert f"torchsmote/kernels/{module.name}" in names


def test_import_does_not_pull_triton_or_faiss():
    code = "import torchsmote, sys; print('triton' in sys.modules, 'faiss' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "False"], proc.stdout
