"""``--method``: every sampler of the library on the command line.

The strongest check, as for SMOTE in ``test_cli_resample.py``: the command's
output, read back, equals the estimator's ``fit_resample`` on the data as the
file's reader gives it, bit for bit. The references below are written out by
hand (not built from the registry), so a wrong parameter mapping fails here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import SUMMARY_SCHEMA, make_table, pa, pq, read_back, run_cli, write_table
from utils import assert_equal_verbose

from torchsmote import (
    ADASYN,
    SMOTE,
    SMOTEENN,
    SVMSMOTE,
    BorderlineSMOTE,
    EditedNearestNeighbours,
    KMeansSMOTE,
    RandomOverSampler,
    SMOTETomek,
    TomekLinks,
)
from torchsmote.io import METHODS

OVER_SAMPLERS = ["smote", "random", "adasyn", "borderline-1", "borderline-2", "svm-smote", "kmeans-smote"]
REMOVE_ROWS = ["enn", "tomek", "smote-enn", "smote-tomek"]
TAKES_K = [
    "smote",
    "adasyn",
    "borderline-1",
    "borderline-2",
    "svm-smote",
    "kmeans-smote",
    "enn",
    "smote-enn",
    "smote-tomek",
]


def reference(method: str, *, seed: int = 0, k: int | None = None, strategy="auto", **extra):
    """The estimator ``--method`` stands for, with ``--seed``/``--k-neighbors`` spelled its way."""
    kw = {} if k is None else {"k_neighbors": k}
    if method == "smote":
        return SMOTE(random_state=seed, sampling_strategy=strategy, **kw, **extra)
    if method == "random":
        return RandomOverSampler(random_state=seed, sampling_strategy=strategy, **extra)
    if method == "adasyn":
        return ADASYN(random_state=seed, sampling_strategy=strategy, n_neighbors=k or 5)
    if method in ("borderline-1", "borderline-2"):
        return BorderlineSMOTE(random_state=seed, sampling_strategy=strategy, kind=method, **kw, **extra)
    if method == "svm-smote":
        return SVMSMOTE(random_state=seed, sampling_strategy=strategy, **kw, **extra)
    if method == "kmeans-smote":
        return KMeansSMOTE(random_state=seed, sampling_strategy=strategy, **kw, **extra)
    if method == "enn":
        return EditedNearestNeighbours(sampling_strategy=strategy, n_neighbors=k or 3)
    if method == "tomek":
        return TomekLinks(sampling_strategy=strategy)
    combined = {"smote-enn": SMOTEENN, "smote-tomek": SMOTETomek}[method]
    if k is None:
        return combined(random_state=seed, sampling_strategy=strategy)
    inner = SMOTE(random_state=seed, sampling_strategy=strategy, k_neighbors=k)
    return combined(random_state=seed, sampling_strategy=strategy, smote=inner)


def test_every_registered_method_is_tested():
    assert set(METHODS) == set(OVER_SAMPLERS + REMOVE_ROWS)
    assert [name for name, method in METHODS.items() if method.removes_rows] == REMOVE_ROWS
    assert [name for name, method in METHODS.items() if not method.in_memory] == ["smote"]


def overlapping(counts=(400, 60, 30), **kw):
    """Overlapping classes: the cleaners remove rows and borderline SMOTE finds rows in danger."""
    return make_table(counts, shift=1.0, **kw)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The same table as Parquet (row groups of 256) and CSV."""
    folder = tmp_path_factory.mktemp("methods")
    table = overlapping()
    return {fmt: write_table(table, folder, fmt) for fmt in ("parquet", "csv")}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("method", OVER_SAMPLERS + REMOVE_ROWS)
