"""Containers round-trip (numpy, pandas, list, torch) and bad input fails loudly, early and cleanly."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch
from utils import assert_equal_verbose

from torchsmote import SMOTE


def make_data(counts=(20, 8), d=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    X = rng.normal(size=(len(y), d)) + 2.0 * y[:, None]
    return X, y


# ----------------------------------------------------------------------------- round trips


def test_numpy_round_trip():
    X, y = make_data()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    assert isinstance(X_res, np.ndarray) and isinstance(y_res, np.ndarray)
    assert X_res.dtype == X.dtype and y_res.dtype == y.dtype
    assert X_res.shape == (40, 3) and y_res.shape == (40,)


def test_pandas_int_and_float_columns_restore_dtypes_like_imblearn():
    X, y = make_data()
    frame = pd.DataFrame(
        {
            "count": np.arange(len(y), dtype=np.int64) * 3 - 20,
            "f64": X[:, 0],
            "f32": X[:, 1].astype(np.float32),
            "small": np.arange(len(y), dtype=np.int32) % 5,
        }
    )
    series = pd.Series(y, name="label")
    est = SMOTE(random_state=0)
    X_res, y_res = est.fit_resample(frame, series)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    pd.testing.assert_series_equal(X_res.dtypes, frame.dtypes)
    assert list(X_res.columns) == list(frame.columns)
    assert y_res.name == "label" and y_res.dtype == series.dtype
    n = len(y)
    pd.testing.assert_frame_equal(X_res.iloc[:n], frame)
    # Synthetic rows: computed in float64, then cast back column by column with
    # DataFrame.astype, which is what imbalanced-learn does (ints truncate).
    X_float, _ = SMOTE(random_state=0).fit_resample(frame.to_numpy(dtype=np.float64), y)
    expected = pd.DataFrame(X_float, columns=frame.columns).astype(frame.dtypes)
    pd.testing.assert_frame_equal(X_res.reset_index(drop=True), expected)
    assert_equal_verbose(est.feature_names_in_, np.array(frame.columns, dtype=object))


def test_float32_frame_stays_float32_and_matches_numpy():
    X, y = make_data()
    X32 = X.astype(np.float32)
    frame = pd.DataFrame(X32, columns=["a", "b", "c"])
    X_res, _ = SMOTE(random_state=0).fit_resample(frame, y)
    assert (X_res.dtypes == np.float32).all()
    X_np, _ = SMOTE(random_state=0).fit_resample(X32, y)
    assert_equal_verbose(X_res.to_numpy(), X_np)


def test_non_string_column_names_set_no_feature_names():
    X, y = make_data()
    est = SMOTE(random_state=0)
    X_res, _ = est.fit_resample(pd.DataFrame(X), y)
    assert list(X_res.columns) == [0, 1, 2]
    assert not hasattr(est, "feature_names_in_")
    est.fit_resample(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    assert list(est.feature_names_in_) == ["a", "b", "c"]
    est.fit_resample(X, y)  # refit on numpy forgets the names
    assert not hasattr(est, "feature_names_in_")


def test_y_dataframe_round_trip():
    X, y = make_data()
    y_frame = pd.DataFrame({"target": y.astype(np.int32)})
    _, y_res = SMOTE(random_state=0).fit_resample(pd.DataFrame(X), y_frame)
    assert isinstance(y_res, pd.DataFrame)
    assert list(y_res.columns) == ["target"] and y_res["target"].dtype == np.int32
    assert (y_res["target"].value_counts() == 20).all()


def test_categorical_labels_round_trip():
    X, y = make_data()
    labels = pd.Series(pd.Categorical(np.where(y == 0, "common", "rare")), name="kind")
    _, y_res = SMOTE(random_state=0).fit_resample(X, labels)
    assert isinstance(y_res.dtype, pd.CategoricalDtype)
    assert list(y_res.cat.categories) == ["common", "rare"]
    assert y_res.name == "kind"
    assert y_res.value_counts().to_dict() == {"common": 20, "rare": 20}


@pytest.mark.parametrize("as_object", [False, True])
def test_string_labels_round_trip(as_object):
    X, y = make_data()
    labels = np.where(y == 0, "neg", "pos")
    if as_object:
        labels = labels.astype(object)
    est = SMOTE(random_state=0)
    _, y_res = est.fit_resample(X, labels)
    assert y_res.dtype == labels.dtype
    assert_equal_verbose(y_res[: len(y)], labels)
    assert (y_res[len(y) :] == "pos").all()
    assert est.sampling_strategy_ == {"pos": 12}


def test_list_round_trip():
    X, y = make_data()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_res, list) and isinstance(y_res, list)
    assert X_res[: len(y)] == X.tolist() and y_res[: len(y)] == y.tolist()
    assert all(isinstance(v, float) for v in X_res[-1]) and isinstance(y_res[-1], int)


def test_one_hot_y_round_trip():
    X, y = make_data(counts=(20, 8, 6))
    one_hot = np.eye(3, dtype=np.int64)[y]
    _, y_res = SMOTE(random_state=0).fit_resample(X, one_hot)
    assert y_res.shape == (60, 3)
    assert_equal_verbose(y_res[: len(y)], one_hot)
    assert (y_res.sum(axis=1) == 1).all()
    assert_equal_verbose(y_res.sum(axis=0), np.array([20, 20, 20]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("label_dtype", [torch.int64, torch.int32, torch.uint8])
def test_torch_round_trip(dtype, label_dtype, device):
    X, y = make_data()
    Xt = torch.from_numpy(X).to(dtype=dtype, device=device)
    yt = torch.from_numpy(y + 3).to(dtype=label_dtype, device=device)
    X_res, y_res = SMOTE(random_state=0).fit_resample(Xt, yt)
    assert isinstance(X_res, torch.Tensor) and isinstance(y_res, torch.Tensor)
    assert X_res.dtype == dtype and X_res.device == Xt.device
    assert y_res.dtype == label_dtype and y_res.device == yt.device
    assert torch.equal(X_res[: len(y)], Xt) and torch.equal(y_res[: len(y)], yt)
    assert (y_res[len(y) :] == 4).all()
    # torch in gives the same rows as numpy in
    X_np, _ = SMOTE(random_state=0).fit_resample(
        X.astype(np.float32 if dtype == torch.float32 else X.dtype), y
    )
    assert_equal_verbose(X_res.cpu(), X_np)


def test_torch_features_with_numpy_labels():
    """A torch X with numpy (or list) labels is a natural call; it must not crash."""
    X, y = make_data()
    Xt = torch.from_numpy(X)
    X_res, y_res = SMOTE(random_state=0).fit_resample(Xt, y)
    assert isinstance(X_res, torch.Tensor)
    assert_equal_verbose(np.asarray(y_res)[: len(y)], y)
    assert (np.asarray(y_res)[len(y) :] == 1).all()


def test_numpy_features_with_torch_labels():
    X, y = make_data()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, torch.from_numpy(y))
    assert isinstance(X_res, np.ndarray) and isinstance(y_res, torch.Tensor)
    assert (y_res[len(y) :] == 1).all()


def test_read_only_inputs_raise_no_warning():
    """Read-only arrays (pandas copy-on-write gives them) must not trigger torch's
    'non-writable array' UserWarning. torch emits it once per process, so run fresh."""
    code = textwrap.dedent(
        """
        import warnings
        import numpy as np, pandas as pd
        from torchsmote import SMOTE
        warnings.simplefilter("error")
        rng = np.random.default_rng(0)
        X = rng.normal(size=(30, 3)); y = np.repeat([0, 1], [20, 10])
        X.setflags(write=False)
        SMOTE(random_state=0).fit_resample(X, y)
        SMOTE(random_state=0).fit_resample(pd.DataFrame(X, columns=list("abc")), y)
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-2000:]


