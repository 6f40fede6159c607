"""BorderlineSMOTE, ADASYN and RandomOverSampler against imbalanced-learn and the numpy references.

Draws come from our counter RNG, so synthetic values differ from imbalanced-learn's;
what must agree is checked exactly: danger sets, ADASYN's per-row counts, class
counts, bootstrap structure. Test data has no duplicate rows (imbalanced-learn
drops the first column of a search that includes the row; we exclude it by index).
"""

from __future__ import annotations

import types
from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestNeighbors
from torchsmote.kernels import family_numpy, family_torch
from torchsmote.kernels.counter_rng import normal_draws_numpy, normal_draws_torch
from utils import assert_close_verbose, assert_equal_verbose, overlapping_classes

from torchsmote import ADASYN, BorderlineSMOTE, RandomOverSampler
from torchsmote.neighbors.family import adasyn_counts, danger_rows
from torchsmote.over_sampling.random import smoothing_scale

imb_over = pytest.importorskip("imblearn.over_sampling")
imb_adasyn_module = pytest.importorskip("imblearn.over_sampling._adasyn")


def make_data(counts=(200, 60, 25), d=3, seed=0, shift=1.0):
    """Overlapping Gaussian classes, shuffled, no duplicate rows (this file's defaults)."""
    return overlapping_classes(counts, d, seed, shift)


def _same_class_table(X_class, k):
    """imbalanced-learn's neighbour table: k + 1 neighbours, the first (the row itself) dropped."""
    return NearestNeighbors(n_neighbors=k + 1).fit(X_class).kneighbors(X_class, return_distance=False)[:, 1:]


def _on_segments(X, X_new, provenance):
    expected = X[provenance.base] + provenance.gap[:, None] * (X[provenance.neighbor] - X[provenance.base])
    assert_close_verbose(X_new, expected, rtol=1e-12, atol=1e-12, what="synthetic rows")


# --------------------------------------------------------------------------- BorderlineSMOTE


@pytest.mark.parametrize("m", [3, 6, 10])
@pytest.mark.parametrize("seed", range(3))
def test_danger_mask_matches_imblearn(m, seed):
    X, y = make_data(seed=seed)
    imb = imb_over.BorderlineSMOTE(m_neighbors=m)
    nn_m = NearestNeighbors(n_neighbors=m + 1).fit(X)
    codes = torch.from_numpy(y)
    for label in (0, 1, 2):
        rows = np.flatnonzero(y == label)
        expected = imb._in_danger_noise(nn_m, X[rows], label, y, kind="danger")
        got = danger_rows(torch.from_numpy(X), codes, torch.from_numpy(rows), m, "torch")
        assert expected.any() or label == 0
        assert_equal_verbose(got, expected, what=f"danger mask of class {label}")


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
@pytest.mark.parametrize("strategy", ["auto", "all", "minority", {1: 90, 2: 40}], ids=repr)
def test_borderline_matches_imblearn(kind, strategy):
    X, y = make_data(seed=1)
    ours = BorderlineSMOTE(kind=kind, sampling_strategy=strategy, random_state=0)
    theirs = imb_over.BorderlineSMOTE(kind=kind, sampling_strategy=strategy, random_state=0)
    X_ours, y_ours = ours.fit_resample(X, y)
    _, y_theirs = theirs.fit_resample(X, y)
    assert_equal_verbose(y_ours, y_theirs, what="labels (counts and order)")
    assert ours.in_danger_indices_.keys() == theirs.in_danger_indices.keys()
    for label, rows in theirs.in_danger_indices.items():
        assert_equal_verbose(ours.in_danger_indices_[label], rows, what=f"danger rows of {label}")
    assert_equal_verbose(X_ours[: len(X)], X, what="original rows")
    _on_segments(X, X_ours[len(X) :], ours.provenance_)


