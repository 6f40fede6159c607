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
from cli_helpers import SUMMARY_SCHEMA, make_table, pa, pacsv, pq, read_back, run_cli, write_table
from utils import assert_equal_verbose

from torchsmote import (
    ADASYN,
    SMOTE,
    SMOTEENN,
    SMOTEN,
    SMOTENC,
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
#: Over-samplers of categorical features (--categorical): tested on their own tables below.
CATEGORICAL = ["smotenc", "smoten"]
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
    assert set(METHODS) == set(OVER_SAMPLERS + REMOVE_ROWS + CATEGORICAL)
    assert [name for name, method in METHODS.items() if method.categorical] == CATEGORICAL
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


# ----------------------------------------------------------------------------- categorical methods


def mixed_table(n=400, seed=5):
    """Continuous float32/float64 columns, a string, a dictionary and an int32 column, label in the middle."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.2, 1, 0)
    y[:12] = 1
    colour = np.where(
        y == 1,
        rng.choice(["red", "blue", "green"], n, p=[0.6, 0.3, 0.1]),
        rng.choice(["red", "blue", "green"], n),
    )
    return pa.table(
        {
            "f0": pa.array((rng.normal(size=n) + y).astype(np.float32)),
            "colour": pa.array(colour),
            "size": pa.array(rng.integers(0, 4, n).astype(np.int32)),
            "target": pa.array(y.astype(np.int64)),
            "shape": pa.array(rng.choice(["sq", "tri", "hex"], n)).dictionary_encode(),
            "f1": pa.array(rng.normal(size=n) - y),
        }
    )


def categorical_table(n=400, seed=6):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.2, "rare", "common")
    y[:12] = "rare"
    return pa.table(
        {
            "a": pa.array(rng.choice(["x", "y", "z"], n)),
            "target": pa.array(y),
            "b": pa.array(rng.choice(["p", "q"], n)).dictionary_encode(),
        }
    )


def read_frame_back(path, fmt):
    """The DataFrame and labels a file gives through Arrow (what the command's reader gives)."""
    table = pq.read_table(path) if fmt == "parquet" else pacsv.read_csv(path)
    frame = table.to_pandas()
    return frame.drop(columns="target"), frame["target"].to_numpy(), table.schema


@pytest.fixture(scope="module")
def mixed_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    table = mixed_table()
    paths = {"parquet": folder / "mixed.parquet", "csv": folder / "mixed.csv"}
    pq.write_table(table, paths["parquet"], row_group_size=128)
    pacsv.write_csv(table, paths["csv"])
    return paths


def assert_frames_equal(got, ref):
    pd = pytest.importorskip("pandas")
    assert list(got.columns) == list(ref.columns)
    for name in ref.columns:  # values only: the written types are checked on the Arrow schema
        left, right = got[name], ref[name].reset_index(drop=True)
        if isinstance(right.dtype, pd.CategoricalDtype):
            left, right = left.astype(object), right.astype(object)
        np.testing.assert_array_equal(left.to_numpy(dtype=object), right.to_numpy(dtype=object), err_msg=name)
        if left.dtype.kind == "f":
            assert_equal_verbose(left.to_numpy(), right.to_numpy(), what=name)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("categorical", ["colour,size,shape", "auto"])
def test_smotenc_output_equals_the_estimator(tmp_path, capsys, mixed_files, fmt, categorical):
    path = mixed_files[fmt]
    out = tmp_path / f"out.{fmt}"
    args = [
        "resample",
        path,
        "-o",
        out,
        "--label",
        "target",
        "--method",
        "smotenc",
        "--categorical",
        categorical,
    ]
    code, stdout, err = run_cli([*args, "--seed", 7, "--k-neighbors", 4, "--chunk-rows", 100, "-q"], capsys)
    assert code == 0 and stdout == "" and err == "", err
    X, y, schema = read_frame_back(path, fmt)
    # auto: the string and dictionary columns (CSV has no dictionaries: 'shape' is a string there)
    names = categorical.split(",") if categorical != "auto" else ["colour", "shape"]
    X_ref, y_ref = SMOTENC(categorical_features=names, random_state=7, k_neighbors=4).fit_resample(X, y)
    assert len(y_ref) > len(y)
    X_out, y_out, out_schema = read_frame_back(out, fmt)
    assert out_schema.names == schema.names  # same columns, same order, label where it was
    assert out_schema.types == schema.types  # string stays string, dictionary dictionary, int int
    if fmt == "parquet":
        assert [str(t) for t in out_schema.types] == [
            "float",
            "string",
            "int32",
            "int64",
            "dictionary<values=string, indices=int32, ordered=0>",
            "double",
        ]
    assert_frames_equal(X_out, X_ref)
    np.testing.assert_array_equal(y_out, y_ref)
    if categorical == "auto":  # 'size' is continuous: its synthetic values are interpolated, truncated
        assert len(np.unique(X_out["size"])) == 4


def test_smotenc_summary_dry_run_and_json(tmp_path, capsys, mixed_files):
    path = mixed_files["parquet"]
    args = ["resample", path, "--label", "target", "--method", "smotenc", "--categorical", "auto"]
    before = sorted(p.name for p in tmp_path.iterdir())
    summary = summary_of(capsys, [*args, "--dry-run"])
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    X, y, _ = read_frame_back(path, "parquet")
    _, y_ref = SMOTENC(categorical_features=["colour", "shape"], random_state=0).fit_resample(X, y)
    assert summary["dry_run"] is True and summary["rows_out"] == 0 and summary["in_memory"] is True
    assert summary["estimator"] == "SMOTENC"
    assert summary["estimator_params"] == {
        "categorical_features": ["colour", "shape"],
        "k_neighbors": 5,
        "random_state": 0,
    }
    assert summary["features"] == ["f0", "colour", "size", "shape", "f1"]
    assert summary["class_counts_after"] == counts(y_ref, y)
    assert summary["rows_synthetic"] == len(y_ref) - len(y)
    out = tmp_path / "o.feather"
    summary = summary_of(capsys, [*args, "-o", out, "--synthetic-only"])
    assert summary["rows_out"] == len(y_ref) - len(y) == pa.ipc.open_file(out).read_all().num_rows


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_smoten_on_an_all_categorical_file(tmp_path, capsys, fmt):
    table = categorical_table()
    path = tmp_path / f"cat.{fmt}"
    pq.write_table(table, path) if fmt == "parquet" else pacsv.write_csv(table, path)
    out = tmp_path / f"out.{fmt}"
    args = ["resample", path, "-o", out, "--label", "target", "--method", "smoten", "--seed", 3]
    summary = summary_of(capsys, args)  # no --categorical: smoten takes them all (auto)
    X, y, schema = read_frame_back(path, fmt)
    X_ref, y_ref = SMOTEN(random_state=3).fit_resample(X, y)
    X_out, y_out, out_schema = read_frame_back(out, fmt)
    assert out_schema == schema
    assert_frames_equal(X_out, X_ref)
    np.testing.assert_array_equal(y_out.astype(object), np.asarray(y_ref, dtype=object))
    assert summary["estimator_params"] == {"k_neighbors": 5, "random_state": 3}
    assert summary["rows_synthetic"] == len(y_ref) - len(y) > 0
    code, _, err = run_cli([*args, "--force", "--categorical", "a,b", "-q"], capsys)
    assert code == 0, err
    assert read_frame_back(out, fmt)[0].equals(X_out)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--method", "smotenc"], ["--method smotenc needs --categorical"]),
        (
            ["--method", "adasyn", "--categorical", "colour"],
            ["not supported by method 'adasyn'", "smotenc, smoten"],
        ),
        (["--method", "enn", "--categorical", "auto"], ["not supported by method 'enn'", "smotenc, smoten"]),
        (["--method", "smoten"], ["smoten takes categorical features only", "'f0'", "'size'"]),
        (
            ["--method", "smoten", "--categorical", "colour,shape"],
            ["smoten", "'f0'", "not named in --categorical"],
        ),
        (["--method", "smotenc", "--categorical", "nope"], ["--categorical names", "'nope'"]),
        (["--method", "smotenc", "--categorical", "target"], ["label column 'target'"]),
        (
            ["--method", "smotenc", "--categorical", "colour,shape,size,f0,f1"],
            ["every feature column is categorical", "--method smoten"],
        ),
        (
            ["--method", "smotenc", "--categorical", "auto", "-o", "{tmp}/o.npz"],
            [".npy/.npz output", "'colour'"],
        ),
    ],
)
def test_categorical_usage_errors(tmp_path, capsys, mixed_files, args, words):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "o.parquet")]
    code, stdout, err = run_cli(["resample", mixed_files["parquet"], "--label", "target", *args], capsys)
    assert code == 2 and stdout == "", err
    assert err.count("\n") == 1 and err.startswith("torchsmote: error: ") and "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    assert list(tmp_path.iterdir()) == []


