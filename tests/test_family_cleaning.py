"""EditedNearestNeighbours, TomekLinks, SMOTEENN, SMOTETomek against imbalanced-learn.

Test data has no duplicate rows: imbalanced-learn drops the first column of a
search that includes the row itself, we exclude the row by index; the two
agree exactly when no two rows are equal.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torchsmote.kernels import knn_torch
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import knn_rows_torch
from utils import assert_equal_verbose, overlapping_classes

from torchsmote import SMOTE, SMOTEENN, EditedNearestNeighbours, SMOTETomek, TomekLinks
from torchsmote.neighbors.family import all_neighbors, enn_keep_mask, tomek_links

imb_under = pytest.importorskip("imblearn.under_sampling")
imb_combine = pytest.importorskip("imblearn.combine")


def make_data(counts=(200, 60, 25), d=4, seed=0, shift=0.8):
    """Overlapping Gaussian classes, shuffled, no duplicate rows (this file's defaults)."""
    return overlapping_classes(counts, d, seed, shift)


STRATEGIES = ["auto", "all", "majority", "not majority", "not minority", [1, 2], [0]]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
@pytest.mark.parametrize("kind_sel", ["all", "mode"])
@pytest.mark.parametrize("n_neighbors", [1, 3, 4])
def test_enn_matches_imblearn(strategy, kind_sel, n_neighbors):
    X, y = make_data(seed=n_neighbors)
    ours = EditedNearestNeighbours(sampling_strategy=strategy, kind_sel=kind_sel, n_neighbors=n_neighbors)
    theirs = imb_under.EditedNearestNeighbours(
        sampling_strategy=strategy, kind_sel=kind_sel, n_neighbors=n_neighbors
    )
    X_ours, y_ours = ours.fit_resample(X, y)
    X_theirs, y_theirs = theirs.fit_resample(X, y)
    assert_equal_verbose(ours.sample_indices_, theirs.sample_indices_, what="sample_indices_")
    assert_equal_verbose(X_ours, X_theirs, what="X")
    assert_equal_verbose(y_ours, y_theirs, what="y")
    assert dict(ours.sampling_strategy_) == dict(theirs.sampling_strategy_)
    # Something was removed, or the comparison says little.
    assert len(y_ours) < len(y) or strategy == [0]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tomek_matches_imblearn(strategy, seed):
    X, y = make_data(seed=seed, d=2)
    ours = TomekLinks(sampling_strategy=strategy)
    theirs = imb_under.TomekLinks(sampling_strategy=strategy)
    X_ours, y_ours = ours.fit_resample(X, y)
    X_theirs, y_theirs = theirs.fit_resample(X, y)
    assert_equal_verbose(ours.sample_indices_, theirs.sample_indices_, what="sample_indices_")
    assert_equal_verbose(X_ours, X_theirs, what="X")
    assert_equal_verbose(y_ours, y_theirs, what="y")


@pytest.mark.parametrize("seed", range(5))
def test_is_tomek_matches_imblearn_loop(seed):
    """Random nearest-neighbour maps (mutual pairs included) and class subsets."""
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.choice(np.array(["a", "b", "c"]), size=n)
    nn_index = rng.integers(0, n, size=n)
    # Plant mutual pairs so links exist.
    pairs = rng.permutation(n)[:120].reshape(60, 2)
    nn_index[pairs[:, 0]] = pairs[:, 1]
    nn_index[pairs[:, 1]] = pairs[:, 0]
    for class_type in (["a"], ["a", "c"], ["a", "b", "c"]):
        expected = imb_under.TomekLinks.is_tomek(y, nn_index, class_type)
        got = TomekLinks.is_tomek(y, nn_index, class_type)
        assert expected.any()
        assert_equal_verbose(got, expected, what=f"links for {class_type}")


@pytest.mark.parametrize("knn_backend", ["numpy", "faiss", "torch"])
def test_backends_agree(knn_backend):
    X, y = make_data(seed=7)
    reference = EditedNearestNeighbours(knn_backend="numpy").fit_resample(X, y)[1]
    got = EditedNearestNeighbours(knn_backend=knn_backend)
    assert_equal_verbose(got.fit_resample(X, y)[1], reference)
    tomek = TomekLinks(knn_backend=knn_backend).fit(X, y)
    assert tomek.sampling_strategy_ == {0: 25, 1: 25}
    assert_equal_verbose(
        TomekLinks(knn_backend=knn_backend).fit_resample(X, y)[1],
        TomekLinks(knn_backend="numpy").fit_resample(X, y)[1],
    )


@pytest.mark.parametrize("select_min_rows", [0, 2**62], ids=["numba-select", "torch-select"])
@pytest.mark.parametrize("n, d, k", [(2, 1, 1), (7, 3, 6), (33, 33, 4), (300, 5, 10), (2500, 3, 3)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_knn_rows_matches_reference(n, d, k, dtype, select_min_rows, monkeypatch):
    monkeypatch.setattr(knn_torch, "NUMBA_SELECT_MIN_ROWS", select_min_rows)
    rng = np.random.default_rng(n + d)
    x = rng.normal(size=(n, d))
    if n > 10:
        x[n // 2 :: 7] = x[n // 3]  # duplicates: ties to the smaller index
    rows = torch.from_numpy(np.sort(rng.choice(n, size=max(1, n // 3), replace=False)))
    got = knn_rows_torch(torch.from_numpy(x).to(dtype), k, rows)
    expected = knn_self_numpy(torch.from_numpy(x).to(dtype).double().numpy(), k)[rows.numpy()]
    assert_equal_verbose(got, expected, what="neighbours")
    assert_equal_verbose(all_neighbors(torch.from_numpy(x).to(dtype), k, "torch", rows), expected)


def test_knn_rows_refuses_bad_k():
    with pytest.raises(ValueError, match="1 <= k <= n - 1"):
        knn_rows_torch(torch.zeros((3, 2)), 3, torch.tensor([0]))


def test_enn_mode_ties_go_to_smallest_label():
    codes = torch.tensor([0, 1, 2, 2, 1, 0])
    # No vote ties here: neighbour rows (1, 2, 2) have labels (1, 2, 2) -> mode 2, not
    # row 0's class 0 -> removed; rows (4, 4, 0) -> labels (1, 1, 0) -> mode 1, row 4's
    # class -> kept; rows (3, 3, 0) -> labels (2, 2, 0) -> mode 2, row 3's class -> kept.
    neighbors = torch.tensor([[1, 2, 2], [4, 4, 0], [3, 3, 0]])
    queries = torch.tensor([0, 4, 3])
    got = enn_keep_mask(codes, neighbors[:, :3], codes[queries], "mode", 3)
    assert got.tolist() == [False, True, True]
    # Vote ties: labels (1, 2) tie, the smallest label (1) wins -> not class 0 -> removed;
    # labels (0, 2) tie, the smallest (0) wins -> class 0 -> kept.
    tied = enn_keep_mask(codes, torch.tensor([[1, 2]]), torch.tensor([0]), "mode", 3)
    assert tied.tolist() == [False]
    tied_own = enn_keep_mask(codes, torch.tensor([[0, 2]]), torch.tensor([0]), "mode", 3)
    assert tied_own.tolist() == [True]


def test_tomek_links_function():
    codes = torch.tensor([0, 1, 0, 1])
    nearest = torch.tensor([1, 0, 3, 2])  # (0, 1) and (2, 3) are mutual pairs of different classes
    everything = torch.tensor([True, True])
    assert tomek_links(codes, nearest, everything).tolist() == [True, True, True, True]
    assert tomek_links(codes, nearest, torch.tensor([False, True])).tolist() == [False, True, False, True]
    assert not tomek_links(torch.tensor([0, 0, 1, 1]), nearest, everything).any()


@pytest.mark.parametrize("seed", [0, 3])
def test_smoteenn_is_enn_all_on_our_smote(seed):
    X, y = make_data(seed=seed)
    ours = SMOTEENN(random_state=seed)
    X_ours, y_ours = ours.fit_resample(X, y)
    X_smote, y_smote = SMOTE(random_state=seed).fit_resample(X, y)
    enn = imb_under.EditedNearestNeighbours(sampling_strategy="all")
    X_expected, y_expected = enn.fit_resample(X_smote, y_smote)
    assert_equal_verbose(X_ours, X_expected, what="X")
    assert_equal_verbose(y_ours, y_expected, what="y")
    assert_equal_verbose(ours.enn_.sample_indices_, enn.sample_indices_)
    theirs = imb_combine.SMOTEENN(random_state=seed)
    theirs.fit_resample(X, y)
    assert ours.sampling_strategy_ == dict(theirs.smote_.sampling_strategy_)


@pytest.mark.parametrize("seed", [0, 3])
def test_smotetomek_is_tomek_all_on_our_smote(seed):
    X, y = make_data(seed=seed, d=2)
    ours = SMOTETomek(random_state=seed)
    X_ours, y_ours = ours.fit_resample(X, y)
    X_smote, y_smote = SMOTE(random_state=seed).fit_resample(X, y)
    tomek = imb_under.TomekLinks(sampling_strategy="all")
    X_expected, y_expected = tomek.fit_resample(X_smote, y_smote)
    assert len(y_expected) < len(y_smote)
    assert_equal_verbose(X_ours, X_expected, what="X")
    assert_equal_verbose(y_ours, y_expected, what="y")


def test_combine_accepts_given_samplers_and_clones_them():
    X, y = make_data(seed=4)
    smote = SMOTE(k_neighbors=3, random_state=1)
    enn = EditedNearestNeighbours(sampling_strategy="majority", n_neighbors=5)
    sampler = SMOTEENN(smote=smote, enn=enn)
    _, y_res = sampler.fit_resample(X, y)
    assert sampler.smote_ is not smote and sampler.enn_ is not enn
    assert not hasattr(smote, "sampling_strategy_")
    X_s, y_s = SMOTE(k_neighbors=3, random_state=1).fit_resample(X, y)
    _, y_expected = imb_under.EditedNearestNeighbours(
        sampling_strategy="majority", n_neighbors=5
    ).fit_resample(X_s, y_s)
    assert_equal_verbose(y_res, y_expected)
    tomek = SMOTETomek(smote=smote, tomek=TomekLinks(sampling_strategy="majority"))
    _, y_tomek = tomek.fit_resample(X, y)
    assert Counter(y_tomek.tolist())[1] == Counter(y_s.tolist())[1]  # only the majority was cleaned


@pytest.mark.parametrize("sampler", [EditedNearestNeighbours(), TomekLinks(), SMOTEENN(random_state=0)])
def test_containers_round_trip(sampler):
    pd = pytest.importorskip("pandas")
    X, y = make_data(seed=5)
    X_np, y_np = sampler.fit_resample(X.astype(np.float32), y)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(X.shape[1])])
    X_pd, y_pd = sampler.fit_resample(frame, pd.Series(y, name="target"))
    assert list(X_pd.columns) == list(frame.columns) and (X_pd.dtypes == np.float32).all()
    assert y_pd.name == "target"
    assert_equal_verbose(X_pd.to_numpy(), X_np)
    X_t, y_t = sampler.fit_resample(torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y))
    assert isinstance(X_t, torch.Tensor) and X_t.dtype == torch.float32 and y_t.dtype == torch.int64
    assert_equal_verbose(X_t, X_np)
    assert_equal_verbose(y_t, y_np)
    X_list, y_list = sampler.fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_list, list) and len(X_list) == len(y_list)


def test_inputs_not_modified():
    X, y = make_data(seed=6)
    X0, y0 = X.copy(), y.copy()
    for sampler in (
        EditedNearestNeighbours(),
        TomekLinks(),
        SMOTEENN(random_state=0),
        SMOTETomek(random_state=0),
    ):
        sampler.fit_resample(X, y)
        assert_equal_verbose(X, X0)
        assert_equal_verbose(y, y0)


@pytest.mark.parametrize(
    ("sampler", "X", "y", "error", "match"),
    [
        (
            EditedNearestNeighbours(n_neighbors=5),
            np.arange(8.0).reshape(4, 2),
            [0, 0, 1, 1],
            ValueError,
            "at least 6 rows",
        ),
        (
            EditedNearestNeighbours(sampling_strategy="minority"),
            np.eye(4),
            [0, 0, 1, 1],
            ValueError,
            "'sampling_strategy' parameter",
        ),
        (
            EditedNearestNeighbours(sampling_strategy={0: 1}),
            np.eye(4),
            [0, 0, 1, 1],
            Exception,
            "sampling_strategy",
        ),
        (EditedNearestNeighbours(kind_sel="any"), np.eye(4), [0, 0, 1, 1], ValueError, "kind_sel"),
        (TomekLinks(sampling_strategy=0.5), np.eye(4), [0, 0, 1, 1], ValueError, "sampling ratio"),
        (TomekLinks(), [[0.0, np.nan], [1.0, 2.0], [3.0, 1.0]], [0, 1, 1], ValueError, "NaN"),
        (TomekLinks(), np.eye(3), [0, 0, 0], ValueError, "more than 1 class"),
        (TomekLinks(knn_backend="annoy"), np.eye(4), [0, 0, 1, 1], ValueError, "knn_backend"),
        (SMOTEENN(enn="enn"), np.eye(4), [0, 0, 1, 1], ValueError, "'enn' parameter"),
    ],
)
def test_clear_errors(sampler, X, y, error, match):
    with pytest.raises(error, match=match):
        sampler.fit_resample(X, y)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("sampler", [EditedNearestNeighbours(), TomekLinks()], ids=lambda s: type(s).__name__)
def test_half_precision_tensors(sampler, dtype):
    X, y = make_data(seed=8)
    X_t = torch.from_numpy(X).to(dtype)
    X_res, y_res = sampler.fit_resample(X_t, torch.from_numpy(y))
    assert X_res.dtype == dtype
    assert_equal_verbose(X_res.double(), X_t[torch.from_numpy(sampler.sample_indices_)].double())
    assert_equal_verbose(y_res, y[sampler.sample_indices_])
    assert len(y_res) < len(y)


@pytest.mark.parametrize("inner", ["smote", "cleaner"])
def test_combine_with_an_imblearn_inner_sampler_keeps_torch_out(inner):
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE
    from imblearn.under_sampling import EditedNearestNeighbours as ImblearnENN

    rng = np.random.default_rng(3)
    X = torch.from_numpy(rng.normal(size=(300, 4)).astype(np.float32))
    y = torch.from_numpy(np.repeat([0, 1], [250, 50]))
    params = {"smote": ImblearnSMOTE(random_state=0)} if inner == "smote" else {"enn": ImblearnENN()}
    X_res, y_res = SMOTEENN(random_state=0, **params).fit_resample(X, y)
    assert isinstance(X_res, torch.Tensor) and X_res.dtype == torch.float32
    assert isinstance(y_res, torch.Tensor) and y_res.dtype == y.dtype
    expected_X, expected_y = (
        ImblearnENN().fit_resample(*SMOTE(random_state=0).fit_resample(X.numpy(), y.numpy()))
        if inner == "cleaner"
        else EditedNearestNeighbours(sampling_strategy="all").fit_resample(
            *ImblearnSMOTE(random_state=0).fit_resample(X.numpy(), y.numpy())
        )
    )
    assert_equal_verbose(X_res, expected_X.astype(np.float32), what="X")
    assert_equal_verbose(y_res, expected_y, what="y")