def test_borderline1_pairs_are_danger_rows_and_same_class_neighbours():
    X, y = make_data(seed=2)
    ours = BorderlineSMOTE(k_neighbors=4, random_state=3)
    _, y_res = ours.fit_resample(X, y)
    prov = ours.provenance_
    new_labels = y_res[len(y) :]
    for label in (1, 2):
        rows = np.flatnonzero(y == label)
        position = {row: i for i, row in enumerate(rows)}
        table = _same_class_table(X[rows], 4)
        mine = new_labels == label
        assert mine.sum() > 0
        assert np.isin(prov.base[mine], ours.in_danger_indices_[label]).all()
        for base, neighbor in zip(prov.base[mine], prov.neighbor[mine], strict=True):
            assert neighbor in rows[table[position[base]]]
    assert ((prov.gap >= 0) & (prov.gap < 1)).all()


def test_borderline2_steps_toward_other_classes_stay_in_the_near_half():
    X, y = make_data(seed=3, counts=(300, 80, 40))
    ours = BorderlineSMOTE(kind="borderline-2", k_neighbors=5, random_state=0)
    _, y_res = ours.fit_resample(X, y)
    prov = ours.provenance_
    new_labels = y_res[len(y) :]
    table = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(X, return_distance=False)[:, 1:]
    for base, neighbor in zip(prov.base, prov.neighbor, strict=True):
        assert neighbor in table[base]
    other = y[prov.neighbor] != new_labels
    assert other.sum() > 20 and (~other).sum() > 20
    assert (prov.gap[other] < 0.5).all()
    assert (prov.gap[~other] >= 0.5).any()  # same-class steps use the whole segment


def test_borderline_class_without_danger_rows_gets_nothing():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(60, 2)), rng.normal(size=(20, 2)) + 50.0])
    y = np.repeat([0, 1], [60, 20])
    ours = BorderlineSMOTE(random_state=0)
    _, y_res = ours.fit_resample(X, y)
    _, y_imb = imb_over.BorderlineSMOTE(random_state=0).fit_resample(X, y)
    assert len(y_res) == len(y_imb) == 80
    assert ours.in_danger_indices_ == {} and ours.provenance_.base.size == 0


# --------------------------------------------------------------------------- ADASYN


def _imblearn_adasyn_counts(X, y, **params):
    """imbalanced-learn's per-row counts, read from its own np.repeat call."""
    seen = []

    def repeat(a, repeats, *args, **kwargs):
        seen.append(np.asarray(repeats).copy())
        return np.repeat(a, repeats, *args, **kwargs)

    shim = types.SimpleNamespace(**{name: getattr(np, name) for name in dir(np) if not name.startswith("__")})
    shim.repeat = repeat
    original = imb_adasyn_module.np
    imb_adasyn_module.np = shim
    try:
        _, y_res = imb_over.ADASYN(**params).fit_resample(X, y)
    finally:
        imb_adasyn_module.np = original
    return seen, y_res


@pytest.mark.parametrize("n_neighbors", [3, 5, 8])
@pytest.mark.parametrize("strategy", ["auto", "all", {1: 150, 2: 60}], ids=repr)
def test_adasyn_per_row_counts_match_imblearn(n_neighbors, strategy):
    X, y = make_data(seed=n_neighbors)
    expected, y_theirs = _imblearn_adasyn_counts(
        X, y, n_neighbors=n_neighbors, sampling_strategy=strategy, random_state=0
    )
    ours = ADASYN(n_neighbors=n_neighbors, sampling_strategy=strategy, random_state=0)
    X_ours, y_ours = ours.fit_resample(X, y)
    got = [ours.n_samples_per_row_[label] for label in sorted(ours.n_samples_per_row_)]
    assert len(got) == len(expected) > 0
    for mine, theirs in zip(got, expected, strict=True):
        assert_equal_verbose(mine, theirs, what="rows per base row")
    assert_equal_verbose(y_ours, y_theirs, what="labels")
    assert_equal_verbose(X_ours[: len(X)], X, what="original rows")
    _on_segments(X, X_ours[len(X) :], ours.provenance_)