def test_output_equals_the_estimator(tmp_path, capsys, files, method, fmt):
    path, label = files[fmt]
    out = tmp_path / f"out.{fmt}"
    args = ["resample", path, "-o", out, "--label", label, "--method", method, "--chunk-rows", 100, "-q"]
    k = 4 if method in TAKES_K else None
    args += ([] if method in ("enn", "tomek") else ["--seed", 7]) + (
        [] if k is None else ["--k-neighbors", k]
    )
    code, stdout, err = run_cli(args, capsys)
    assert code == 0 and stdout == "" and err == "", err
    X, y, _ = read_back(path, fmt)  # CSV parses floats as float64, as the command reads them
    X_ref, y_ref = reference(method, seed=7, k=k).fit_resample(X, y)
    if method in ("enn", "tomek"):
        assert len(y_ref) < len(y), "the data must make the method remove rows"
    elif method in REMOVE_ROWS:
        assert len(y_ref) < 3 * 400, "the data must make the cleaning step remove rows"
    else:
        assert len(y_ref) > len(y)
    X_out, y_out, schema = read_back(out, fmt)
    assert X_out.dtype == X_ref.dtype
    if fmt == "parquet":
        assert [str(t) for t in schema.types] == ["float", "float", "float", "int64"]
    assert_equal_verbose(X_out, X_ref, what=f"{method} {fmt} features")
    assert_equal_verbose(y_out, y_ref, what=f"{method} {fmt} labels")


@pytest.mark.parametrize(
    ("method", "fmt_in", "fmt_out"),
    [("enn", "parquet", "npz"), ("adasyn", "csv", "npy"), ("smote-tomek", "npy", "feather")],
)
def test_other_formats(tmp_path, capsys, method, fmt_in, fmt_out):
    path, label = write_table(overlapping(), tmp_path, fmt_in)
    out = tmp_path / f"out.{fmt_out}"
    code, _, err = run_cli(["resample", path, "-o", out, "--label", label, "--method", method, "-q"], capsys)
    assert code == 0, err
    X, y, _ = read_back(path, fmt_in) if fmt_in != "npy" else (np.load(path), np.load(label), None)
    X_ref, y_ref = reference(method).fit_resample(X, y)
    X_out, y_out, _ = read_back(out, fmt_out, "data_labels" if fmt_in == "npy" else "target")
    assert_equal_verbose(X_out.astype(X_ref.dtype), X_ref, what="features")
    assert_equal_verbose(y_out, y_ref, what="labels")


@pytest.mark.parametrize("method", ["adasyn", "enn"])
def test_columns_types_and_names_kept_like_the_pandas_estimator(tmp_path, capsys, method):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    n = 500
    y = np.where(rng.random(n) < 0.15, "rare", "common")
    y[:20] = "rare"
    table = pa.table(
        {
            "id": pa.array(np.arange(n)),  # not a feature with --features: not written
            "a": pa.array(rng.normal(size=n).astype(np.float32)),
            "label": pa.array(y),
            "b": pa.array(rng.normal(size=n)),
            "c": pa.array(rng.integers(-50, 50, n).astype(np.int32)),
        }
    )
    path = tmp_path / "mixed.parquet"
    pq.write_table(table, path, row_group_size=64)
    out = tmp_path / "out.parquet"
    args = ["resample", path, "-o", out, "--label", "label", "--features", "a,b,c", "--method", method]
    code, _, err = run_cli([*args, "-q"], capsys)
    assert code == 0, err
    result = pq.read_table(out)
    assert result.schema.names == ["a", "label", "b", "c"]  # input order, id left out: as smote
    assert [str(t) for t in result.schema.types] == ["float", "string", "double", "int32"]
    frame = table.to_pandas()
    X_ref, y_ref = reference(method).fit_resample(frame[["a", "b", "c"]], frame["label"])
    got = result.to_pandas()
    pd.testing.assert_frame_equal(got[["a", "b", "c"]], X_ref.reset_index(drop=True), check_exact=True)
    np.testing.assert_array_equal(got["label"].to_numpy(dtype=object), y_ref.to_numpy(dtype=object))


def summary_of(capsys, args) -> dict:
    code, stdout, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert set(summary) == set(SUMMARY_SCHEMA)
    for key, kind in SUMMARY_SCHEMA.items():
        assert isinstance(summary[key], kind), (key, summary[key])
    return summary


def counts(y, classes=None) -> dict:
    """``{label as text: rows}``; with ``classes``, every one of them (0 for a class a cleaner emptied)."""
    labels, n = np.unique(y, return_counts=True)
    found = {str(label): int(c) for label, c in zip(labels, n, strict=True)}
    return found if classes is None else {str(c): found.get(str(c), 0) for c in np.unique(classes)}


