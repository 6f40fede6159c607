"""SMOTENC against imbalanced-learn and against its own numpy reference.

imbalanced-learn's internals are observed by wrapping its ``_make_samples`` (the
encoded class rows and the k-NN table it generates from), so the cross-checks
use its real encoding and graph: identical ``median_std_``, identical k-NN
tables, and, fed our (base, slot, gap) draws, identical continuous values and
the same categorical votes. Continuous test data has no ties.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OneHotEncoder
from torchsmote.kernels.counter_rng import PURPOSE_SMOTENC, smote_draws_numpy, stream_key
from torchsmote.kernels.nominal_torch import smotenc_encode_torch, smotenc_scale_torch
from utils import assert_close_verbose, assert_equal_verbose

from torchsmote import SMOTENC
from torchsmote.neighbors import class_neighbors

pd = pytest.importorskip("pandas")
imb = pytest.importorskip("imblearn.over_sampling")


def make_mixed(counts=(150, 50, 21), d_cont=3, cards=(3, 4), seed=0, dtype=np.float64):
    """Continuous Gaussian columns (class-shifted) then integer-coded categorical columns."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    cont = rng.normal(size=(len(y), d_cont)) + 0.7 * y[:, None]
    cat = np.stack([(rng.integers(0, c, len(y)) + y) % c for c in cards], axis=1)
    perm = rng.permutation(len(y))
    return np.c_[cont, cat].astype(dtype)[perm], y[perm]


def make_frame(seed=0, n=(120, 40, 18)):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(n)), n)
    rng.shuffle(y)
    m = len(y)
    frame = pd.DataFrame(
        {
            "f32": (rng.normal(size=m) + y).astype(np.float32),
            "colour": pd.Categorical(
                rng.choice(["red", "green", "blue"], m), categories=["red", "green", "blue"]
            ),
            "count": rng.integers(0, 50, m),
            "city": rng.choice(["Oslo", "Lima", "Pune", "Kobe"], m).astype(object),
            "f64": rng.normal(size=m) * 3,
            "code": rng.integers(0, 3, m) * 10,
            "flag": rng.integers(0, 2, m).astype(bool),
        }
    )
    return frame, y


class _Captured:
    """imbalanced-learn's encoded class rows and k-NN table per class, captured from _make_samples."""

    def __init__(self, monkeypatch):
        self.by_class = {}
        original = imb.SMOTENC._make_samples

        def spy(sampler, X, y_dtype, y_type, nn_data, nn_num, n_samples, step_size=1.0, y=None):
            self.by_class[y_type] = (X.copy(), nn_num.copy())
            return original(sampler, X, y_dtype, y_type, nn_data, nn_num, n_samples, step_size, y)

        monkeypatch.setattr(imb.SMOTENC, "_make_samples", spy)


def _theirs(X, y, monkeypatch, **params):
    captured = _Captured(monkeypatch)
    sampler = imb.SMOTENC(random_state=0, **params)
    X_res, y_res = sampler.fit_resample(X, y)
    return sampler, captured.by_class, X_res, y_res


# --------------------------------------------------------------------------- parity with imbalanced-learn


@pytest.mark.parametrize("strategy", ["auto", "all", "minority", {1: 90, 2: 40}], ids=repr)
def test_counts_and_original_rows_match_imblearn(strategy):
    X, y = make_mixed(seed=1)
    before = X.copy()
    ours = SMOTENC(categorical_features=[3, 4], sampling_strategy=strategy, random_state=0)
    X_ours, y_ours = ours.fit_resample(X, y)
    assert_equal_verbose(X, before, what="input after the call")
    _, y_theirs = imb.SMOTENC(
        categorical_features=[3, 4], sampling_strategy=strategy, random_state=0
    ).fit_resample(X, y)
    assert_equal_verbose(y_ours, y_theirs, what="labels (counts and order)")
    assert_equal_verbose(X_ours[: len(X)], X, what="original rows")
    assert X_ours.dtype == X.dtype


