"""The synthetic stream of a fitted sampler: any slice, on demand, from the counter RNG.

A fitted SMOTE holds, per class it over-samples, the class's rows (the *pool*)
and their neighbour table on the working device. Row ``j`` of that class's stream
is a pure function of ``(seed, class, j)``, so the sampler can hand out any slice
of its synthetic rows at any time, in any order of calls, without refitting.

The sampler's *combined* stream lays the classes end to end, epoch after epoch::

    epoch 0: class A rows 0 .. a-1 | class B rows 0 .. b-1      (= fit_resample's synthetic block)
    epoch 1: class A rows a .. 2a-1 | class B rows b .. 2b-1    (fresh rows, same counts)
    ...

where ``a, b`` are the fitted per-class counts (``sampling_strategy_``). Reading
rows ``[start, start + n)`` of the combined stream therefore equals slicing the
concatenation of ``fit_resample``'s synthetic rows for epoch 0, and continuing
past them gives a new synthetic set of the same class balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.exceptions import NotFittedError

from torchsmote.generation import generate_rows


@dataclass
class ClassStream:
    """One class's generator: enough to make or audit any of its synthetic rows.

    Attributes
    ----------
    position : int
        The class's position in the sorted classes (its RNG stream id).
    label : object
        The class label as it appears in ``classes_``.
    rows : ndarray or Tensor of shape (n_class,), int64
        Rows of the fitted ``X`` in this class (ascending).
    pool : Tensor of shape (n_class, d) or None
        Those rows' features, on the working device (None once released).
    neighbors : Tensor of shape (n_class, k), int64
        Neighbour table (indices into ``pool``), on the working device.
    key : int
        Counter-RNG stream key.
    count : int
        Synthetic rows per epoch (the ``sampling_strategy_`` entry).
    """

    position: int
    label: object
    rows: np.ndarray | torch.Tensor
    pool: torch.Tensor | None
    neighbors: torch.Tensor
    key: int
    count: int


@dataclass
class FittedStreams:
    """Every over-sampled class's generator, in sorted class order.

    Attributes
    ----------
    classes : list of ClassStream
        Only classes with a positive count.
    device : torch.device
        Where the pools live and rows are computed.
    kernel_backend : str
        Resolved interpolation kernel.
    chunk_rows : int or None
        Rows per generation chunk (None: automatic).
    """

    classes: list[ClassStream]
    device: torch.device
    kernel_backend: str
    chunk_rows: int | None = None

    def check(self) -> None:
        """Raise if rows cannot be made (pools released, or :class:`UnavailableStreams`)."""
        if any(stream.pool is None for stream in self.classes):
            raise NotFittedError(
                "this sampler was fitted by fit_resample, which keeps no copy of the training rows; "
                "call fit(X, y) to sample or stream (its rows [0, n_synthetic_) are fit_resample's)"
            )

    def release_pools(self) -> None:
        """Drop the class rows (``provenance_`` needs only indices and graphs).

        ``fit_resample`` calls this so a fitted estimator, or a pickled pipeline,
        does not carry a copy of every over-sampled class.
        """
        for stream in self.classes:
            stream.pool = None

    @property
    def per_epoch(self) -> int:
        """Synthetic rows in one epoch of the combined stream (fit_resample's count)."""
        return sum(stream.count for stream in self.classes)

    def class_rows(
        self, index: int, start: int, out: torch.Tensor, chunk_rows: int | None = None
    ) -> torch.Tensor:
        """Fill ``out`` (count, d) with rows ``start ..`` of class ``self.classes[index]``'s own stream.

        ``chunk_rows`` overrides the fitted chunk size (the result never depends on it).
        """
        stream = self.classes[index]
        return generate_rows(
            stream.pool,
            stream.neighbors,
            stream.key,
            out,
            backend=self.kernel_backend,
            start=start,
            chunk_rows=chunk_rows or self.chunk_rows,
        )

    def segments(self, start: int, n: int) -> Iterator[tuple[int, int, int, int]]:
        """Split rows ``[start, start + n)`` of the combined stream into per-class runs.

        Yields
        ------
        (offset, index, class_start, length)
            ``length`` rows at ``offset`` of the requested slice are rows
            ``class_start ..`` of class ``self.classes[index]``'s stream.
        """
        total = self.per_epoch
        if n > 0 and total == 0:
            raise ValueError("the sampler generates no rows: no class is over-sampled")
        ends = np.cumsum([stream.count for stream in self.classes])
        done = 0
        while done < n:
            epoch, within = divmod(start + done, total)
            index = int(np.searchsorted(ends, within, side="right"))
            class_offset = within - (int(ends[index - 1]) if index else 0)
            length = min(n - done, self.classes[index].count - class_offset)
            yield done, index, epoch * self.classes[index].count + class_offset, length
            done += length


class UnavailableStreams:
    """Fitted state of a sampler whose data cannot be sampled (e.g. a class too small).

    imbalanced-learn's ``fit`` only validates and its ``fit_resample`` raises;
    likewise ``fit`` here succeeds and every request for rows raises the error
    that ``fit_resample`` would have raised.
    """

    def __init__(self, error: ValueError):
        self.error = error

    def check(self) -> None:
        raise type(self.error)(str(self.error))

    @property
    def classes(self):
        self.check()

    def segments(self, start: int, n: int):
        self.check()

    def class_rows(self, index: int, start: int, out: torch.Tensor, chunk_rows: int | None = None):
        self.check()
