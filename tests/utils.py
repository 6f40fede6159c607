"""Test helpers: comparators that say *where* arrays differ, and the launchers' refusal check."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def _as_numpy(a):
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu()
        if a.dtype == torch.bfloat16:
            a = a.float()
        return a.numpy()
    return np.asarray(a)


def assert_close_verbose(actual, expected, *, rtol: float = 1e-6, atol: float = 1e-6, what: str = "values"):
    """assert_allclose that reports the number of mismatches and the first few indices.

    NaN never passes: a NaN anywhere in ``actual`` is a failure.
    """
    a = _as_numpy(actual).astype(np.float64)
    e = _as_numpy(expected).astype(np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    bad = ~(np.abs(a - e) <= atol + rtol * np.abs(e))
    if bad.any():
        idx = np.argwhere(bad)[:5]
        details = ", ".join(f"{tuple(i)}: {a[tuple(i)]!r} vs {e[tuple(i)]!r}" for i in idx)
        raise AssertionError(f"{what}: {int(bad.sum())} of {bad.size} mismatched; first: {details}")


def assert_equal_verbose(actual, expected, *, what: str = "values"):
    """Exact equality with the mismatch count and first indices."""
    a = _as_numpy(actual)
    e = _as_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    bad = a != e
    if bad.any():
        idx = np.argwhere(bad)[:5]
        details = ", ".join(f"{tuple(i)}: {a[tuple(i)]!r} vs {e[tuple(i)]!r}" for i in idx)
        raise AssertionError(f"{what}: {int(bad.sum())} of {bad.size} differ; first: {details}")


def overlapping_classes(counts=(200, 60, 25), d=4, seed=0, shift=0.8):
    """Overlapping Gaussian classes (class c centred at ``shift * c``), shuffled, no duplicate rows."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.normal(size=(len(y), d)) + shift * y[:, None]
    perm = rng.permutation(len(y))
    X, y = X[perm], y[perm]
    assert len(np.unique(X, axis=0)) == len(X)
    return X, y


#: The small valid launch the refusal tests break one argument of: (d, n_pool, n_base, k).
REFUSAL_SHAPE = (4, 20, 10, 3)


def assert_launch_refused(launcher, key: int, override: dict, match: str) -> None:
    """``launcher(pool, neighbors, key, 0, out, base_rows, **options)`` on a small valid
    problem with ``override`` applied must raise a ValueError matching ``match`` and leave
    ``out`` as it was. Override keys other than the four tensors are keyword options."""
    d, n_pool, n_base, k = REFUSAL_SHAPE
    args = {
        "pool": torch.randn(n_pool, d),
        "neighbors": torch.randint(0, n_pool, (n_base, k)),
        # Defined values: NaN garbage would fail torch.equal.
        "out": torch.full((17, d), 5.0),
        "base_rows": None,
        **override,
    }
    options = {
        name: args.pop(name) for name in list(args) if name not in ("pool", "neighbors", "out", "base_rows")
    }
    before = args["out"].clone() if args["out"].device.type != "meta" else None
    with pytest.raises(ValueError, match=match):
        launcher(args["pool"], args["neighbors"], key, 0, args["out"], args["base_rows"], **options)
    if before is not None:
        assert torch.equal(args["out"], before), "a refused launch wrote into out"
