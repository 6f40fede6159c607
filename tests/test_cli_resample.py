"""``torchsmote resample``: every format round-trips, and the rows are SMOTE's.

The strongest check: the command's output, read back, equals
``SMOTE(random_state=seed, k_neighbors=k).fit_resample(X, y)`` on the data as
pyarrow/numpy read it, bit for bit (original rows and synthetic rows: the CPU
torch path is deterministic and the counter RNG makes chunking irrelevant).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import (
    FORMATS,
    SUMMARY_SCHEMA,
    TABULAR,
    make_table,
    pa,
    pq,
    read_back,
    run_cli,
    write_table,
)
from conftest import requires_cuda
from utils import assert_close_verbose, assert_equal_verbose

from torchsmote import SMOTE


def reference(path, fmt, label, *, seed=0, k=5, strategy="auto"):
    """SMOTE on the input as the file's reader gives it (CSV parses floats as float64)."""
    X, y, _ = read_back(path, fmt, label) if fmt != "npy" else (np.load(path), np.load(label), None)
    return SMOTE(random_state=seed, k_neighbors=k, sampling_strategy=strategy).fit_resample(X, y)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_equals_estimator(tmp_path, capsys, fmt):
    path, label = write_table(make_table(), tmp_path, fmt)
    out = tmp_path / f"out.{fmt}"
    code, stdout, err = run_cli(
        ["resample", path, "-o", out, "--label", label, "--seed", 7, "--k-neighbors", 4, "--chunk-rows", 100],
        capsys,
    )
    assert code == 0, err
    assert err == ""  # no progress bars off a terminal, nothing but errors on stderr
    assert "class counts after:  {0: 600, 1: 600}" in stdout
    X_ref, y_ref = reference(path, fmt, label, seed=7, k=4)
    X_out, y_out, _ = read_back(out, fmt, "target")
    assert X_out.dtype == X_ref.dtype  # float32 stays float32 (CSV text reads back as float64)
    assert_equal_verbose(X_out, X_ref, what=f"{fmt} features")
    assert_equal_verbose(y_out, y_ref, what=f"{fmt} labels")


@pytest.mark.parametrize(("fmt_in", "fmt_out"), [("parquet", "csv"), ("csv", "feather"), ("npy", "parquet")])
def test_output_format_may_differ_from_input(tmp_path, capsys, fmt_in, fmt_out):
    path, label = write_table(make_table(), tmp_path, fmt_in)
    out = tmp_path / f"out.{fmt_out}"
    code, _, err = run_cli(["resample", path, "-o", out, "--label", label, "-q"], capsys)
    assert code == 0, err
    X_ref, y_ref = reference(path, fmt_in, label)
    label_name = "data_labels" if fmt_in == "npy" else "target"
    X_out, y_out, _ = read_back(out, fmt_out, label_name)
    np.testing.assert_array_equal(X_out.astype(X_ref.dtype), X_ref)
    np.testing.assert_array_equal(y_out, y_ref)


def test_npz_output_of_parquet(tmp_path, capsys):
    path, label = write_table(make_table(), tmp_path, "parquet")
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.npz", "--label", label, "-q"], capsys)
    assert code == 0, err
    with np.load(tmp_path / "o.npz") as archive:
        assert sorted(archive.files) == ["X", "target"]
        X_ref, y_ref = reference(path, "parquet", label)
        np.testing.assert_array_equal(archive["X"], X_ref)
        np.testing.assert_array_equal(archive["target"], y_ref)