@pytest.mark.parametrize(("d_cont", "cards"), [(1, (3,)), (3, (3, 4)), (5, (2, 3, 5)), (12, (3,) * 21)])
def test_median_std_and_knn_graph_match_imblearn(d_cont, cards, monkeypatch):
    X, y = make_mixed(d_cont=d_cont, cards=cards, seed=d_cont)
    cat = list(range(d_cont, d_cont + len(cards)))
    theirs, graphs, _, _ = _theirs(X, y, monkeypatch, categorical_features=cat)
    ours = SMOTENC(categorical_features=cat, random_state=0)
    ours.fit_resample(X, y)
    assert ours.median_std_.keys() == theirs.median_std_.keys()
    for label, value in theirs.median_std_.items():
        assert ours.median_std_[label] == pytest.approx(float(value), rel=1e-12)
        rows = np.flatnonzero(y == label)
        pool = torch.from_numpy(X[rows, :d_cont])
        codes = torch.from_numpy(np.stack([np.unique(X[:, c], return_inverse=True)[1] for c in cat], 1))[rows]
        encoded = smotenc_encode_torch(pool, codes, smotenc_scale_torch(pool))
        their_encoding, their_table = graphs[label]
        # Same pairwise distances as imbalanced-learn's encoding (columns may be ordered differently).
        e, t = encoded.numpy(), their_encoding.toarray()
        assert_close_verbose(
            ((e[:, None] - e[None]) ** 2).sum(2), ((t[:, None] - t[None]) ** 2).sum(2), rtol=1e-12, atol=1e-12
        )
        for backend in ("torch", "numpy", "faiss"):
            table = class_neighbors(encoded, 5, backend)
            assert_equal_verbose(table, their_table, what=f"k-NN table of class {label} ({backend})")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_draws_give_imblearns_rows(dtype, monkeypatch):
    """Fed our (base, slot, gap), imbalanced-learn's generator makes our continuous values and votes."""
    X, y = make_mixed(seed=4, cards=(3, 2, 4), dtype=dtype)
    cat = [3, 4, 5]
    theirs, graphs, _, _ = _theirs(X, y, monkeypatch, categorical_features=cat)
    ours = SMOTENC(categorical_features=cat, random_state=7)
    X_ours, _ = ours.fit_resample(X, y)
    offset = len(X)
    n_ties = 0
    for position, label in enumerate(ours.classes_):
        count = ours.sampling_strategy_.get(label, 0)
        if not count:
            continue
        rows = np.flatnonzero(y == label)
        encoding, table = graphs[label]
        base, slot, gap = smote_draws_numpy(stream_key(7, position, PURPOSE_SMOTENC), 0, count, *table.shape)
        block = slice(offset, offset + count)
        prov = ours.provenance_
        assert_equal_verbose(prov.base[block.start - len(X) : block.stop - len(X)], rows[base], what="base")
        assert_equal_verbose(
            prov.neighbor[block.start - len(X) : block.stop - len(X)],
            rows[table[base, slot]],
            what="neighbour",
        )
        steps = gap[:, None].astype(encoding.dtype)
        made = theirs._generate_samples(encoding, encoding, table, base, slot, steps, label).toarray()
        assert_equal_verbose(X_ours[block, :3], made[:, :3], what=f"continuous values of class {label}")
        # Categorical: where the vote has one winner both agree; a tie may go either way among the winners.
        their_codes = [
            made[:, 3 + sum(theirs.categorical_encoder_.categories_[i].size for i in range(j)) :]
            for j in range(3)
        ]
        for j, column in enumerate(cat):
            categories = theirs.categorical_encoder_.categories_[j]
            their_value = categories[their_codes[j][:, : categories.size].argmax(axis=1)]
            votes = X[rows[table[base]], column]  # (count, k)
            tallies = (votes[:, :, None] == categories[None, None, :]).sum(axis=1)
            winners = tallies == tallies.max(axis=1, keepdims=True)
            single = winners.sum(axis=1) == 1
            n_ties += int((~single).sum())
            assert_equal_verbose(X_ours[block, column][single], their_value[single], what=f"column {column}")
            ours_in = winners[np.arange(count), np.searchsorted(categories, X_ours[block, column])]
            assert ours_in.all(), f"column {column}: a value outside the most frequent ones"
        offset += count
    assert n_ties > 0  # the data does exercise ties


