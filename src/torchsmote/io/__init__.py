"""File IO for the command line: streamed table readers, atomic writers, streamed resampling.

Needs the ``io`` extra (``pip install 'torchsmote[io]'``: pyarrow, tqdm); it is
imported lazily, so ``import torchsmote`` and ``import torchsmote.io`` work
without it and the first file operation names the missing package.
"""

from ._deps import MissingDependencyError
from .formats import FORMATS, FormatError, OptionError, TableSource, detect_format, open_source
from .streaming import (
    DEFAULT_CHUNK_ROWS,
    METHODS,
    Plan,
    ResampleOptions,
    check_output,
    gather_pools,
    plan_resample,
    read_arrays,
    resample_file,
    synthetic_chunks,
)
from .writers import AtomicPath, numpy_label_path, open_writer

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "FORMATS",
    "METHODS",
    "AtomicPath",
    "FormatError",
    "MissingDependencyError",
    "OptionError",
    "Plan",
    "ResampleOptions",
    "TableSource",
    "check_output",
    "detect_format",
    "gather_pools",
    "numpy_label_path",
    "open_source",
    "open_writer",
    "plan_resample",
    "read_arrays",
    "resample_file",
    "synthetic_chunks",
]
