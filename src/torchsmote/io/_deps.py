"""Optional dependencies of the file tools, imported lazily in one place.

``import torchsmote`` never imports pyarrow, matplotlib or tqdm; the command
line and :mod:`torchsmote.io` ask for them here when a file is first touched,
and a missing one is reported with the ``pip install`` that fixes it.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingDependencyError(ImportError):
    """An optional dependency is not installed; the message names the extra."""


def _require(module: str, extra: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{what} needs {module.split('.')[0]}, which is not installed: pip install 'torchsmote[{extra}]'"
        ) from exc


def require_pyarrow() -> ModuleType:
    """``pyarrow`` (with ``pyarrow.csv``, ``pyarrow.parquet`` and ``pyarrow.ipc`` loaded)."""
    pa = _require("pyarrow", "io", "reading and writing Parquet, CSV and Feather files")
    for sub in ("pyarrow.csv", "pyarrow.parquet", "pyarrow.ipc", "pyarrow.compute"):
        _require(sub, "io", "reading and writing Parquet, CSV and Feather files")
    return pa


def require_matplotlib() -> ModuleType:
    """``matplotlib.figure`` (figures are drawn with the Agg canvas, never through pyplot).

    Going through ``Figure`` and ``FigureCanvasAgg`` directly works without a
    display and leaves the caller's pyplot backend alone (no global switch).
    """
    _require("matplotlib", "plot", "torchsmote plot")
    _require("matplotlib.backends.backend_agg", "plot", "torchsmote plot")
    return _require("matplotlib.figure", "plot", "torchsmote plot")


def optional_tqdm():
    """``tqdm.tqdm``, or None when tqdm is not installed (progress bars are optional)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm
