"""SVMSMOTE and KMeansSMOTE against imbalanced-learn and the numpy references.

Draws come from our counter RNG, so synthetic values differ from imbalanced-learn's;
what must agree is checked exactly, with the same fitted SVM or the same cluster
labels on both sides: the noise / danger / safe support vectors, the selected
clusters, the per-cluster counts and the class counts. imbalanced-learn exposes
none of these, so its ``_make_samples`` calls are recorded (the base rows, the
count and the step of each call). Test data has no duplicate rows.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import SVC
from torchsmote.kernels import family_numpy, family_torch
from torchsmote.kernels.counter_rng import beta_draw_numpy, stream_key, uniform_draws_numpy
from torchsmote.kernels.kmeans_numpy import kmeans_numpy, mean_pairwise_distance_numpy
from torchsmote.kernels.kmeans_torch import kmeans_torch, mean_pairwise_distance_torch
from utils import assert_close_verbose, assert_equal_verbose, overlapping_classes

from torchsmote import SVMSMOTE, KMeansSMOTE
from torchsmote.clusters import cluster_sample_counts, select_clusters
from torchsmote.neighbors.family import svm_split_counts

imb_over = pytest.importorskip("imblearn.over_sampling")


def make_data(counts=(300, 80, 40), d=3, seed=0, shift=1.0):
    return overlapping_classes(counts, d, seed, shift)


def _record_make_samples(sampler):
    """Wrap an imbalanced-learn sampler's ``_make_samples``: each call's (bases, n_samples, step)."""
    calls = []
    original = sampler._make_samples

    def recording(X, y_dtype, y_type, nn_data, nn_num, n_samples, step_size=1.0, y=None):
        calls.append((y_type, np.array(X, copy=True), n_samples, step_size))
        return original(X, y_dtype, y_type, nn_data, nn_num, n_samples, step_size, y)

    sampler._make_samples = recording
    return calls


def _rows_of(X, rows):
    """Indices in X of the given rows (X has no duplicate rows)."""
    index = {row.tobytes(): i for i, row in enumerate(X)}
    return np.sort(np.array([index[row.tobytes()] for row in rows], dtype=np.int64))


def _on_segments(X, X_new, provenance, rtol=1e-12):
    expected = X[provenance.base] + provenance.gap[:, None] * (X[provenance.neighbor] - X[provenance.base])
    assert_close_verbose(X_new, expected, rtol=rtol, atol=rtol, what="synthetic rows on their segments")


def _same_class_table(X_class, k):
    return NearestNeighbors(n_neighbors=k + 1).fit(X_class).kneighbors(X_class, return_distance=False)[:, 1:]


# --------------------------------------------------------------------------- draws


def test_beta_draw_is_beta_10_10_and_deterministic():
    draws = np.array([beta_draw_numpy(stream_key(7, i, 9), 10, 10) for i in range(4000)])
    assert ((draws > 0) & (draws < 1)).all()
    # Beta(10, 10): mean 1/2, variance 1/84; 4000 draws put both within a few percent.
    assert abs(draws.mean() - 0.5) < 0.01
    assert abs(draws.var() - 1 / 84) < 0.0015
    assert beta_draw_numpy(123, 10, 10) == beta_draw_numpy(123, 10, 10)
    with pytest.raises(ValueError, match="Beta shapes"):
        beta_draw_numpy(1, 0, 3)


def test_uniform_draws_53_bits():
    u = uniform_draws_numpy(5, 0, 100_000)
    assert ((u >= 0) & (u < 1)).all() and abs(u.mean() - 0.5) < 0.005
    assert_equal_verbose(uniform_draws_numpy(5, 777, 10), u[777:787], what="slices")
    assert len(np.unique(u)) == len(u)


def test_svm_split_counts():
    assert svm_split_counts(10, 3, 4, 0.5) == (5, 5)  # int(0.5 * 11) = 5
    assert svm_split_counts(10, 3, 4, 0.999) == (10, 0)
    assert svm_split_counts(10, 0, 4, 0.5) == (0, 10)
    assert svm_split_counts(10, 3, 0, 0.2) == (10, 0)


# --------------------------------------------------------------------------- kernels vs references


@pytest.mark.parametrize("n, d, k, count", [(2, 1, 1, 5), (9, 33, 3, 40), (257, 5, 6, 70_001)])
@pytest.mark.parametrize("step", [1.0, -0.5, -0.3, 0.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_svm_rows_torch_match_numpy_reference(n, d, k, count, step, dtype):
    rng = np.random.default_rng(n * d + count)
    pool = rng.normal(size=(n, d)).astype(dtype)
    n_base = max(1, n // 3)
    base_rows = rng.choice(n, size=n_base, replace=False)
    neighbors = rng.integers(0, n, size=(n_base, k))
    start = 2**33 + 3
    expected = family_numpy.svm_rows_numpy(pool, base_rows, neighbors, 17, start, count, step)
    out = torch.empty(expected.shape, dtype=torch.from_numpy(pool).dtype)
    family_torch.svm_rows_torch(
        torch.from_numpy(pool), torch.from_numpy(base_rows), torch.from_numpy(neighbors), 17, start, step, out
    )
    assert_equal_verbose(out, expected, what=f"SVM rows step={step}")
    base, slot, gap = family_numpy.stepped_draws_numpy(17, start, count, n_base, k, step)
    tb, ts, tg = family_torch.stepped_draws_torch(17, start, count, n_base, k, step)
    assert_equal_verbose(tb, base)
    assert_equal_verbose(ts, slot)
    assert_equal_verbose(tg, gap)
    assert (gap * np.sign(step) >= 0).all() and (np.abs(gap) < max(abs(step), 1e-300) + 1e-300).all()


@pytest.mark.parametrize(
    "n, d, n_clusters",
    [(1, 1, 1), (5, 1, 5), (40, 33, 3), (257, 2, 8), (3000, 16, 8), (1000, 4, 1)],
)
def test_kmeans_torch_matches_numpy_reference(n, d, n_clusters):
    rng = np.random.default_rng(n + d)
    x = rng.normal(size=(n, d)) + rng.integers(0, 4, size=n)[:, None] * 3.0
    labels, centres, n_iter = kmeans_numpy(x, n_clusters, 99)
    t_labels, t_centres, t_iter = kmeans_torch(torch.from_numpy(x), n_clusters, 99)
    assert_equal_verbose(t_labels, labels, what="k-means labels")
    assert n_iter == t_iter
    assert_close_verbose(t_centres, centres, rtol=1e-10, atol=1e-10, what="centres")
    # Labels belong to the centres: every row is nearest its own.
    d2 = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2)
    assert_equal_verbose(labels, d2.argmin(axis=1), what="nearest centre")
    assert labels.min() >= 0 and labels.max() < n_clusters


def test_kmeans_float32_input_and_duplicates():
    rng = np.random.default_rng(3)
    x = np.repeat(rng.normal(size=(3, 2)), 4, axis=0).astype(np.float32)  # 3 distinct rows, 12 copies
    labels, _, _ = kmeans_numpy(x, 5, 1)
    t_labels, _, _ = kmeans_torch(torch.from_numpy(x), 5, 1)
    assert_equal_verbose(t_labels, labels)
    for value in range(3):  # copies of a row share a cluster
        assert len(np.unique(labels[value * 4 : value * 4 + 4])) == 1
    with pytest.raises(ValueError, match="n_clusters <= n"):
        kmeans_torch(torch.from_numpy(x), 13, 1)


def test_kmeans_finds_separated_blobs():
    rng = np.random.default_rng(4)
    truth = np.repeat(np.arange(4), 250)
    x = rng.normal(size=(1000, 3)) * 0.1 + truth[:, None] * 10.0
    labels, _, _ = kmeans_torch(torch.from_numpy(x), 4, 2)
    labels = labels.numpy()
    assert all(len(np.unique(labels[truth == c])) == 1 for c in range(4))
    assert len(np.unique(labels)) == 4


@pytest.mark.parametrize("n, d", [(2, 1), (3, 33), (700, 5), (3001, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mean_pairwise_distance_matches_reference(n, d, dtype):
    x = (np.random.default_rng(n).normal(size=(n, d)) + 100.0).astype(dtype)  # off-centre: cancellation
    expected = mean_pairwise_distance_numpy(x)
    got = mean_pairwise_distance_torch(torch.from_numpy(x))
    assert abs(got - expected) <= 1e-12 * expected
    brute = (
        np.sqrt(((x[:, None].astype(np.float64) - x[None]) ** 2).sum(-1)).sum() / (n * n - n)
        if n < 800
        else None
    )
    if brute is not None:
        assert abs(expected - brute) <= 1e-12 * brute
    with pytest.raises(ValueError, match="at least 2 rows"):
        mean_pairwise_distance_torch(torch.zeros((1, 3)))


# --------------------------------------------------------------------------- SVMSMOTE


@pytest.mark.parametrize(
    "params",
    [{}, {"m_neighbors": 6, "k_neighbors": 3}, {"out_step": 0.2}, {"svm_estimator": SVC(C=10.0, gamma=0.5)}],
    ids=repr,
)
@pytest.mark.parametrize("seed", range(3))
def test_svmsmote_support_vector_sets_match_imblearn(params, seed):
    X, y = make_data(seed=seed)
    ours = SVMSMOTE(random_state=0, **params)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imb_over.SVMSMOTE(random_state=0, **params)
    calls = _record_make_samples(theirs)
    _, y_theirs = theirs.fit_resample(X, y)
    out_step = params.get("out_step", 0.5)
    support = theirs.svm_estimator_.support_
    assert_equal_verbose(np.sort(ours.svm_estimator_.support_), np.sort(support), what="same SVM")
    for label in (1, 2):
        danger = [c for c in calls if c[0] == label and c[3] == 1.0]
        safe = [c for c in calls if c[0] == label and c[3] == -out_step]
        expected_danger = _rows_of(X, danger[0][1]) if danger else np.empty(0, np.int64)
        expected_safe = _rows_of(X, safe[0][1]) if safe else np.empty(0, np.int64)
        assert_equal_verbose(ours.in_danger_indices_[label], expected_danger, what=f"danger SVs of {label}")
        assert_equal_verbose(ours.safe_indices_[label], expected_safe, what=f"safe SVs of {label}")
        class_support = np.sort(support[y[support] == label])
        noise = np.setdiff1d(class_support, np.concatenate([expected_danger, expected_safe]))
        assert_equal_verbose(ours.noise_indices_[label], noise, what=f"noise SVs of {label}")
        assert len(expected_danger) and len(expected_safe)  # both kinds: class counts must agree
    assert_equal_verbose(np.bincount(y_res), np.bincount(y_theirs), what="class counts")
    assert_equal_verbose(X_res[: len(X)], X, what="original rows")
    _on_segments(X, X_res[len(X) :], ours.provenance_)


def test_svmsmote_rows_interpolate_from_danger_and_extrapolate_from_safe():
    X, y = make_data(seed=5, counts=(400, 120, 60))
    ours = SVMSMOTE(k_neighbors=4, out_step=0.3, random_state=1)
    _, y_res = ours.fit_resample(X, y)
    prov = ours.provenance_
    new_labels = y_res[len(y) :]
    for label in (1, 2):
        rows = np.flatnonzero(y == label)
        position = {row: i for i, row in enumerate(rows)}
        table = _same_class_table(X[rows], 4)
        mine = np.flatnonzero(new_labels == label)
        n_danger, n_safe = ours.n_samples_split_[label]
        assert len(mine) == n_danger + n_safe == (y == 0).sum() - len(rows)
        danger_part, safe_part = mine[:n_danger], mine[n_danger:]
        assert np.isin(prov.base[danger_part], ours.in_danger_indices_[label]).all()
        assert np.isin(prov.base[safe_part], ours.safe_indices_[label]).all()
        assert ((prov.gap[danger_part] >= 0) & (prov.gap[danger_part] < 1)).all()
        assert ((prov.gap[safe_part] <= 0) & (prov.gap[safe_part] > -0.3)).all()
        for base, neighbor in zip(prov.base[mine], prov.neighbor[mine], strict=True):
            assert neighbor in rows[table[position[base]]]
        assert (
            len(ours.noise_indices_[label]) == 0
            or not np.isin(prov.base[mine], ours.noise_indices_[label]).any()
        )


def test_svmsmote_class_with_one_kind_gets_all_its_rows():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(200, 2)), rng.normal(size=(30, 2)) + 6.0])
    y = np.repeat([0, 1], [200, 30])
    ours = SVMSMOTE(random_state=0)
    _, y_res = ours.fit_resample(X, y)
    assert len(ours.in_danger_indices_[1]) == 0 and len(ours.safe_indices_[1]) > 0
    assert ours.n_samples_split_[1] == (0, 170)
    assert Counter(y_res.tolist()) == {0: 200, 1: 200}
    # imbalanced-learn makes only the safe share there (so its class falls short).
    _, y_imb = imb_over.SVMSMOTE(random_state=0).fit_resample(X, y)
    assert 30 < Counter(y_imb.tolist())[1] < 200


def test_svmsmote_fits_the_svm_once():
    fits = []

    class CountingSVC(SVC):
        def fit(self, X, y, sample_weight=None):
            fits.append(len(y))
            return super().fit(X, y, sample_weight)

    X, y = make_data(seed=6)
    SVMSMOTE(svm_estimator=CountingSVC(), random_state=0).fit_resample(X, y)
    assert fits == [len(y)]  # imbalanced-learn refits it for each class


def test_svmsmote_errors_as_imblearn():
    rng = np.random.default_rng(1)
    # Each minority row sits inside the majority cloud: every support vector is noise.
    X = np.concatenate([rng.normal(size=(300, 2)), rng.normal(size=(4, 2)) * 0.01])
    X[-4:] += np.array([[1, 1], [-1, 1], [1, -1], [-1, -1]]) * 0.5
    y = np.repeat([0, 1], [300, 4])
    for sampler in (SVMSMOTE(k_neighbors=3), imb_over.SVMSMOTE(k_neighbors=3)):
        with pytest.raises(ValueError, match="All support vectors are considered as noise"):
            sampler.fit_resample(X, y)

    class NoSupport:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

    X, y = make_data(seed=7)
    for sampler in (SVMSMOTE(svm_estimator=NoSupport()), imb_over.SVMSMOTE(svm_estimator=NoSupport())):
        with pytest.raises(RuntimeError, match="required to exposed a `support_`"):
            sampler.fit_resample(X, y)


# --------------------------------------------------------------------------- KMeansSMOTE


def _imblearn_cluster_counts(calls, labels_of_rows, X):
    """Per class: [(cluster, rows made)] from imbalanced-learn's recorded _make_samples calls."""
    found = {}
    for label, bases, n_samples, _ in calls:
        clusters = np.unique(labels_of_rows[_rows_of(X, bases)])
        assert len(clusters) == 1
        found.setdefault(label, []).append((int(clusters[0]), int(n_samples)))
    return found