# ----------------------------------------------------------------------------- errors


def _nan_at(positions, n=28, d=4):
    X, y = make_data(counts=(20, 8), d=d)
    for r, c in positions:
        X[r, c] = np.nan
    return X, y


class Case:
    """One bad call: inputs, estimator parameters, expected exception and message."""

    def __init__(self, name, X, y, params=None, exc=ValueError, match=""):
        self.name, self.X, self.y = name, X, y
        self.params, self.exc, self.match = params or {}, exc, match

    def __repr__(self):
        return self.name


def _cases():
    X, y = make_data(counts=(20, 8), d=4)
    X_inf = X.copy()
    X_inf[6, 1], X_inf[9, 0] = np.inf, -np.inf
    labels_str = np.where(y == 0, "a", "b")
    frame_obj = pd.DataFrame({"num": X[:, 0], "colour": ["red"] * len(y)})
    multilabel = np.zeros((len(y), 3), dtype=int)
    multilabel[:, 0] = 1
    multilabel[::3, 1] = 1
    return [
        Case(
            "nan", *_nan_at([(11, 3), (5, 2), (20, 0)]), match=r"3 NaN value\(s\), first at row 5, column 2"
        ),
        Case("nan_col0", *_nan_at([(0, 0)]), match=r"1 NaN value\(s\), first at row 0, column 0"),
        Case("inf", X_inf, y, match=r"2 infinite value\(s\), first at row 6, column 1"),
        Case("x_1d", X[:, 0], y, match=r"2-D.*got 1-D"),
        Case("x_3d", X[:, :, None], y, match=r"2-D.*got 3-D"),
        Case("x_empty", np.empty((0, 4)), np.empty(0, dtype=int), match="empty|0 rows"),
        Case("x_no_features", np.empty((28, 0)), y, match="0 feature"),
        Case("length_mismatch", X, y[:-1], match="X has 28 rows, y has 27"),
        Case("single_class", X, np.zeros(len(y), dtype=int), match="more than 1 class"),
        Case("x_strings", labels_str[:, None].repeat(2, axis=1), y, exc=TypeError, match="dtype.*numeric"),
        Case(
            "x_object_strings",
            labels_str.astype(object)[:, None],
            y,
            exc=(TypeError, ValueError),
            match="dtype|convert|numeric|string",
        ),
        Case("frame_object_column", frame_obj, y, exc=TypeError, match="'colour'"),
        Case("torch_int", torch.ones((28, 4), dtype=torch.int64), y, exc=TypeError, match="torch.int64"),
        Case("k_zero", X, y, {"k_neighbors": 0}, match="k_neighbors"),
        Case("k_too_large", X, y, {"k_neighbors": 8}, match=r"class .*1.* has 8 row.*k_neighbors=8"),
        Case("unknown_knn", X, y, {"knn_backend": "annoy"}, match="knn_backend.*annoy"),
        Case("unknown_kernel", X, y, {"kernel_backend": "cuda"}, match="kernel_backend.*cuda"),
        Case("unknown_device", X, y, {"device": "tpu"}, match="device='tpu'"),
        Case("bad_device_type", X, y, {"device": 3}, exc=(TypeError, ValueError), match="device"),
        Case("continuous_y", X, np.linspace(0, 1, len(y)), match="continuous"),
        Case("multilabel_y", X, multilabel, match="Multilabel"),
        Case("y_none", X, None, match=r"\by\b.*None"),
        Case("x_none", None, y, match=r"\bX\b.*None"),
        Case("torch_float_y", torch.from_numpy(X), torch.from_numpy(y.astype(np.float32)), match="label"),
        Case(
            "numpy_kernel_bf16",
            torch.from_numpy(X).bfloat16(),
            torch.from_numpy(y),
            {"kernel_backend": "numpy"},
            match="bfloat16",
        ),
    ]