@pytest.mark.parametrize("method", ["adasyn", "enn", "smote-enn"])
def test_json_summary(tmp_path, capsys, files, method):
    path, label = files["parquet"]
    out = tmp_path / "o.parquet"
    summary = summary_of(capsys, ["resample", path, "-o", out, "--label", label, "--method", method])
    X, y, _ = read_back(path, "parquet")
    estimator = reference(method)
    _, y_ref = estimator.fit_resample(X, y)
    assert summary["method"] == method and summary["in_memory"] is True
    assert summary["estimator"] == type(estimator).__name__
    assert summary["device"] == "cpu" and summary["knn_backend"] == "torch"
    assert (
        summary["rows_in"] == len(y) and summary["rows_out"] == len(y_ref) == pq.read_metadata(out).num_rows
    )
    assert summary["rows_out"] == summary["rows_in"] - summary["rows_removed"] + summary["rows_synthetic"]
    assert summary["class_counts_before"] == counts(y) and summary["class_counts_after"] == counts(y_ref, y)
    assert set(summary["seconds"]) == {"plan", "read", "resample", "write", "total"}
    if method == "adasyn":
        assert summary["estimator_params"] == {"n_neighbors": 5, "random_state": 0}
        assert summary["k_neighbors"] == 5 and summary["seed"] == 0
        assert summary["rows_removed"] == 0 and summary["rows_synthetic"] == len(y_ref) - len(y)
        after, before = summary["class_counts_after"], summary["class_counts_before"]
        assert summary["synthetic_per_class"] == {c: after[c] - before[c] for c in ("1", "2")}
    elif method == "enn":
        assert summary["estimator_params"] == {"n_neighbors": 3}
        assert summary["k_neighbors"] == 3 and summary["seed"] is None
        assert summary["rows_synthetic"] == 0 and summary["synthetic_per_class"] == {}
        assert summary["rows_removed"] == len(y) - len(y_ref) > 0
    else:
        assert summary["estimator_params"] == {"smote__k_neighbors": 5, "random_state": 0}
        # The synthetic rows ENN kept: the cleaner's sample_indices_ past the input rows.
        kept_synthetic = int((estimator.enn_.sample_indices_ >= len(y)).sum())
        assert 0 < summary["rows_synthetic"] == kept_synthetic
        assert sum(summary["synthetic_per_class"].values()) == kept_synthetic
        assert summary["rows_removed"] > 0


@pytest.mark.parametrize("method", OVER_SAMPLERS + REMOVE_ROWS)
def test_dry_run_counts_equal_the_estimator(tmp_path, capsys, method):
    path, label = write_table(overlapping(), tmp_path, "parquet")
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["resample", path, "--dry-run", "-o", tmp_path / "o.csv", "--label", label, "--method", method]
    summary = summary_of(capsys, args)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    X, y, _ = read_back(path, "parquet")
    _, y_ref = reference(method).fit_resample(X, y)
    assert summary["dry_run"] is True and summary["rows_out"] == 0
    assert summary["class_counts_after"] == counts(y_ref, y)
    assert summary["in_memory"] is (method != "smote")
    code, stdout, _ = run_cli(args, capsys)  # the human summary says the same
    assert code == 0
    shown = ", ".join(f"{label}: {n}" for label, n in counts(y_ref, y).items())
    assert f"class counts after:  {{{shown}}}" in stdout