@pytest.mark.parametrize(
    "n_clusters, threshold, exponent",
    [(6, "auto", "auto"), (12, 0.2, "auto"), (10, "auto", 1.5), (1, "auto", 2.0)],
)
@pytest.mark.parametrize("seed", range(3))
def test_kmeanssmote_clusters_and_counts_match_imblearn(n_clusters, threshold, exponent, seed):
    X, y = make_data(seed=seed, shift=2.0)
    params = {"cluster_balance_threshold": threshold, "density_exponent": exponent}
    kmeans = KMeans(n_clusters=n_clusters, random_state=seed, n_init=1)
    ours = KMeansSMOTE(random_state=0, kmeans_estimator=kmeans, **params)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imb_over.KMeansSMOTE(random_state=0, kmeans_estimator=kmeans, **params)
    calls = _record_make_samples(theirs)
    _, y_theirs = theirs.fit_resample(X, y)
    labels = KMeans(n_clusters=n_clusters, random_state=seed, n_init=1).fit_predict(X)
    assert_equal_verbose(ours.cluster_labels_, labels, what="same cluster labels")
    expected = _imblearn_cluster_counts(calls, labels, X)
    got = {label: list(counts.items()) for label, counts in ours.cluster_n_samples_.items()}
    assert got == expected
    assert_equal_verbose(np.bincount(y_res), np.bincount(y_theirs), what="class counts")
    assert_equal_verbose(X_res[: len(X)], X, what="original rows")
    _on_segments(X, X_res[len(X) :], ours.provenance_)
    threshold_expected = -np.inf if n_clusters == 1 else threshold
    assert ours.cluster_balance_threshold_ == threshold_expected == theirs.cluster_balance_threshold_