def test_categorical_values_come_from_the_base_rows_neighbours():
    X, y = make_mixed(seed=5, cards=(4, 3))
    ours = SMOTENC(categorical_features=[3, 4], random_state=0)
    X_ours, _ = ours.fit_resample(X, y)
    prov = ours.provenance_
    synthetic = X_ours[len(X) :]
    assert prov.categorical_source.shape == (len(synthetic), 2)
    for j, column in enumerate((3, 4)):
        assert_equal_verbose(
            X[prov.categorical_source[:, j], column], synthetic[:, column], what="copied value"
        )
    # The source is one of the base's neighbours, never the base itself, and of the same class.
    assert (prov.categorical_source != prov.base[:, None]).all()
    y_syn = np.repeat([1, 2], [ours.sampling_strategy_[1], ours.sampling_strategy_[2]])
    assert (y[prov.categorical_source] == y_syn[:, None]).all()
    # Continuous columns are on the base -> neighbour segment.
    expected = X[prov.base, :3] + prov.gap[:, None] * (X[prov.neighbor, :3] - X[prov.base, :3])
    assert_close_verbose(synthetic[:, :3], expected, rtol=1e-12, atol=1e-12, what="segments")


# --------------------------------------------------------------------------- backends, devices, containers


@pytest.mark.parametrize(("knn", "kernel"), [("numpy", "numpy"), ("faiss", "torch"), ("torch", "numpy")])
def test_backends_agree(knn, kernel):
    X, y = make_mixed(seed=6, d_cont=4, cards=(3, 3, 5))
    expected, y_expected = SMOTENC(categorical_features=[4, 5, 6], random_state=3).fit_resample(X, y)
    got, y_got = SMOTENC(
        categorical_features=[4, 5, 6], random_state=3, knn_backend=knn, kernel_backend=kernel
    ).fit_resample(X, y)
    assert_equal_verbose(got, expected, what=f"{knn}/{kernel} against torch/torch")
    assert_equal_verbose(y_got, y_expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_round_trip(dtype, device):
    X, y = make_mixed(seed=7)
    X_t, y_t = torch.from_numpy(X).to(device=device, dtype=dtype), torch.from_numpy(y).to(device)
    before = X_t.clone()
    sampler = SMOTENC(categorical_features=[3, 4], random_state=0)
    X_res, y_res = sampler.fit_resample(X_t, y_t)
    assert X_res.device == X_t.device and X_res.dtype == dtype and y_res.device == y_t.device
    assert sampler.device_.type == X_t.device.type
    assert torch.equal(X_t, before)
    assert torch.equal(X_res[: len(X)], X_t)
    # The same rows as numpy input of the same dtype (exact categories, continuous up to rounding).
    X_np, y_np = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(
        X_t.cpu().numpy(), y_t.cpu().numpy()
    )
    assert_equal_verbose(y_res, y_np)
    assert_equal_verbose(X_res[:, 3:], X_np[:, 3:], what="categories")
    assert_close_verbose(X_res[:, :3], X_np[:, :3], rtol=1e-6, atol=1e-6, what="continuous")


def test_pandas_round_trip_with_mixed_dtypes():
    frame, y = make_frame()
    original = frame.copy(deep=True)
    categorical = ["colour", "city", "code", "flag"]
    sampler = SMOTENC(categorical_features=categorical, random_state=0)
    X_res, y_res = sampler.fit_resample(frame, pd.Series(y, name="target"))
    pd.testing.assert_frame_equal(frame, original)  # input untouched
    assert list(X_res.columns) == list(frame.columns)
    assert X_res.dtypes.to_dict() == frame.dtypes.to_dict()
    assert X_res["colour"].cat.categories.tolist() == ["red", "green", "blue"]
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    assert isinstance(y_res, pd.Series) and y_res.name == "target"
    synthetic = X_res.iloc[len(frame) :]
    for column in categorical:
        assert set(synthetic[column]) <= set(frame[column])
    # imbalanced-learn returns the same dtypes and class counts.
    X_imb, y_imb = imb.SMOTENC(categorical_features=categorical, random_state=0).fit_resample(frame, y)
    assert X_imb.dtypes.to_dict() == X_res.dtypes.to_dict()
    assert Counter(y_imb) == Counter(y_res)
    assert sampler.feature_names_in_.tolist() == list(frame.columns)
    assert sampler.categorical_features_.tolist() == [1, 3, 5, 6]
    assert sampler.continuous_features_.tolist() == [0, 2, 4]


def test_every_spec_form_gives_the_same_rows():
    frame, y = make_frame(seed=2)
    frame = frame.astype({"city": "category", "code": "category", "flag": "category"})
    expected, _ = SMOTENC(categorical_features="auto", random_state=0).fit_resample(frame, y)
    mask = np.isin(np.arange(7), [1, 3, 5, 6])
    for spec in (
        ["colour", "city", "code", "flag"],
        [1, 3, 5, 6],
        [-6, -4, -2, -1],
        mask,
        ["flag", "colour", "city", "code"],
    ):
        got, _ = SMOTENC(categorical_features=spec, random_state=0).fit_resample(frame, y)
        pd.testing.assert_frame_equal(got, expected)


def test_object_array_and_list_round_trip():
    X, y = make_mixed(seed=8, cards=(3,))
    objects = X.astype(object)
    objects[:, 3] = np.array(["low", "mid", "high"], dtype=object)[X[:, 3].astype(int)]
    before = objects.copy()
    X_res, _ = SMOTENC(categorical_features=[3], random_state=0).fit_resample(objects, y)
    assert X_res.dtype == object
    assert (objects == before).all()
    assert (X_res[: len(X)] == objects).all()
    assert set(X_res[len(X) :, 3]) <= {"low", "mid", "high"}
    as_list, y_list = SMOTENC(categorical_features=[3], random_state=0).fit_resample(
        objects.tolist(), y.tolist()
    )
    assert isinstance(as_list, list) and isinstance(y_list, list)
    assert as_list == X_res.tolist()


def test_integer_array_comes_back_float64_with_integer_categories():
    X, y = make_mixed(seed=9)
    X_int = np.round(X * 10).astype(np.int64)
    X_res, _ = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(X_int, y)
    assert X_res.dtype == np.float64
    assert_equal_verbose(X_res[: len(X)], X_int.astype(np.float64))
    assert set(np.unique(X_res[:, 3])) <= set(np.unique(X_int[:, 3]))


def test_missing_categories_are_a_category():
    frame, y = make_frame(seed=3)
    frame.loc[frame.index[:30], "city"] = None
    frame["colour"] = frame["colour"].astype(object)
    frame.loc[frame.index[5:40], "colour"] = np.nan
    X_res, _ = SMOTENC(categorical_features=["colour", "city"], random_state=0).fit_resample(frame, y)
    assert X_res["city"].isna().sum() >= 30 and X_res["colour"].isna().sum() >= 35


def test_constant_continuous_class_still_votes():
    # median_std == 0: the one-hot part vanishes from distances, votes still use the categories.
    X, y = make_mixed(seed=10)
    X[y == 2, :3] = 1.5
    sampler = SMOTENC(categorical_features=[3, 4], random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.median_std_[2] == 0.0
    syn = X_res[y_res == 2][21:]
    assert (syn[:, :3] == 1.5).all()
    assert set(np.unique(syn[:, 3])) <= set(np.unique(X[y == 2, 3]))


def test_class_with_k_plus_one_rows_and_a_smaller_one():
    X, y = make_mixed(counts=(60, 6, 5), seed=11)
    _, y_res = SMOTENC(categorical_features=[3, 4], sampling_strategy={1: 60}, random_state=0).fit_resample(
        X, y
    )
    assert Counter(y_res)[1] == 60
    with pytest.raises(
        ValueError, match=r"class 2 has 5 row\(s\); SMOTENC with k_neighbors=5 needs at least 6"
    ):
        SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(X, y)


def test_neighbors_object_gives_the_int_result():
    X, y = make_mixed(seed=12)
    expected, _ = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(X, y)
    got, _ = SMOTENC(
        categorical_features=[3, 4], k_neighbors=NearestNeighbors(n_neighbors=6), random_state=0
    ).fit_resample(X, y)
    assert_equal_verbose(got, expected)


def test_categorical_encoder():
    X, y = make_mixed(seed=13)
    sampler = SMOTENC(categorical_features=[3, 4], categorical_encoder=OneHotEncoder(handle_unknown="ignore"))
    X_res, _ = sampler.set_params(random_state=0).fit_resample(X, y)
    assert [c.tolist() for c in sampler.categorical_encoder_.categories_] == [
        c.tolist() for c in sampler.categories_
    ]
    expected, _ = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(X, y)
    assert_equal_verbose(X_res, expected)
    with pytest.raises(ValueError, match="one column per category"):
        SMOTENC(categorical_features=[3, 4], categorical_encoder=OneHotEncoder(drop="first")).fit_resample(
            X, y
        )


def test_fit_sets_columns_and_sample_is_refused():
    X, y = make_mixed(seed=14)
    sampler = SMOTENC(categorical_features=[4, 3]).fit(X, y)
    assert sampler.categorical_features_.tolist() == [3, 4]
    assert sampler.continuous_features_.tolist() == [0, 1, 2]
    with pytest.raises(NotImplementedError, match="no synthetic stream"):
        sampler.sample()


def test_torch_float_inputs_keep_large_categories_exact():
    X, y = make_mixed(seed=15)
    X[:, 3] = X[:, 3] * 1e6 + 123456  # category values far from 0..k
    X_res, _ = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(
        torch.from_numpy(X), torch.from_numpy(y)
    )
    assert set(X_res[len(X) :, 3].tolist()) <= set(X[:, 3].tolist())


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([7], r"column index\(es\) \[7\] out of range for X with 5 column\(s\)"),
        ([-6], r"out of range"),
        ([True, False], r"boolean mask of length 2, but X has 5 column\(s\)"),
        (["a"], "column names, which need a pandas DataFrame"),
        ("auto", "categorical_features='auto' needs a pandas DataFrame"),
        ([0, 1, 2, 3, 4], "use SMOTEN for categorical-only data"),
        ([], "use SMOTE for continuous-only data"),
        ([np.zeros(5, bool)][0], "use SMOTE for continuous-only data"),
        ([3, 3], r"lists column\(s\) \[3\] more than once"),
        ([1.5], "must be 'auto', column indices, column names or a boolean mask"),
        ([[3, 4]], "must be 1-D"),
    ],
)
def test_bad_categorical_specs(spec, message):
    X, y = make_mixed(seed=16)
    with pytest.raises(ValueError, match=message):
        SMOTENC(categorical_features=spec).fit_resample(X, y)