def _snapshot(obj):
    if isinstance(obj, torch.Tensor):
        return obj.clone()
    return copy.deepcopy(obj)


def _same(a, b):
    if isinstance(a, torch.Tensor):
        return a.dtype == b.dtype and torch.equal(a.float(), b.float())
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b


@pytest.mark.parametrize("case", _cases(), ids=repr)
def test_bad_input_raises_clear_error_and_leaves_inputs_alone(case):
    X_before, y_before = _snapshot(case.X), _snapshot(case.y)
    est = SMOTE(random_state=0, **case.params)
    result = "not assigned"
    with pytest.raises(case.exc, match=case.match):
        result = est.fit_resample(case.X, case.y)
    assert result == "not assigned"  # raised before producing any output
    assert _same(case.X, X_before), "X was modified by a failing call"
    assert _same(case.y, y_before), "y was modified by a failing call"


def test_nan_position_is_row_major_and_counts_all():
    X, y = make_data(counts=(30, 10), d=5)
    X[17, 0] = np.nan
    X[3, 4] = np.nan
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"3 NaN value\(s\), first at row 3, column 1"):
        SMOTE().fit_resample(X, y)
    # Fortran order and a strided view do not change what "first" means.
    with pytest.raises(ValueError, match=r"first at row 3, column 1"):
        SMOTE().fit_resample(np.asfortranarray(X), y)
    wide = np.zeros((40, 10))
    wide[:, ::2] = X
    with pytest.raises(ValueError, match=r"3 NaN value\(s\), first at row 3, column 1"):
        SMOTE().fit_resample(wide[:, ::2], y)