def test_kmeanssmote_rows_stay_in_their_cluster_and_class():
    X, y = make_data(seed=8, counts=(500, 150, 80), shift=2.0)
    ours = KMeansSMOTE(random_state=3, k_neighbors=3, kmeans_estimator=5, cluster_balance_threshold=0.1)
    _, y_res = ours.fit_resample(X, y)
    prov = ours.provenance_
    new_labels = y_res[len(y) :]
    clusters = ours.cluster_labels_
    offset = 0
    for label, counts in ours.cluster_n_samples_.items():
        for cluster, count in counts.items():
            part = slice(offset, offset + count)
            assert (new_labels[part] == label).all()
            rows = np.flatnonzero((y == label) & (clusters == cluster))
            table = _same_class_table(X[rows], 3)
            position = {row: i for i, row in enumerate(rows)}
            for base, neighbor in zip(prov.base[part], prov.neighbor[part], strict=True):
                assert clusters[base] == clusters[neighbor] == cluster
                assert neighbor in rows[table[position[base]]]
            offset += count
    assert offset == len(new_labels)
    assert ((prov.gap >= 0) & (prov.gap < 1)).all()


def test_kmeanssmote_no_cluster_error_as_imblearn():
    X, y = make_data(seed=9)
    kmeans = KMeans(n_clusters=4, random_state=0, n_init=1)
    for sampler in (
        KMeansSMOTE(kmeans_estimator=kmeans, cluster_balance_threshold=0.99),
        imb_over.KMeansSMOTE(kmeans_estimator=kmeans, cluster_balance_threshold=0.99),
    ):
        with pytest.raises(RuntimeError, match="No clusters found with sufficient samples of class 1"):
            sampler.fit_resample(X, y)