def test_frame_errors():
    frame, y = make_frame()
    with pytest.raises(ValueError, match=r"names column\(s\) \['nope'\] that X does not have"):
        SMOTENC(categorical_features=["colour", "nope"]).fit_resample(frame, y)
    with pytest.raises(
        TypeError, match=r"'city' has dtype .* not listed as categorical.*astype\('category'\)"
    ):
        SMOTENC(categorical_features="auto").fit_resample(frame, y)
    with pytest.raises(ValueError, match=r"no column of X is categorical \(with 'auto'"):
        SMOTENC(categorical_features="auto").fit_resample(frame[["f32", "f64"]], y)
    bad = frame.copy()
    bad.loc[3, "f64"] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN value\(s\), first at row 3, column 'f64'"):
        SMOTENC(categorical_features=["colour", "city"]).fit_resample(bad, y)
    mixed = frame.copy()
    mixed["city"] = mixed["city"].astype(object)
    mixed.loc[0, "city"] = 5
    with pytest.raises(TypeError, match="categorical column 'city' mixes values that cannot be ordered"):
        SMOTENC(categorical_features=["colour", "city"]).fit_resample(mixed, y)


def test_array_errors():
    X, y = make_mixed(seed=17)
    with pytest.raises(TypeError, match=r"string array .* continuous columns need numbers"):
        SMOTENC(categorical_features=[3]).fit_resample(X.astype(str), y)
    objects = X.astype(object)
    objects[0, 1] = "oops"
    with pytest.raises(TypeError, match="X column 1 is continuous but holds non-numeric values"):
        SMOTENC(categorical_features=[3]).fit_resample(objects, y)
    with pytest.raises(ValueError, match="different lengths"):
        SMOTENC(categorical_features=[3]).fit_resample(X, y[:-1])
    infinite = X.copy()
    infinite[2, 0] = np.inf
    with pytest.raises(ValueError, match=r"1 infinite value\(s\), first at row 2, column 0"):
        SMOTENC(categorical_features=[3]).fit_resample(infinite, y)
    with pytest.raises(TypeError, match="torch input must be float"):
        SMOTENC(categorical_features=[3]).fit_resample(torch.ones((4, 3), dtype=torch.int64), torch.zeros(4))
    nan_cat = torch.from_numpy(X.copy())
    nan_cat[0, 0] = 0.0
    nan_cat[5, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN in categorical column 3"):
        SMOTENC(categorical_features=[3]).fit_resample(nan_cat, torch.from_numpy(y))


def test_params_are_validated():
    X, y = make_mixed(seed=18)
    with pytest.raises(ValueError, match="categorical_encoder"):
        SMOTENC(categorical_features=[3], categorical_encoder="onehot").fit_resample(X, y)
    with pytest.raises(ValueError, match="k_neighbors"):
        SMOTENC(categorical_features=[3], k_neighbors=0).fit_resample(X, y)
    assert SMOTENC(categorical_features=[3]).get_params()["categorical_features"] == [3]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_tensors(dtype, device):
    X, y = make_mixed(seed=19)
    X_t = torch.from_numpy(X).to(device=device, dtype=dtype)
    sampler = SMOTENC(categorical_features=[3, 4], random_state=0)
    X_res, _ = sampler.fit_resample(X_t, torch.from_numpy(y).to(device))
    assert X_res.dtype == dtype and torch.equal(X_res[: len(X)], X_t)
    assert set(X_res[len(X) :, 3].tolist()) <= set(X_t[:, 3].tolist())
    assert sampler.categories_[0].dtype == (np.float32 if dtype == torch.bfloat16 else np.float16)


def test_nothing_to_generate_returns_the_data():
    X, y = make_mixed(counts=(30, 30), seed=20)
    frame = pd.DataFrame(
        {"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "d": pd.Categorical(X[:, 3]), "e": X[:, 4]}
    )
    for container in (X, frame, torch.from_numpy(X)):
        sampler = SMOTENC(categorical_features=[3, 4], random_state=0)
        X_res, y_res = sampler.fit_resample(container, y)
        assert len(X_res) == 60 and len(y_res) == 60 and len(sampler.provenance_.base) == 0
        if isinstance(container, pd.DataFrame):
            pd.testing.assert_frame_equal(X_res, frame)
        else:
            assert_equal_verbose(X_res, container)