def test_columns_types_and_names_kept_like_the_pandas_estimator(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    n = 500
    y = np.where(rng.random(n) < 0.1, "rare", "common")
    y[:10] = "rare"
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
    code, _, err = run_cli(
        ["resample", path, "-o", out, "--label", "label", "--features", "a,b,c", "-q"], capsys
    )
    assert code == 0, err
    result = pq.read_table(out)
    assert result.schema.names == ["a", "label", "b", "c"]  # input order, id left out
    assert [str(t) for t in result.schema.types] == ["float", "string", "double", "int32"]
    frame = table.to_pandas()
    X_ref, y_ref = SMOTE(random_state=0).fit_resample(frame[["a", "b", "c"]], frame["label"])
    got = result.to_pandas()
    pd.testing.assert_frame_equal(got[["a", "b", "c"]], X_ref, check_exact=True)
    np.testing.assert_array_equal(got["label"].to_numpy(dtype=object), y_ref.to_numpy(dtype=object))


def test_string_labels_and_json_strategy(tmp_path, capsys):
    table = make_table((300, 40, 25), labels=["a", "b", "c"])
    path, label = write_table(table, tmp_path, "feather")
    out = tmp_path / "out.feather"
    strategy = '{"b": 200, "c": 100}'
    code, stdout, err = run_cli(
        ["resample", path, "-o", out, "--label", label, "--sampling-strategy", strategy, "--json"], capsys
    )
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["class_counts_after"] == {"a": 300, "b": 200, "c": 100}
    X_ref, y_ref = reference(path, "feather", label, strategy={"b": 200, "c": 100})
    X_out, y_out, _ = read_back(out, "feather")
    np.testing.assert_array_equal(X_out, X_ref)
    np.testing.assert_array_equal(y_out.astype(object), y_ref)


@pytest.mark.parametrize("strategy", ["minority", "0.5", "all", "not majority"])
def test_named_and_float_strategies(tmp_path, capsys, strategy):
    path, label = write_table(make_table((400, 60, 30)), tmp_path, "parquet")
    code, stdout, err = run_cli(
        ["resample", path, "--dry-run", "--label", label, "--sampling-strategy", strategy, "--json"], capsys
    )
    if strategy == "0.5":  # a float is for two classes only (imbalanced-learn's rule): a data error
        assert code == 1 and "binary" in err
        return
    assert code == 0, err
    X, y, _ = read_back(path, "parquet")
    sampler = SMOTE(sampling_strategy=strategy).fit(X, y)
    expected = {str(k): int(v) for k, v in sampler.sampling_strategy_.items()}
    assert json.loads(stdout)["synthetic_per_class"] == expected


def test_chunk_size_never_changes_rows(tmp_path, capsys):
    path, label = write_table(make_table((500, 80)), tmp_path, "parquet", row_group_size=77)
    outputs = []
    for chunk in (1, 13, 65536):
        out = tmp_path / f"out{chunk}.npy"
        code, _, err = run_cli(
            ["resample", path, "-o", out, "--label", label, "--chunk-rows", chunk, "-q"], capsys
        )
        assert code == 0, err
        outputs.append(np.load(out))
    np.testing.assert_array_equal(outputs[0], outputs[2])
    np.testing.assert_array_equal(outputs[1], outputs[2])


def test_synthetic_only(tmp_path, capsys):
    path, label = write_table(make_table(), tmp_path, "parquet")
    out = tmp_path / "syn.parquet"
    code, _, err = run_cli(["resample", path, "-o", out, "--label", label, "--synthetic-only", "-q"], capsys)
    assert code == 0, err
    X_ref, y_ref = reference(path, "parquet", label)
    X_out, y_out, _ = read_back(out, "parquet")
    np.testing.assert_array_equal(X_out, X_ref[640:])
    np.testing.assert_array_equal(y_out, y_ref[640:])


def test_dry_run_writes_nothing(tmp_path, capsys):
    path, label = write_table(make_table(), tmp_path, "csv")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, stdout, err = run_cli(
        ["resample", path, "--label", label, "--dry-run", "-o", tmp_path / "o.csv"], capsys
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert "class counts before: {0: 600, 1: 40}" in stdout
    assert "class counts after:  {0: 600, 1: 600}" in stdout
    assert "would write 560 synthetic rows" in stdout


@pytest.mark.parametrize("dry_run", [False, True])
def test_json_summary_schema(tmp_path, capsys, dry_run):
    path, label = write_table(make_table(), tmp_path, "parquet")
    args = ["resample", path, "--label", label, "--json"]
    args += ["--dry-run"] if dry_run else ["-o", tmp_path / "o.parquet"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    summary = json.loads(stdout)  # stdout is the JSON document and nothing else
    assert set(summary) == set(SUMMARY_SCHEMA)
    for key, kind in SUMMARY_SCHEMA.items():
        assert isinstance(summary[key], kind), (key, summary[key])
    assert summary["dry_run"] is dry_run
    assert summary["in_memory"] is False and summary["estimator"] == "SMOTE"
    assert summary["k_neighbors"] == 5 and summary["seed"] == 0
    assert summary["estimator_params"] == {"k_neighbors": 5, "random_state": 0}
    assert summary["rows_in"] == 640 and summary["rows_synthetic"] == 560 and summary["rows_removed"] == 0
    assert summary["rows_out"] == (0 if dry_run else 1200)
    assert summary["class_counts_after"] == {"0": 600, "1": 600}
    assert all(isinstance(v, float) for v in summary["seconds"].values())
    assert "total" in summary["seconds"]
    if not dry_run:
        assert summary["device"] == "cpu" and summary["format_out"] == "parquet"
        assert set(summary["seconds"]) >= {"read", "knn", "generate", "write", "total"}


def test_categorical_auto_is_refused_by_a_numeric_method(tmp_path, capsys):
    # Like every method-specific option: given for a method that cannot take it, refused.
    path, label = write_table(make_table(), tmp_path, "parquet")
    code, _, err = run_cli(
        ["resample", path, "--label", label, "--dry-run", "--categorical", "auto", "-q"], capsys
    )
    assert code == 2
    assert "--categorical is not supported by method 'smote'" in err and "smotenc, smoten" in err


def test_force_replaces_output(tmp_path, capsys):
    path, label = write_table(make_table(), tmp_path, "parquet")
    out = tmp_path / "o.parquet"
    out.write_bytes(b"old")
    code, _, err = run_cli(["resample", path, "-o", out, "--label", label, "--force", "-q"], capsys)
    assert code == 0, err
    assert pq.read_metadata(out).num_rows == 1200
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def test_progress_bars_on_a_terminal_only(tmp_path, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    path, label = write_table(make_table(), tmp_path, "parquet")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    code, stdout, err = run_cli(["resample", path, "-o", tmp_path / "o.csv", "--label", label], capsys)
    assert code == 0
    for phase in ("labels", "read", "k-NN", "generate", "write"):
        assert phase in err, err
    assert "read" not in stdout.replace("resample", "")  # bars never reach stdout
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "p.csv", "--label", label, "-q"], capsys)
    assert code == 0 and err == ""  # -q: no bars even on a terminal


@pytest.mark.parametrize("fmt", TABULAR)
def test_multi_batch_inputs(tmp_path, capsys, fmt):
    """Inputs that arrive in many batches (row groups, CSV blocks, IPC batches) give the same rows."""
    table = make_table((3000, 200), d=2, seed=5)
    path, label = write_table(table, tmp_path, fmt, row_group_size=500)
    out = tmp_path / "o.npz"
    code, _, err = run_cli(["resample", path, "-o", out, "--label", label, "--chunk-rows", 333, "-q"], capsys)
    assert code == 0, err
    X_ref, y_ref = reference(path, fmt, label)
    X_out, y_out, _ = read_back(out, "npz")
    np.testing.assert_array_equal(X_out, X_ref)
    np.testing.assert_array_equal(y_out, y_ref)


def test_demo_through_resample(capsys, monkeypatch):
    import torchsmote.cli as cli

    small = cli.demo_defaults(majority=3000, minority=100, features=4)
    monkeypatch.setattr(cli, "demo_defaults", lambda **overrides: small)
    code, stdout, _ = run_cli(["resample", "--demo"], capsys)
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].startswith("torchsmote 0.1.0 demo (torch ")
    assert lines[1] == "data: 3,100 rows x 4 features, float32, clustered blobs"
    assert lines[2] == "class counts before: {0: 3000, 1: 100}"
    assert lines[3] == "class counts after:  {0: 3000, 1: 3000}"
    assert lines[4].startswith("synthetic rows: 2,900 in ")
    assert lines[5].startswith("second call: ") and lines[5].endswith("once per process)")


def test_demo_command(capsys):
    code, stdout, _ = run_cli(["demo", "--majority", 2000, "--minority", 50, "--features", 3], capsys)
    assert code == 0
    assert "class counts after:  {0: 2000, 1: 2000}" in stdout


@requires_cuda
def test_cuda_device_matches_the_estimator_on_cuda(tmp_path, capsys):
    """--device cuda: the same kernels as SMOTE(device='cuda'), chunked; original rows exact."""
    path, label = write_table(make_table((4000, 300), d=8), tmp_path, "parquet")
    out = tmp_path / "o.npy"
    args = ["resample", path, "-o", out, "--label", label, "--device", "cuda", "--chunk-rows", 1000, "-q"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    X, y, _ = read_back(path, "parquet")
    X_ref, _ = SMOTE(random_state=0, device="cuda").fit_resample(X, y)
    X_out = np.load(out)
    assert_equal_verbose(X_out[: len(X)], X_ref[: len(X)], what="original rows")
    assert_close_verbose(X_out[len(X) :], X_ref[len(X) :], rtol=1e-6, atol=1e-6, what="synthetic rows")


@pytest.mark.parametrize(("knn", "kernel"), [("faiss", "torch"), ("numpy", "numpy")])
def test_backends_reach_the_engine(tmp_path, capsys, knn, kernel):
    path, label = write_table(make_table((300, 40)), tmp_path, "parquet")
    out = tmp_path / "o.npy"
    args = ["resample", path, "-o", out, "--label", label, "--knn-backend", knn, "--kernel-backend", kernel]
    code, stdout, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    assert json.loads(stdout)["knn_backend"] == knn
    X, y, _ = read_back(path, "parquet")
    X_ref, _ = SMOTE(random_state=0, knn_backend=knn, kernel_backend=kernel).fit_resample(X, y)
    np.testing.assert_array_equal(np.load(out), X_ref)