@pytest.mark.parametrize("method", REMOVE_ROWS)
def test_synthetic_only_is_refused_by_methods_that_remove_rows(tmp_path, capsys, files, method):
    path, label = files["parquet"]
    out = tmp_path / "o.parquet"
    args = ["resample", path, "-o", out, "--label", label, "--method", method, "--synthetic-only"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("torchsmote: error: --synthetic-only")
    assert f"method {method!r}" in err and "removes rows" in err
    assert not out.exists()


@pytest.mark.parametrize("method", ["random", "adasyn", "borderline-2"])
def test_synthetic_only_writes_the_rows_after_the_input(tmp_path, capsys, files, method):
    path, label = files["parquet"]
    out = tmp_path / "o.npz"
    args = ["resample", path, "-o", out, "--label", label, "--method", method, "--synthetic-only"]
    summary = summary_of(capsys, args)
    X, y, _ = read_back(path, "parquet")
    X_ref, y_ref = reference(method).fit_resample(X, y)
    X_out, y_out, _ = read_back(out, "npz")
    assert_equal_verbose(X_out, X_ref[len(y) :], what="synthetic rows")
    assert_equal_verbose(y_out, y_ref[len(y) :], what="synthetic labels")
    assert summary["rows_out"] == summary["rows_synthetic"] == len(y_ref) - len(y)


@pytest.mark.parametrize(
    ("method", "flag", "value"),
    [
        ("tomek", "--k-neighbors", 3),
        ("random", "--k-neighbors", 3),
        ("enn", "--seed", 1),
        ("tomek", "--seed", 1),
        ("smote", "--m-neighbors", 4),
        ("adasyn", "--m-neighbors", 4),
        ("smote", "--cluster-balance-threshold", 0.1),
        ("svm-smote", "--cluster-balance-threshold", "auto"),
        ("enn", "--cluster-balance-threshold", 0.1),
        ("enn", "--m-neighbors", 4),
        ("adasyn", "--shrinkage", 0.5),
        ("smote-enn", "--shrinkage", 0.5),
        ("random", "--knn-backend", "torch"),
        ("enn", "--kernel-backend", "torch"),
    ],
)
@pytest.mark.parametrize("command", ["resample", "compare"])
def test_an_option_the_method_does_not_take_is_a_usage_error(
    tmp_path, capsys, files, command, method, flag, value
):
    path, label = files["parquet"]
    args = [command, path, "--label", label, "--method", method, flag, value]
    args += ["-o", tmp_path / "o.parquet"] if command == "resample" else []
    code, stdout, err = run_cli(args, capsys)
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"torchsmote: error: {flag} does not apply to method {method!r}")
    assert "methods that take it: " in err
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize(
    ("method", "options", "estimator"),
    [
        ("enn", ["--k-neighbors", 5], EditedNearestNeighbours(n_neighbors=5)),
        ("adasyn", ["--k-neighbors", 3, "--seed", 2], ADASYN(n_neighbors=3, random_state=2)),
        (
            "borderline-1",
            ["--k-neighbors", 3, "--m-neighbors", 6, "--seed", 2],
            BorderlineSMOTE(k_neighbors=3, m_neighbors=6, random_state=2),
        ),
        ("random", ["--shrinkage", 0.5, "--seed", 2], RandomOverSampler(shrinkage=0.5, random_state=2)),
        (
            "svm-smote",
            ["--k-neighbors", 3, "--m-neighbors", 6, "--seed", 2],
            SVMSMOTE(k_neighbors=3, m_neighbors=6, random_state=2),
        ),
        (
            "kmeans-smote",
            ["--k-neighbors", 3, "--cluster-balance-threshold", 0.01, "--seed", 2],
            KMeansSMOTE(k_neighbors=3, cluster_balance_threshold=0.01, random_state=2),
        ),
        (
            "smote-enn",
            ["--k-neighbors", 3, "--seed", 2],
            SMOTEENN(random_state=2, smote=SMOTE(k_neighbors=3, random_state=2)),
        ),
    ],
)
def test_options_reach_the_estimator(tmp_path, capsys, files, method, options, estimator):
    path, label = files["parquet"]
    out = tmp_path / "o.npy"
    code, _, err = run_cli(
        ["resample", path, "-o", out, "--label", label, "--method", method, *options], capsys
    )
    assert code == 0, err
    X, y, _ = read_back(path, "parquet")
    X_ref, y_ref = estimator.fit_resample(X, y)
    default_X, _ = reference(method).fit_resample(X, y)
    assert X_ref.shape != default_X.shape or not np.array_equal(X_ref, default_X)  # the option matters
    X_out, y_out, _ = read_back(out, "npy")
    assert_equal_verbose(X_out, X_ref, what="features")
    assert_equal_verbose(y_out, y_ref, what="labels")