def test_a_string_column_left_out_of_categorical_is_a_data_error(tmp_path, capsys, mixed_files):
    args = ["resample", mixed_files["parquet"], "--label", "target", "-o", tmp_path / "o.parquet"]
    code, _, err = run_cli([*args, "--method", "smotenc", "--categorical", "size"], capsys)
    assert code == 1
    assert "feature column 'colour'" in err and "name it in --categorical" in err


def test_smotenc_auto_without_text_columns_is_a_usage_error(tmp_path, capsys, files):
    path, label = files["parquet"]
    args = ["resample", path, "--label", label, "--dry-run", "--method", "smotenc", "--categorical", "auto"]
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "found no string or dictionary feature column" in err


@pytest.mark.parametrize("method", CATEGORICAL)
def test_compare_categorical_methods(capsys, mixed_files, method):
    pytest.importorskip("imblearn")
    args = ["compare", mixed_files["parquet"], "--label", "target", "--method", method, "--json"]
    args += ["--categorical", "auto" if method == "smotenc" else "colour,size,shape"]
    if method == "smoten":
        args += ["--features", "colour,size,shape"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    for library in ("torchsmote", "imblearn"):
        assert "error" not in summary[library], summary[library]
        assert summary[library]["rows_synthetic"] > 0
    assert summary["torchsmote"]["class_counts_after"] == summary["imblearn"]["class_counts_after"]


def test_plot_refuses_a_categorical_method(tmp_path, capsys, mixed_files):
    args = ["plot", mixed_files["parquet"], "--label", "target", "-o", tmp_path / "p.png"]
    code, _, err = run_cli([*args, "--method", "smotenc", "--categorical", "auto"], capsys)
    assert code == 2 and "categorical" in err and not (tmp_path / "p.png").exists()