def test_adasyn_bases_and_neighbours():
    X, y = make_data(seed=4)
    ours = ADASYN(n_neighbors=4, random_state=2)
    _, y_res = ours.fit_resample(X, y)
    prov = ours.provenance_
    new_labels = y_res[len(y) :]
    for label in (1, 2):
        rows = np.flatnonzero(y == label)
        mine = new_labels == label
        assert_equal_verbose(prov.base[mine], np.repeat(rows, ours.n_samples_per_row_[label]), what="bases")
        table = _same_class_table(X[rows], 4)
        position = {row: i for i, row in enumerate(rows)}
        for base, neighbor in zip(prov.base[mine], prov.neighbor[mine], strict=True):
            assert neighbor in rows[table[position[base]]]


def test_adasyn_no_other_class_neighbour_error_as_imblearn():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(40, 2)), rng.normal(size=(12, 2)) + 100.0])
    y = np.repeat([0, 1], [40, 12])
    with pytest.raises(RuntimeError, match="Not any neigbours belong to the majority"):
        ADASYN(random_state=0).fit_resample(X, y)
    with pytest.raises(RuntimeError, match="Not any neigbours belong to the majority"):
        imb_over.ADASYN(random_state=0).fit_resample(X, y)


def test_adasyn_counts_rounding_half_to_even():
    # ratios 1/4, 1/4, 1/2 of 6 rows: 1.5 -> 2, 1.5 -> 2, 3 -> 3 (np.rint, half to even).
    assert adasyn_counts(np.array([1, 1, 2]), 5, 6).tolist() == [2, 2, 3]
    with pytest.raises(ValueError, match="No samples will be generated"):
        adasyn_counts(np.array([1, 1, 1, 1, 1]), 5, 2)  # 0.4 each rounds to 0


# --------------------------------------------------------------------------- RandomOverSampler


@pytest.mark.parametrize("strategy", ["auto", "all", "minority", {1: 100}, 0.9], ids=repr)
def test_random_over_sampler_bootstrap(strategy):
    counts = (200, 60) if strategy == 0.9 else (200, 60, 25)
    X, y = make_data(counts=counts, seed=5)
    ours = RandomOverSampler(sampling_strategy=strategy, random_state=0)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imb_over.RandomOverSampler(sampling_strategy=strategy, random_state=0)
    _, y_theirs = theirs.fit_resample(X, y)
    assert_equal_verbose(y_res, y_theirs, what="labels")
    assert_equal_verbose(ours.sample_indices_[: len(y)], np.arange(len(y)), what="originals first")
    assert_equal_verbose(X_res, X[ours.sample_indices_], what="bootstrap rows are copies")
    assert_equal_verbose(y[ours.sample_indices_], y_res, what="each copy from its own class")
    assert len(ours.sample_indices_) == len(theirs.sample_indices_)


def test_bootstrap_is_uniform_over_class_rows():
    X, y = make_data(counts=(6000, 10), seed=6)
    ours = RandomOverSampler(random_state=1)
    ours.fit_resample(X, y)
    picks = Counter(ours.sample_indices_[len(y) :].tolist())
    assert set(picks) == set(np.flatnonzero(y == 1).tolist())
    frequencies = np.array(list(picks.values())) / 5990
    assert np.abs(frequencies - 0.1).max() < 0.02  # ~600 each; 5 sigma is 0.019