@pytest.mark.parametrize(
    ("method", "strategy", "parsed"),
    [
        ("enn", '["b", "c"]', ["b", "c"]),
        ("tomek", "majority", "majority"),
        ("adasyn", '{"c": 200}', {"c": 200}),
        ("smote-tomek", "not majority", "not majority"),
    ],
)
def test_string_labels_and_strategies(tmp_path, capsys, method, strategy, parsed):
    table = make_table((300, 60, 40), labels=["a", "b", "c"], shift=0.8)
    path, label = write_table(table, tmp_path, "feather")
    out = tmp_path / "o.feather"
    args = [
        "resample",
        path,
        "-o",
        out,
        "--label",
        label,
        "--method",
        method,
        "--sampling-strategy",
        strategy,
    ]
    code, _, err = run_cli([*args, "-q"], capsys)
    assert code == 0, err
    X, y, _ = read_back(path, "feather")
    X_ref, y_ref = reference(method, strategy=parsed).fit_resample(X, y.astype(object))
    X_out, y_out, _ = read_back(out, "feather")
    assert_equal_verbose(X_out, X_ref, what="features")
    np.testing.assert_array_equal(y_out.astype(object), y_ref)


def test_a_strategy_of_the_wrong_sampling_type_is_a_data_error(tmp_path, capsys, files):
    path, label = files["parquet"]
    args = ["resample", path, "-o", tmp_path / "o.parquet", "--label", label]
    code, _, err = run_cli([*args, "--method", "enn", "--sampling-strategy", '{"1": 10}'], capsys)
    assert code == 1 and "list of the classes" in err
    code, _, err = run_cli([*args, "--method", "adasyn", "--sampling-strategy", "[1]"], capsys)
    assert code == 1 and "cannot be a list" in err
    assert not (tmp_path / "o.parquet").exists()


def test_progress_phases_of_an_in_memory_method(tmp_path, capsys, files, monkeypatch):
    pytest.importorskip("tqdm")
    path, label = files["parquet"]
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    args = ["resample", path, "-o", tmp_path / "o.csv", "--label", label, "--method", "enn"]
    code, _, err = run_cli(args, capsys)
    assert code == 0
    for phase in ("labels", "read", "resample", "write"):
        assert phase in err, err


def test_human_summary_of_an_in_memory_method(tmp_path, capsys, files):
    path, label = files["parquet"]
    code, stdout, err = run_cli(
        ["resample", path, "-o", tmp_path / "o.parquet", "--label", label, "--method", "borderline-2"], capsys
    )
    assert code == 0, err
    line = stdout.splitlines()[1]
    assert line.startswith(
        "method borderline-2 (BorderlineSMOTE), k_neighbors=5, m_neighbors=10, kind='borderline-2', seed 0"
    )
    assert line.endswith("read whole into memory")


def test_demo_refuses_another_method(capsys):
    code, _, err = run_cli(["resample", "--demo", "--method", "enn"], capsys)
    assert code == 2 and "--method" in err


def test_library_call_without_the_command(tmp_path, files):
    from torchsmote.io import ResampleOptions, resample_file

    path, label = files["parquet"]
    out = tmp_path / "o.parquet"
    summary = resample_file(path, out, label=label, options=ResampleOptions(method="tomek"))
    X, y, _ = read_back(path, "parquet")
    X_ref, _ = TomekLinks().fit_resample(X, y)
    assert summary["rows_out"] == len(X_ref)
    np.testing.assert_array_equal(read_back(out, "parquet")[0], X_ref)