def test_cluster_rules():
    # 13 of 23 rows: the share times 23 rounds below 13 in float64, so with k_neighbors=12
    # imbalanced-learn skips that cluster (it compares share * size, not the count); so do we.
    assert 13 / 23 * 23 < 13
    assert select_clusters(np.array([23, 23, 0]), np.array([13, 14, 0]), 10, 20, 0.0, 12) == [1]
    # 'auto': 10 / 20 / 2 = 0.25; cluster 0's share 0.2 is below it.
    assert select_clusters(np.array([10, 10]), np.array([2, 9]), 10, 20, "auto", 2) == [1]
    assert select_clusters(np.array([10, 10]), np.array([2, 9]), 10, 20, 0.1, 2) == [1]  # 2 < k + 1
    assert select_clusters(np.array([10, 10]), np.array([3, 9]), 10, 20, -np.inf, 2) == [0, 1]
    assert cluster_sample_counts([1.0, 1.0, 1.0], 10, 1) == [4, 4, 4]  # ceil: 12 rows for 10 asked
    with pytest.raises(ValueError, match="weights are undefined"):
        cluster_sample_counts([0.0, 0.0], 10, 1)


def test_kmeanssmote_default_kmeans_and_estimator_forms():
    X, y = make_data(seed=10, counts=(600, 200, 120), shift=2.5)
    ours = KMeansSMOTE(random_state=0, cluster_balance_threshold=0.1)
    _, y_res = ours.fit_resample(X, y)
    assert ours.kmeans_estimator_ is None and ours.cluster_labels_.max() < 8
    assert sum(Counter(y_res.tolist())[c] >= 600 for c in (0, 1, 2)) == 3
    again = KMeansSMOTE(random_state=0, cluster_balance_threshold=0.1).fit_resample(X, y)[0]
    assert_equal_verbose(again, ours.fit_resample(X, y)[0], what="seeded: same rows")

    class LabelsOnly:
        """fit + predict, labels_ after fit, no n_clusters: the largest label + 1 clusters."""

        def fit(self, X):
            self.labels_ = (X[:, 0] > np.median(X[:, 0])).astype(np.int64) - (X[:, 1] > 3).astype(np.int64)
            return self

        def predict(self, X):
            raise AssertionError("labels_ is used")

        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

    sampler = KMeansSMOTE(random_state=0, kmeans_estimator=LabelsOnly(), cluster_balance_threshold=0.0)
    sampler.fit_resample(X, y)
    used = {c for counts in sampler.cluster_n_samples_.values() for c in counts}
    assert used <= {0, 1}  # label -1 is no cluster