@pytest.mark.parametrize("shrinkage", [0.5, 2.0, {1: 1.0, 2: 0.25}], ids=repr)
def test_smoothed_bootstrap_noise_scale_matches_imblearn(shrinkage):
    X, y = make_data(counts=(3000, 200, 100), d=3, seed=7)
    ours = RandomOverSampler(shrinkage=shrinkage, random_state=0)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imb_over.RandomOverSampler(shrinkage=shrinkage, random_state=0)
    X_imb, y_imb = theirs.fit_resample(X, y)
    assert_equal_verbose(y_res, y_imb)
    assert_equal_verbose(X_res[: len(X)], X)
    for label in (1, 2):
        new = np.flatnonzero(y_res == label)[-(3000 - (200 if label == 1 else 100)) :]
        noise_ours = X_res[new] - X[ours.sample_indices_[new]]
        noise_imb = X_imb[new] - X[theirs.sample_indices_[new]]
        factor = shrinkage[label] if isinstance(shrinkage, dict) else shrinkage
        scale = smoothing_scale(X[y == label], len(X), factor)
        # ~2800 draws per feature: the sample std is within 5% of the truth.
        assert_close_verbose(noise_ours.std(axis=0), scale, rtol=0.05, atol=0, what="our noise std")
        assert_close_verbose(noise_imb.std(axis=0), scale, rtol=0.05, atol=0, what="imblearn's noise std")
        assert np.abs(noise_ours.mean(axis=0) / scale).max() < 0.1


def test_shrinkage_errors_as_imblearn():
    X, y = make_data(seed=8)
    with pytest.raises(ValueError, match="should contain a shrinkage factor for each class"):
        RandomOverSampler(shrinkage={1: 0.5}).fit_resample(X, y)
    with pytest.raises(ValueError, match="should contain a shrinkage factor for each class"):
        imb_over.RandomOverSampler(shrinkage={1: 0.5}).fit_resample(X, y)
    with pytest.raises(ValueError, match="needs to be >= 0"):
        RandomOverSampler(shrinkage={1: 0.5, 2: -1.0}).fit_resample(X, y)
    with pytest.raises(ValueError, match="'shrinkage' parameter"):
        RandomOverSampler(shrinkage=-1.0).fit_resample(X, y)


# --------------------------------------------------------------------------- kernels vs references