@pytest.mark.parametrize("method", ["enn", "adasyn"])
def test_compare_runs_both_libraries(tmp_path, capsys, files, method):
    pytest.importorskip("imblearn")
    path, label = files["parquet"]
    code, stdout, err = run_cli(["compare", path, "--label", label, "--method", method, "--json"], capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    X, y, _ = read_back(path, "parquet")
    _, y_ref = reference(method).fit_resample(X, y)
    assert summary["method"] == method and summary["imblearn_installed"] is True
    assert summary["torchsmote"]["class_counts_after"] == counts(y_ref, y)
    assert summary["torchsmote"]["rows_out"] == len(y_ref)
    for library in ("torchsmote", "imblearn"):
        result = summary[library]
        assert "error" not in result, result
        assert result["seconds"] > 0
        assert result["rows_synthetic"] == (0 if method == "enn" else len(y_ref) - len(y))
    if method == "enn":  # deterministic and the same rule: the same rows survive
        assert summary["imblearn"]["class_counts_after"] == counts(y_ref, y)
        assert summary["k_neighbors"] == 3 and summary["seed"] is None


def test_compare_table_shows_both_rows(capsys, files):
    pytest.importorskip("imblearn")
    path, label = files["csv"]
    code, stdout, err = run_cli(["compare", path, "--label", label, "--method", "smote-tomek"], capsys)
    assert code == 0, err
    assert "method smote-tomek (SMOTETomek), smote__k_neighbors=5, seed 0" in stdout.splitlines()[0]
    rows = stdout.split("\nlibrary")[1].splitlines()[1:3]
    assert rows[0].startswith("torchsmote ") and rows[1].startswith("imbalanced-learn ")
    assert "failed" not in stdout


@pytest.mark.parametrize("method", ["adasyn", "enn"])
def test_plot_of_an_in_memory_method(tmp_path, capsys, files, method):
    pytest.importorskip("matplotlib")
    path, label = files["parquet"]
    out = tmp_path / "r.png"
    args = ["plot", path, "--label", label, "-o", out, "--method", method, "--max-points", 50, "--json"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    X, y, _ = read_back(path, "parquet")
    _, y_ref = reference(method).fit_resample(X, y)
    assert summary["class_counts_after"] == counts(y_ref, y)
    assert out.read_bytes()[:4] == b"\x89PNG"
    if method == "adasyn":
        assert summary["points_synthetic"] == 100 and summary["points_real"] == 80  # 50 + 50; 50 + 30
    else:
        assert summary["points_synthetic"] == 0


def test_only_smote_streams(files):
    from torchsmote.io import OptionError, ResampleOptions, open_source, plan_resample, synthetic_chunks

    path, label = files["parquet"]
    options = ResampleOptions(method="adasyn")
    plan = plan_resample(open_source(path), label=label, options=options)
    assert plan.steps is None and plan.method.in_memory
    with pytest.raises(OptionError, match="does not stream"):
        next(synthetic_chunks(plan, {}, options))


def test_kmeans_smote_summary_reports_its_threshold(tmp_path, capsys, files):
    path, label = files["parquet"]
    args = ["resample", path, "-o", tmp_path / "o.parquet", "--label", label, "--method", "kmeans-smote"]
    summary = summary_of(capsys, args)
    assert summary["estimator"] == "KMeansSMOTE"
    assert summary["estimator_params"] == {
        "k_neighbors": 2,
        "cluster_balance_threshold": "auto",
        "random_state": 0,
    }
    code, stdout, err = run_cli([*args, "--force", "--cluster-balance-threshold", "0.05"], capsys)
    assert code == 0, err
    assert "k_neighbors=2, cluster_balance_threshold=0.05, seed 0" in stdout.splitlines()[1]


@pytest.mark.parametrize("value", ["abc", "nan", "inf", ""])
def test_a_bad_cluster_balance_threshold_is_a_usage_error(tmp_path, capsys, files, value):
    path, label = files["parquet"]
    args = ["resample", path, "-o", tmp_path / "o.parquet", "--label", label, "--method", "kmeans-smote"]
    code, stdout, err = run_cli([*args, "--cluster-balance-threshold", value], capsys)
    assert code == 2 and stdout == "" and "--cluster-balance-threshold" in err
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize("method", ["svm-smote", "kmeans-smote"])
def test_compare_runs_the_imblearn_counterpart(capsys, files, method):
    pytest.importorskip("imblearn")
    path, label = files["parquet"]
    args = ["compare", path, "--label", label, "--method", method, "--json"]
    if method == "kmeans-smote":  # imbalanced-learn's clusters differ: a low threshold lets both find some
        args += ["--cluster-balance-threshold", "0.01"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    for library in ("torchsmote", "imblearn"):
        assert "error" not in summary[library], summary[library]
        assert summary[library]["rows_synthetic"] > 0
