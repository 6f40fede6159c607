"""Per-batch SMOTE on the device: append synthetic minority rows to each training batch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch

from torchsmote.backends import resolve_device, resolve_kernel_backend, resolve_knn_backend
from torchsmote.generation import generate_rows
from torchsmote.kernels.counter_rng import PURPOSE_BATCH, stream_key
from torchsmote.neighbors import class_neighbors
from torchsmote.sampling_strategy import label_repr
from torchsmote.validation import check_int, python_scalar

from .inputs import training_tensors


class BatchOversampler:
    """Append SMOTE rows to each batch so that chosen classes reach a target share.

    Built once from the training set: each target class's rows and exact
    neighbour table are kept on ``device``. Each call makes, from those rows,
    ``m_c`` synthetic rows of class ``c`` and returns ``(cat([x, synthetic]),
    cat([y, labels]))``. The rows are a pure function of ``(seed, step, class)``
    (a counter-RNG stream per step), so a step is reproducible on any device.

    How many rows: with ``B`` rows in the batch, ``r_c`` the target share of
    class ``c`` and ``R`` the sum of the targets, the class needs ``m_c`` with
    ``(a_c + m_c) / (B + M) = r_c`` (``M = sum m_c``), i.e.
    ``M = (R * B - A) / (1 - R)`` and ``m_c = r_c * (B + M) - a_c``, rounded,
    and 0 for a class already above its target. ``a_c``, the class's rows in
    the batch, is

    - ``exact=False`` (default): the training-set share times ``B`` (known at
      build time), so the counts depend only on ``B`` and the call never waits
      for the GPU; each batch reaches the target on average.
    - ``exact=True``: counted in the batch, so every batch reaches the target
      (up to rounding); that costs one device-to-host read of the counts.

    A class already above its target gets no rows and leaves the sums, so the
    others still reach theirs.

    Parameters
    ----------
    X : array-like or Tensor of shape (n, d)
        Training features (finite); not modified.
    y : array-like or Tensor of shape (n,)
        Integer or boolean labels.
    target_ratio : float or dict
        Share of each returned batch for the target classes, in (0, 1). A float
        applies to every class except the most frequent one; a dict maps
        classes to shares. The shares must add up to less than 1.
    k_neighbors : int, default=5
        Neighbours per row (each target class needs more rows than this).
    seed : int, default=0
    device : str or torch.device, optional
        Where the index lives and rows are made; default: ``X``'s device for a
        tensor, else the CPU. Batches must be on this device.
    knn_backend, kernel_backend : str, default='auto'
        As in :class:`torchsmote.SMOTE`.
    exact : bool, default=False
        Count the classes in each batch (one host sync per call); see above.
    check_labels : bool, optional
        Refuse a batch holding a class not seen at build time. Default: on for
        CPU batches and with ``exact=True`` (both free), off for CUDA batches
        otherwise (the check would wait for the GPU each step); True forces it.

    Attributes
    ----------
    classes_ : ndarray
        Sorted classes of the training set.
    target_ratio_ : dict
        Target share per target class.
    device : torch.device
    """

    def __init__(
        self,
        X,
        y,
        *,
        target_ratio: float | Mapping,
        k_neighbors: int = 5,
        seed: int = 0,
        device: str | torch.device | None = None,
        knn_backend: str = "auto",
        kernel_backend: str = "auto",
        exact: bool = False,
        check_labels: bool | None = None,
    ):
        k_neighbors = check_int(k_neighbors, "k_neighbors", 1)
        seed = check_int(seed, "seed", 0)
        features, labels = training_tensors(X, y)
        self.device = (
            features.device if device is None else resolve_device(device, features.device, work_elements=0)
        )
        classes, counts = torch.unique(labels.cpu(), return_counts=True)
        self.classes_ = classes.numpy()
        self.target_ratio_ = _resolve_targets(target_ratio, self.classes_, counts.numpy())
        self.exact = bool(exact)
        self.check_labels = check_labels
        self.seed = seed
        self.n_features = features.shape[1]
        self.dtype = features.dtype
        self.labels_dtype = labels.dtype
        self._kernel_backend = resolve_kernel_backend(kernel_backend, self.device)
        knn = resolve_knn_backend(knn_backend, self.device)
        n = labels.shape[0]
        host_labels = labels.cpu()
        self._targets: list[_Target] = []
        for label, share in self.target_ratio_.items():
            position = int(np.searchsorted(self.classes_, label))
            rows = (host_labels == torch.as_tensor(label)).nonzero().squeeze(1)
            if len(rows) < k_neighbors + 1:
                raise ValueError(
                    f"class {label_repr(label)} has {len(rows)} row(s); k_neighbors={k_neighbors} needs at "
                    f"least {k_neighbors + 1}"
                )
            pool = features[rows.to(features.device)].to(self.device)
            neighbors = class_neighbors(pool, k_neighbors, knn)
            self._targets.append(_Target(label, position, share, len(rows) / n, pool, neighbors))
        self._classes_on_device = torch.as_tensor(self.classes_, device=self.device)

    def counts_for(self, batch_size: int) -> dict:
        """Rows appended per target class to a batch of ``batch_size`` rows (``exact=False``)."""
        batch_size = check_int(batch_size, "batch_size", 1)
        counts = _append_counts(self._targets, [t.prior * batch_size for t in self._targets], batch_size)
        return {t.label: count for t, count in zip(self._targets, counts, strict=True)}

    def __call__(self, x: torch.Tensor, y: torch.Tensor, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the batch with synthetic rows appended (the inputs are not modified).

        Parameters
        ----------
        x : Tensor of shape (B, d)
            On ``device``, with the training set's dtype.
        y : Tensor of shape (B,)
        step : int
            Training step (>= 0): seeds this batch's synthetic rows.

        Returns
        -------
        x_out : Tensor of shape (B + M, d)
        y_out : Tensor of shape (B + M,)
            The batch first, unchanged, then the synthetic rows class by class.
        """
        step = self._check_batch(x, y, step)
        batch_size = x.shape[0]
        check = self.check_labels
        if check is None:
            check = self.device.type == "cpu" or self.exact
        if self.exact or check:
            # One device-to-host read for both the class counts and the unseen-label count.
            known = (y[:, None] == self._classes_on_device.to(y.dtype)[None, :]).any(1)
            targets = torch.as_tensor([t.label for t in self._targets], device=y.device, dtype=y.dtype)
            stats = torch.cat([(y[:, None] == targets[None, :]).sum(0), (~known).sum()[None]]).tolist()
            if check and stats[-1]:
                unseen = torch.unique(y[~known]).cpu().tolist()
                raise ValueError(
                    f"the batch has label(s) {unseen[:10]} never seen when the oversampler was built "
                    f"(known classes: {self.classes_.tolist()})"
                )
        if self.exact:
            present = stats[:-1]
        else:
            present = [t.prior * batch_size for t in self._targets]
        counts = _append_counts(self._targets, present, batch_size)
        total = sum(counts)
        synthetic = torch.empty((total, self.n_features), dtype=self.dtype, device=self.device)
        synthetic_labels = torch.empty(total, dtype=y.dtype, device=self.device)
        offset = 0
        with torch.no_grad():
            for target, count in zip(self._targets, counts, strict=True):
                if count == 0:
                    continue
                generate_rows(
                    target.pool,
                    target.neighbors,
                    self.step_key(step, target.position),
                    synthetic[offset : offset + count],
                    backend=self._kernel_backend,
                    chunk_rows=count,  # small: skips the free-memory query
                )
                synthetic_labels[offset : offset + count] = target.label
                offset += count
        return torch.cat([x, synthetic]), torch.cat([y, synthetic_labels])

    def step_key(self, step: int, position: int) -> int:
        """Counter-RNG key of class ``classes_[position]``'s rows at ``step`` (one stream per step)."""
        return stream_key(self.seed, step * len(self.classes_) + position, PURPOSE_BATCH)

    # ------------------------------------------------------------------ internals

    def _check_batch(self, x, y, step) -> None:
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise TypeError(f"x and y must be torch tensors, got {type(x).__name__} and {type(y).__name__}")
        step = check_int(step, "step", 0)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"x must have shape (B, {self.n_features}), got {tuple(x.shape)}")
        if x.shape[0] < 1:
            raise ValueError("the batch is empty: batch size must be >= 1")
        if y.shape != (x.shape[0],):
            raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {tuple(y.shape)}")
        if x.device != self.device or y.device != self.device:
            raise ValueError(
                f"the oversampler's index is on {self.device}, but the batch is on x: {x.device}, "
                f"y: {y.device}; move the batch with .to({str(self.device)!r}) or build the oversampler "
                "with that device"
            )
        if x.dtype != self.dtype:
            raise ValueError(f"x has dtype {x.dtype}; the oversampler was built on {self.dtype} data")
        if y.is_floating_point() or y.is_complex():
            raise ValueError(f"y has dtype {y.dtype}; use integer labels")
        return step