@pytest.mark.parametrize("n, d, k", [(2, 1, 1), (9, 33, 3), (257, 5, 6)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_family_kernels_match_numpy_reference(n, d, k, dtype):
    rng = np.random.default_rng(n * d)
    pool = rng.normal(size=(n, d)).astype(dtype)
    neighbors = rng.integers(0, n, size=(n, k))
    counts = rng.integers(0, 4, size=n)
    counts[0] = max(counts[0], 1)
    expected = family_numpy.adasyn_rows_numpy(pool, neighbors, counts, 11)
    out = torch.empty(expected.shape, dtype=torch.from_numpy(pool).dtype)
    family_torch.adasyn_rows_torch(
        torch.from_numpy(pool), torch.from_numpy(neighbors), torch.from_numpy(counts), 11, out
    )
    assert_equal_verbose(out, expected, what="ADASYN rows")

    same = rng.random(n) < 0.5
    danger = neighbors[: max(1, n // 2)]
    base_n, nb_n, gap_n = family_numpy.borderline2_draws_numpy(5, 6, 300, danger, same)
    base_t, nb_t, gap_t = family_torch.borderline2_draws_torch(
        5, 6, 300, torch.from_numpy(danger), torch.from_numpy(same)
    )
    assert_equal_verbose(base_t, base_n)
    assert_equal_verbose(nb_t, nb_n)
    assert_equal_verbose(gap_t, gap_n)
    rows_n = family_numpy.pair_rows_numpy(pool, base_n, nb_n, gap_n)
    rows_t = torch.empty(rows_n.shape, dtype=torch.from_numpy(pool).dtype)
    family_torch.pair_rows_torch(torch.from_numpy(pool), base_t, nb_t, gap_t, rows_t)
    assert_equal_verbose(rows_t, rows_n, what="borderline-2 rows")

    scale = rng.random(d)
    smooth_n = family_numpy.smoothed_rows_numpy(pool, scale, 3)
    smooth_t = family_torch.smoothed_rows_torch(
        torch.from_numpy(pool), torch.from_numpy(scale), 3, torch.empty_like(torch.from_numpy(pool))
    )
    assert_close_verbose(
        smooth_t, smooth_n, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-12, what="smoothed"
    )

    picks_n = family_numpy.bootstrap_draws_numpy(9, 500, n)
    assert_equal_verbose(family_torch.bootstrap_draws_torch(9, 500, n), picks_n)
    assert picks_n.min() >= 0 and picks_n.max() < n


def test_normal_draws():
    z = normal_draws_numpy(123, 0, 200_000)
    assert_close_verbose(normal_draws_torch(123, 0, 200_000), z, rtol=1e-12, atol=1e-12, what="normals")
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert abs((np.abs(z) < 1).mean() - 0.6827) < 0.005  # the shape, not only two moments
    assert_equal_verbose(normal_draws_numpy(123, 1000, 10), z[1000:1010], what="slices")
    assert_equal_verbose(normal_draws_numpy(123, 1001, 6), z[1001:1007], what="odd slices")
    assert_close_verbose(normal_draws_torch(123, 1001, 1), z[1001:1002], rtol=1e-12, atol=1e-12)
    assert normal_draws_numpy(123, 5, 0).shape == (0,) and normal_draws_torch(123, 5, 0).shape == (0,)
    assert np.abs(z).max() < 6.67  # 32-bit uniforms cap |z| at sqrt(64 ln 2)
    assert np.isfinite(z).all()


def test_pair_rows_torch_refuses_bad_output():
    pool = torch.zeros((4, 3))
    index = torch.zeros(2, dtype=torch.int64)
    with pytest.raises(ValueError, match="out must be"):
        family_torch.pair_rows_torch(
            pool, index, index, torch.zeros(2), torch.zeros((2, 3), dtype=torch.float64)
        )


@pytest.mark.parametrize(
    "sampler",
    [
        ADASYN(random_state=0),
        BorderlineSMOTE(random_state=0),
        BorderlineSMOTE(random_state=0, kind="borderline-2"),
        RandomOverSampler(random_state=0, shrinkage=1.0),
    ],
    ids=lambda s: repr(s)[:40],
)
def test_numpy_kernel_backend_gives_the_same_rows(sampler):
    X, y = make_data(seed=9)
    fast = sampler.set_params(kernel_backend="torch").fit_resample(X, y)[0]
    reference = (
        sampler.set_params(kernel_backend="numpy", knn_backend="numpy")
        if "knn_backend" in sampler.get_params()
        else sampler.set_params(kernel_backend="numpy")
    )
    assert_close_verbose(reference.fit_resample(X, y)[0], fast, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- containers and errors


@pytest.mark.parametrize(
    "sampler",
    [
        ADASYN(random_state=0),
        BorderlineSMOTE(random_state=0, kind="borderline-2"),
        RandomOverSampler(random_state=0, shrinkage=0.3),
        RandomOverSampler(random_state=0),
    ],
    ids=lambda s: repr(s)[:48],
)
def test_containers_round_trip(sampler):
    pd = pytest.importorskip("pandas")
    X, y = make_data(seed=10)
    X32 = X.astype(np.float32)
    X_np, y_np = sampler.fit_resample(X32, y)
    assert X_np.dtype == np.float32
    frame = pd.DataFrame(X32, columns=["a", "b", "c"])
    X_pd, y_pd = sampler.fit_resample(frame, pd.Series(y, name="t"))
    assert list(X_pd.columns) == ["a", "b", "c"] and y_pd.name == "t"
    assert_equal_verbose(X_pd.to_numpy(), X_np)
    X_t, y_t = sampler.fit_resample(torch.from_numpy(X32), torch.from_numpy(y))
    assert isinstance(X_t, torch.Tensor) and X_t.dtype == torch.float32
    assert_equal_verbose(X_t, X_np)
    assert_equal_verbose(y_t, y_np)
    assert_equal_verbose(X_np[: len(X)], X32, what="original rows")


@pytest.mark.parametrize(
    ("sampler", "match"),
    [
        (ADASYN(n_neighbors=30), "class 2 has 25 row"),
        (BorderlineSMOTE(k_neighbors=30), "class 2 has 25 row"),
        (BorderlineSMOTE(m_neighbors=400), "X has 285 row"),
        (BorderlineSMOTE(kind="borderline-3"), "'kind' parameter"),
        (ADASYN(n_neighbors=0), "'n_neighbors' parameter"),
    ],
)
def test_clear_errors(sampler, match):
    X, y = make_data(seed=11)
    with pytest.raises(ValueError, match=match):
        sampler.fit_resample(X, y)


@pytest.mark.parametrize(
    "sampler",
    [
        ADASYN(random_state=0),
        BorderlineSMOTE(random_state=0),
        BorderlineSMOTE(random_state=0, kind="borderline-2"),
        RandomOverSampler(random_state=0, shrinkage=1.0),
    ],
    ids=lambda s: repr(s)[:48],
)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float64])
def test_torch_dtypes_kept(sampler, dtype):
    X, y = make_data(seed=13)
    X_t = torch.from_numpy(X).to(dtype)
    X_res, y_res = sampler.fit_resample(X_t, torch.from_numpy(y))
    assert X_res.dtype == dtype and y_res.dtype == torch.int64
    assert_equal_verbose(X_res[: len(X)].double(), X_t.double(), what="original rows")
    assert torch.isfinite(X_res.double()).all()
    expected = {0: 200, 1: 200, 2: 200}
    if isinstance(sampler, ADASYN):  # the per-row rounding moves the totals a little
        expected = {
            0: 200,
            **{c: int((y == c).sum() + n.sum()) for c, n in sampler.n_samples_per_row_.items()},
        }
    assert Counter(y_res.tolist()) == Counter(expected)
    if dtype == torch.bfloat16:
        with pytest.raises(ValueError, match="does not handle bfloat16"):
            sampler.set_params(kernel_backend="numpy").fit_resample(X_t, torch.from_numpy(y))


def test_no_stream_for_the_new_over_samplers():
    X, y = make_data(seed=12)
    sampler = ADASYN(random_state=0).fit(X, y)
    with pytest.raises(NotImplementedError, match="no synthetic stream"):
        sampler.sample(5)


def test_borderline1_skips_a_small_class_without_danger_rows_as_imblearn_does():
    from imblearn.over_sampling import BorderlineSMOTE as ImblearnBorderline

    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            rng.normal(size=(60, 2)),
            rng.normal(size=(30, 2)) + np.array([0.5, 0]),
            rng.normal(size=(3, 2)) * 0.01 + 50,
        ]
    )
    y = np.repeat([0, 1, 2], [60, 30, 3])
    _, y_theirs = ImblearnBorderline(m_neighbors=3, random_state=0).fit_resample(X, y)
    _, y_ours = BorderlineSMOTE(m_neighbors=3, random_state=0).fit_resample(X, y)
    assert Counter(y_ours.tolist()) == Counter(y_theirs.tolist())
    assert Counter(y_ours.tolist())[2] == 3  # no danger rows: nothing made, no error
    # borderline-2 still needs k + 1 rows in X, and a class with danger rows its k + 1 rows.
    with pytest.raises(ValueError, match="class 2 has 3 row"):
        BorderlineSMOTE(m_neighbors=3).fit_resample(np.vstack([X, X[-3:] + 0.001]), np.r_[y, [0, 0, 0]])


def test_borderline_with_nothing_to_generate_returns_the_data():
    X = np.random.default_rng(1).normal(size=(8, 2))
    y = np.repeat([0, 1], 4)
    X_res, y_res = BorderlineSMOTE().fit_resample(X, y)  # m_neighbors=10 > 8 rows: no matter
    assert np.array_equal(X_res, X) and np.array_equal(y_res, y)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_shrinkage_dict_refuses_non_finite_factors(bad):
    X, y = np.random.default_rng(2).normal(size=(40, 3)), np.repeat([0, 1], [30, 10])
    with pytest.raises(ValueError, match="shrinkage factor needs to be >= 0"):
        RandomOverSampler(shrinkage={1: bad}).fit_resample(X, y)