def test_kmeanssmote_refuses_more_clusters_than_rows():
    X, y = make_data(counts=(5, 3), seed=11)
    with pytest.raises(ValueError, match="fewer than the 9 clusters"):
        KMeansSMOTE(kmeans_estimator=9).fit_resample(X, y)


# --------------------------------------------------------------------------- numpy reference vs torch path


@pytest.mark.parametrize(
    "counts, d",
    [((300, 80, 40), 1), ((300, 80, 40), 33), ((120, 6), 3)],  # (120, 6): a class of exactly k + 1 rows
    ids=["d1", "d33", "k_plus_1"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_svmsmote_reference_equals_torch_path(counts, d, dtype):
    X, y = make_data(counts=counts, d=d, seed=12)
    X = X.astype(dtype)
    params = {"random_state": 4, "k_neighbors": 5, "m_neighbors": 4 if counts == (120, 6) else 10}
    fast = SVMSMOTE(**params)
    reference = SVMSMOTE(kernel_backend="numpy", knn_backend="numpy", **params)
    X_fast, y_fast = fast.fit_resample(X, y)
    X_ref, y_ref = reference.fit_resample(X, y)
    assert_equal_verbose(y_fast, y_ref)
    assert_equal_verbose(X_fast, X_ref, what="rows")
    assert fast.n_samples_split_ == reference.n_samples_split_
    for name in ("in_danger_indices_", "safe_indices_", "noise_indices_"):
        for label, rows in getattr(reference, name).items():
            assert_equal_verbose(getattr(fast, name)[label], rows, what=name)
    _on_segments(
        X.astype(np.float64), X_fast[len(X) :], fast.provenance_, rtol=1e-6 if dtype == np.float32 else 1e-12
    )


@pytest.mark.parametrize(
    "counts, d, n_clusters",
    [((300, 80, 40), 1, 4), ((300, 80, 40), 33, 3), ((60, 3), 2, 1)],  # (60, 3): exactly k + 1 rows
    ids=["d1", "d33", "k_plus_1"],
)
@pytest.mark.parametrize("chunk_size", [None, 7])
def test_kmeanssmote_reference_equals_torch_path(counts, d, n_clusters, chunk_size):
    X, y = make_data(counts=counts, d=d, seed=13, shift=2.0)
    params = {
        "random_state": 2,
        "kmeans_estimator": n_clusters,
        "cluster_balance_threshold": 0.05,
        "chunk_size": chunk_size,
    }
    fast = KMeansSMOTE(**params)
    reference = KMeansSMOTE(kernel_backend="numpy", knn_backend="numpy", **params)
    X_fast, y_fast = fast.fit_resample(X, y)
    X_ref, y_ref = reference.fit_resample(X, y)
    assert_equal_verbose(fast.cluster_labels_, reference.cluster_labels_, what="cluster labels")
    assert fast.cluster_n_samples_ == reference.cluster_n_samples_
    assert_equal_verbose(y_fast, y_ref)
    assert_close_verbose(X_fast, X_ref, rtol=1e-12, atol=1e-12, what="rows")
    _on_segments(X, X_fast[len(X) :], fast.provenance_)


# --------------------------------------------------------------------------- containers, dtypes, errors

SAMPLERS = [
    SVMSMOTE(random_state=0),
    KMeansSMOTE(random_state=0, kmeans_estimator=3, cluster_balance_threshold=0.05),
]


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_containers_round_trip_and_inputs_unchanged(sampler):
    pd = pytest.importorskip("pandas")
    X, y = make_data(seed=14, shift=2.0)
    X32 = X.astype(np.float32)
    X32.setflags(write=False)
    y.setflags(write=False)
    X_np, y_np = sampler.fit_resample(X32, y)
    assert isinstance(X_np, np.ndarray) and X_np.dtype == np.float32
    frame = pd.DataFrame(X32, columns=["a", "b", "c"])
    X_pd, y_pd = sampler.fit_resample(frame, pd.Series(y, name="t"))
    assert list(X_pd.columns) == ["a", "b", "c"] and y_pd.name == "t"
    assert list(sampler.feature_names_in_) == ["a", "b", "c"]
    assert_equal_verbose(X_pd.to_numpy(), X_np)
    X_t = torch.from_numpy(X32.copy())
    y_t = torch.from_numpy(y.copy())
    before = X_t.clone()
    X_tr, y_tr = sampler.fit_resample(X_t, y_t)
    assert isinstance(X_tr, torch.Tensor) and X_tr.dtype == torch.float32 and y_tr.dtype == y_t.dtype
    assert torch.equal(X_t, before)
    assert_equal_verbose(X_tr, X_np)
    assert_equal_verbose(y_tr, y_np)
    assert_equal_verbose(X_np[: len(X)], X32, what="original rows")


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float64])
def test_torch_dtypes_kept(sampler, dtype):
    X, y = make_data(seed=15, shift=2.0)
    X_t = torch.from_numpy(X).to(dtype)
    X_res, y_res = sampler.fit_resample(X_t, torch.from_numpy(y))
    assert X_res.dtype == dtype and y_res.dtype == torch.int64
    assert_equal_verbose(X_res[: len(X)].double(), X_t.double(), what="original rows")
    assert torch.isfinite(X_res.double()).all()
    counts = Counter(y_res.tolist())
    assert counts[0] == 300 and counts[1] >= 300 and counts[2] >= 300
    if dtype == torch.bfloat16:
        with pytest.raises(ValueError, match="does not handle bfloat16"):
            sampler.set_params(kernel_backend="numpy").fit_resample(X_t, torch.from_numpy(y))
        sampler.set_params(kernel_backend="auto")