def test_nan_and_inf_together_are_both_reported():
    X, y = make_data()
    X[4, 1] = np.inf
    X[2, 2] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN value\(s\), first at row 2, column 2 and 1 infinite"):
        SMOTE().fit_resample(X, y)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_nan_in_torch_input(dtype, device):
    X, y = make_data()
    Xt = torch.from_numpy(X).to(dtype=dtype, device=device)
    Xt[9, 2] = float("nan")
    with pytest.raises(ValueError, match=r"1 NaN value\(s\), first at row 9, column 2"):
        SMOTE().fit_resample(Xt, torch.from_numpy(y).to(device))


def test_nan_in_pandas_input():
    X, y = make_data()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame.iloc[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"first at row 7, column 1"):
        SMOTE().fit_resample(frame, y)


def test_large_finite_values_are_not_mistaken_for_overflow():
    """A sum that overflows is not a non-finite input."""
    X, y = make_data()
    X = X * 1e307
    X_res, _ = SMOTE(random_state=0).fit_resample(X, y)
    assert np.isfinite(X_res[: len(y)]).all()
    X16 = (make_data()[0] * 5e3).astype(np.float16)  # finite, but float16 sums overflow at 65504
    with np.errstate(over="ignore"):
        assert np.isfinite(X16).all() and not np.isfinite(X16.sum(dtype=np.float16))
    X_res, _ = SMOTE(random_state=0).fit_resample(X16, y)
    assert np.isfinite(X_res).all()


def test_k_too_large_names_class_size_and_k_for_string_labels():
    X, y = make_data(counts=(20, 4))
    labels = np.where(y == 0, "big", "tiny")
    with pytest.raises(ValueError, match=r"tiny.* has 4 row.*k_neighbors=5"):
        SMOTE().fit_resample(X, labels)


def test_k_too_large_ignored_for_classes_not_over_sampled():
    X, y = make_data(counts=(20, 10, 3))
    est = SMOTE(random_state=0, sampling_strategy={1: 20})
    X_res, _ = est.fit_resample(X, y)
    assert X_res.shape[0] == len(y) + 10


def test_device_cuda_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present")
    X, y = make_data()
    with pytest.raises(ValueError, match="CUDA"):
        SMOTE(device="cuda").fit_resample(X, y)
    with pytest.raises(ValueError, match="CUDA"):
        SMOTE(device=torch.device("cuda", 0)).fit_resample(torch.from_numpy(X), y)


def test_sparse_input_refused_with_clear_type_error():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = make_data()
    with pytest.raises(TypeError, match="sparse"):
        SMOTE().fit_resample(sparse.csr_matrix(X), y)


def test_failed_call_leaves_consistent_fitted_state():
    """A call that fails must not leave half-updated fitted attributes behind:
    ``sampling_strategy_`` and ``provenance_`` must describe the same fit."""
    X, y = make_data()
    est = SMOTE(random_state=0)
    est.fit_resample(X, y)
    X_small, y_small = make_data(counts=(20, 3))
    with pytest.raises(ValueError, match="has 3 row"):
        est.fit_resample(X_small, y_small)
    try:
        n_provenance = len(est.provenance_.base)
    except AttributeError:
        return  # unfitted after the failure: consistent
    assert n_provenance == sum(est.sampling_strategy_.values()), (
        f"sampling_strategy_={est.sampling_strategy_} (new data) but provenance_ has "
        f"{n_provenance} rows (previous fit)"
    )