@dataclass
class _Target:
    """A class that batches are topped up with."""

    label: object  # Python scalar
    position: int  # in classes_
    share: float  # target share of the returned batch
    prior: float  # share of the training set
    pool: torch.Tensor  # (n_class, d) the class's rows, on the device
    neighbors: torch.Tensor  # (n_class, k) int64 indices into pool


def _append_counts(targets: list[_Target], present: list[float], batch_size: int) -> list[int]:
    """Rows to append per target class so each reaches its share (see the class docstring).

    Water-filling: a class already above its share gets no rows and leaves the
    sum, else its surplus would hide another class's shortfall (with shares
    {1: .3, 2: .3} and a batch of 60% class 1, class 2 would stop at 0.23).
    """
    active = list(range(len(targets)))
    while True:
        total_share = sum(targets[i].share for i in active)
        have = sum(present[i] for i in active)
        size = batch_size + max(0.0, (total_share * batch_size - have) / (1.0 - total_share))
        above = [i for i in active if targets[i].share * size < present[i]]
        if not above:
            break
        active = [i for i in active if i not in above]
    counts = [0] * len(targets)
    for i in active:
        counts[i] = max(0, round(targets[i].share * size - present[i]))
    return counts


def _resolve_targets(target_ratio, classes: np.ndarray, counts: np.ndarray) -> dict:
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({label_repr(classes[0])}); nothing to balance")
    if isinstance(target_ratio, Mapping):
        targets = dict(target_ratio)
        unknown = [label for label in targets if label not in set(classes.tolist())]
        if unknown:
            raise ValueError(f"target_ratio names class(es) {unknown} not in y (classes: {classes.tolist()})")
    elif isinstance(target_ratio, Real) and not isinstance(target_ratio, bool):
        majority = classes[int(np.argmax(counts))]
        targets = {label: float(target_ratio) for label in classes if label != majority}
        if len(targets) > 1 and target_ratio * len(targets) >= 1.0:
            raise ValueError(
                f"target_ratio={target_ratio:g} applies to each of the {len(targets)} classes other than "
                f"the majority ({label_repr(majority)}), so the shares add up to "
                f"{target_ratio * len(targets):g}; they must add up to less than 1 (pass a dict of shares)"
            )
    else:
        raise TypeError(f"target_ratio must be a float or a dict, got {type(target_ratio).__name__}")
    if not targets:
        raise ValueError("target_ratio selects no class")
    for label, share in targets.items():
        if isinstance(share, bool) or not isinstance(share, Real) or not 0.0 < share < 1.0:
            raise ValueError(f"target_ratio for class {label_repr(label)} must be in (0, 1), got {share!r}")
    if sum(targets.values()) >= 1.0:
        raise ValueError(
            f"target_ratio shares add up to {sum(targets.values()):g}; they must add up to less than 1 "
            "(the other classes need some of the batch)"
        )
    return {python_scalar(label): float(targets[label]) for label in sorted(targets)}