@pytest.mark.parametrize(
    ("sampler", "error", "match"),
    [
        (SVMSMOTE(k_neighbors=45), ValueError, "class 2 has 40 row"),
        (SVMSMOTE(m_neighbors=500), ValueError, "X has 420 row"),
        (SVMSMOTE(out_step=1.5), ValueError, "'out_step' parameter"),
        (SVMSMOTE(svm_estimator="svc"), ValueError, "'svm_estimator' parameter"),
        (KMeansSMOTE(kmeans_estimator=0), ValueError, "'kmeans_estimator' parameter"),
        (KMeansSMOTE(cluster_balance_threshold="high"), ValueError, "'cluster_balance_threshold' parameter"),
        (KMeansSMOTE(density_exponent="x"), ValueError, "'density_exponent' parameter"),
        (KMeansSMOTE(k_neighbors=0), ValueError, "'k_neighbors' parameter"),
        (KMeansSMOTE(kmeans_estimator=500), ValueError, "fewer than the 500 clusters"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_clear_errors(sampler, error, match):
    X, y = make_data(seed=16)
    with pytest.raises(error, match=match):
        sampler.fit_resample(X, y)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_nothing_to_generate_returns_the_data(sampler):
    X = np.random.default_rng(1).normal(size=(8, 2))
    y = np.repeat([0, 1], 4)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.array_equal(X_res, X) and np.array_equal(y_res, y)
    assert sampler.provenance_.base.size == 0
    with pytest.raises(NotImplementedError, match="no synthetic stream"):
        sampler.sample(3)