def test_review_round_trips_and_label_dtypes():
    """Inputs a reviewer found crashing: pandas nullable floats, big-endian frames,
    int8 labels spanning a wide range, bfloat16 tensors with a k_neighbors object."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.repeat([0, 1], [28, 12])
    nullable = pd.DataFrame(X, columns=["a", "b", "c"]).astype("Float64")
    X_res, _ = SMOTE(random_state=0).fit_resample(nullable, y)
    assert list(X_res.dtypes) == list(nullable.dtypes)
    assert np.array_equal(X_res.iloc[:40].to_numpy(dtype=float), X)
    with_missing = nullable.copy()
    with_missing.iloc[3, 1] = pd.NA
    with pytest.raises(ValueError, match="1 NaN value\\(s\\), first at row 3, column 1"):
        SMOTE(random_state=0).fit_resample(with_missing, y)

    big_endian = pd.DataFrame(X.astype(">f8"))
    X_big, _ = SMOTE(random_state=0).fit_resample(big_endian, y)
    X_native, _ = SMOTE(random_state=0).fit_resample(X, y)
    assert np.array_equal(X_big.to_numpy(), X_native)

    labels = np.array([-100] * 28 + [100] * 12, dtype=np.int8)
    _, y_res = SMOTE(random_state=0).fit_resample(X, labels)
    assert y_res.dtype == np.int8 and (y_res == 100).sum() == 28

    Xb = torch.from_numpy(X).to(torch.bfloat16)
    out, _ = SMOTE(random_state=0, k_neighbors=NearestNeighbors(n_neighbors=6)).fit_resample(
        Xb, torch.from_numpy(y)
    )
    assert out.dtype == torch.bfloat16 and out.shape == (56, 3)


@pytest.mark.parametrize(
    "labels",
    [
        # a few values: one comparison per value
        np.array([0, 1, 1, 0, 1], dtype=np.int64),
        np.array([-3, 0, 0, -3], dtype=np.int8),  # values -3 and 0, -2 and -1 absent
        np.array([2**40, 2**40 + 3, 2**40], dtype=np.uint64),
        np.array([7, 7, 7], dtype=np.int32),
        # wider ranges: bincount
        np.array([0, 9, 9, 1, 0, 9], dtype=np.int64),  # counted in place (no copy)
        np.array([17, 5, 5, 9], dtype=np.int64),  # shifted by the smallest label
        np.array([-100, 100, 100, -5], dtype=np.int8),  # would wrap in int8
        np.array([255, 0, 255], dtype=np.uint8),
    ],
)
def test_class_counts_of_integer_labels_match_unique_and_leave_labels_alone(labels):
    from torchsmote.validation import class_counts

    before = labels.copy()
    classes, counts = class_counts(labels)
    expected_classes, expected_counts = np.unique(labels, return_counts=True)
    assert classes.dtype == labels.dtype and counts.dtype == np.int64
    assert np.array_equal(classes, expected_classes) and np.array_equal(counts, expected_counts)
    assert np.array_equal(labels, before)


class _ShiftedNeighbors:
    """A k_neighbors object whose indices run one past the class's rows."""

    def fit(self, X):
        self.n_ = len(X)
        return self

    def kneighbors(self, X, return_distance=False):
        return np.tile(np.arange(1, 4), (len(X), 1)) + (self.n_ - 3)


@pytest.mark.parametrize("kernel_backend", ["torch", "numba", "numpy"])
def test_k_neighbors_object_with_out_of_range_rows_is_refused(kernel_backend):
    """Indices past the class's rows get a clear error before any kernel reads with them."""
    X, y = make_data(counts=(30, 10), d=3)
    sampler = SMOTE(random_state=0, k_neighbors=_ShiftedNeighbors(), kernel_backend=kernel_backend)
    with pytest.raises(ValueError, match=r"not row indices in \[0, 10\).*range 8 \.\. 10"):
        sampler.fit_resample(X, y)
