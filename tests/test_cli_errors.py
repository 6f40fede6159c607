"""Every error path of the command: one line on stderr, the right exit code, no partial output.

Exit codes: 1 when the data (or the machine) stops the run, 2 when the command
line asks for something impossible whatever the data.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from cli_helpers import make_table, pa, pacsv, pq, run_cli, write_table


def assert_one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("torchsmote: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, err)


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def data(tmp_path):
    path, _ = write_table(make_table(), tmp_path, "parquet")
    return path


def test_missing_label_column(tmp_path, capsys, data):
    code, out, err = run_cli(["resample", data, "-o", tmp_path / "o.parquet", "--label", "nope"], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err, "label column 'nope' not found", "target")
    assert files(tmp_path) == ["data.parquet"]


def test_label_option_required(tmp_path, capsys, data):
    code, _, err = run_cli(["resample", data, "-o", tmp_path / "o.parquet"], capsys)
    assert code == 2
    assert_one_error_line(err, "--label COL is required")


def test_non_numeric_feature_names_the_column(tmp_path, capsys):
    table = make_table().append_column("colour", pa.array(["red"] * 640))
    path = tmp_path / "d.parquet"
    pq.write_table(table, path)
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.parquet", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(
        err, "feature column 'colour'", "string", "--features", "--method smotenc --categorical colour"
    )
    assert files(tmp_path) == ["d.parquet"]


@pytest.mark.parametrize("categorical", ["colour", "auto"])
def test_categorical_not_supported_by_smote(tmp_path, capsys, categorical):
    table = make_table().append_column("colour", pa.array(["red"] * 640))
    path = tmp_path / "d.parquet"
    pq.write_table(table, path)
    args = ["resample", path, "-o", tmp_path / "o.parquet", "--label", "target", "--categorical", categorical]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert_one_error_line(err, "'colour'", "not supported by method 'smote'", "smotenc, smoten")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_in_a_later_row_group_leaves_no_output(tmp_path, capsys, bad):
    table = make_table((3000, 200))
    f1 = table["f1"].to_numpy().copy()
    f1[2345] = bad
    table = table.set_column(1, "f1", pa.array(f1))
    path = tmp_path / "d.parquet"
    pq.write_table(table, path, row_group_size=250)  # the bad row is in row group 10 of 13
    out = tmp_path / "o.parquet"
    # chunk 100: ~23 batches are written to the temporary file before the bad one is met
    code, _, err = run_cli(["resample", path, "-o", out, "--label", "target", "--chunk-rows", 100], capsys)
    assert code == 1
    what = "a NaN" if np.isnan(bad) else "an infinite"
    assert_one_error_line(err, f"feature column 'f1' has {what} value at row 2345")
    assert files(tmp_path) == ["d.parquet"]  # neither the output nor its temporary file


def test_missing_feature_value(tmp_path, capsys):
    table = make_table()
    values = table["f0"].to_pylist()
    values[17] = None
    path = tmp_path / "d.parquet"
    pq.write_table(table.set_column(0, "f0", pa.array(values, pa.float32())), path)
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.csv", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "'f0' has a missing value at row 17")


def test_missing_label_value(tmp_path, capsys):
    table = make_table()
    labels = table["target"].to_pylist()
    labels[5] = None
    path = tmp_path / "d.parquet"
    pq.write_table(table.set_column(3, "target", pa.array(labels, pa.int64())), path)
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.csv", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "label column 'target' has 1 missing value(s), first at row 5")


@pytest.mark.parametrize(
    "kind", ["zero-byte csv", "zero-byte parquet", "header-only csv", "no-row parquet", "npz"]
)
def test_empty_input(tmp_path, capsys, kind):
    if kind.startswith("zero-byte"):
        path = tmp_path / ("d.csv" if "csv" in kind else "d.parquet")
        path.write_bytes(b"")
    elif kind == "header-only csv":
        path = tmp_path / "d.csv"
        path.write_text("f0,f1,target\n")
    elif kind == "npz":
        path = tmp_path / "d.npz"
        np.savez(path, X=np.empty((0, 3), np.float32), target=np.empty(0, np.int64))
    else:
        path = tmp_path / "d.parquet"
        pq.write_table(make_table().slice(0, 0), path)
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.parquet", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err)
    assert "empty" in err or "no rows" in err
    assert "o.parquet" not in files(tmp_path)


def test_unknown_method_lists_the_known_ones(tmp_path, capsys, data):
    args = ["resample", data, "-o", tmp_path / "o.parquet", "--label", "target", "--method", "smotenc-x"]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert_one_error_line(err, "unknown method 'smotenc-x'", "known methods: smote, random, adasyn")


def test_unknown_extension(tmp_path, capsys, data):
    code, _, err = run_cli(["resample", data, "-o", tmp_path / "o.xlsx", "--label", "target"], capsys)
    assert code == 2
    assert_one_error_line(err, "unknown file type '.xlsx'", ".parquet")


def test_missing_input(tmp_path, capsys):
    code, _, err = run_cli(
        ["resample", tmp_path / "no.csv", "-o", tmp_path / "o.csv", "--label", "y"], capsys
    )
    assert code == 1
    assert_one_error_line(err, "no such file")


def test_existing_output_needs_force(tmp_path, capsys, data):
    out = tmp_path / "o.parquet"
    out.write_bytes(b"keep me")
    code, _, err = run_cli(["resample", data, "-o", out, "--label", "target"], capsys)
    assert code == 2
    assert_one_error_line(err, "exists", "--force")
    assert out.read_bytes() == b"keep me"


@pytest.mark.parametrize("force", [False, True])
def test_never_overwrites_the_input(tmp_path, capsys, data, force):
    before = data.read_bytes()
    args = ["resample", data, "-o", data, "--label", "target"] + (["--force"] if force else [])
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert_one_error_line(err, "is the input file")
    assert data.read_bytes() == before


def test_npy_output_never_overwrites_the_npy_labels(tmp_path, capsys):
    path, _ = write_table(make_table(), tmp_path, "npy")
    # X_res.npy would put its labels at X_res_y.npy: point that at the input's labels file
    labels_copy = tmp_path / "o_y.npy"
    labels_copy.write_bytes((tmp_path / "data_labels.npy").read_bytes())
    code, _, err = run_cli(
        ["resample", path, "-o", tmp_path / "o.npy", "--label", labels_copy, "--force"], capsys
    )
    assert code == 2
    assert_one_error_line(err, "is the input file")


def test_class_too_small_for_k(tmp_path, capsys):
    path, _ = write_table(make_table((100, 4)), tmp_path, "parquet")
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.parquet", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "class 1 has 4 row(s)", "k_neighbors=5", "--k-neighbors")
    assert files(tmp_path) == ["data.parquet"]


@pytest.mark.parametrize(
    ("strategy", "code", "words"),
    [
        ("sideways", 2, ["--sampling-strategy 'sideways' is unknown"]),
        ("{not json", 2, ["not valid JSON"]),
        ('{"7": 900}', 1, ["not present in the data"]),
        ('{"1": 10}', 1, ["greater or equal"]),
        ("1.5", 1, ["range (0, 1]"]),
    ],
)
def test_bad_sampling_strategy(tmp_path, capsys, data, strategy, code, words):
    args = [
        "resample",
        data,
        "-o",
        tmp_path / "o.parquet",
        "--label",
        "target",
        "--sampling-strategy",
        strategy,
    ]
    got, _, err = run_cli(args, capsys)
    assert got == code
    assert_one_error_line(err, *words)


def test_usage_error_is_one_line(capsys, data):
    code, _, err = run_cli(["resample", data, "--label", "target", "--k-neighbors", "0"], capsys)
    assert code == 2
    assert_one_error_line(err, "--k-neighbors", "must be >= 1")


def test_output_or_dry_run_required(capsys, data):
    code, _, err = run_cli(["resample", data, "--label", "target"], capsys)
    assert code == 2
    assert_one_error_line(err, "-o OUTPUT")


@pytest.mark.skipif(torch.cuda.is_available(), reason="the machine has CUDA")
def test_cuda_without_cuda(tmp_path, capsys, data):
    args = ["resample", data, "-o", tmp_path / "o.parquet", "--label", "target", "--device", "cuda"]
    code, _, err = run_cli(args, capsys)
    assert code == 1
    assert_one_error_line(err, "no CUDA device")
    assert files(tmp_path) == ["data.parquet"]


def test_csv_type_change_in_a_later_block(tmp_path, capsys, monkeypatch):
    # A value that does not parse with the first block's type: an error naming the file, no output.
    monkeypatch.setattr("torchsmote.io.formats._CSV_BLOCK_BYTES", 4096)
    path = tmp_path / "d.csv"
    lines = ["f0,target"] + [f"{i * 0.5},{i % 2}" for i in range(2000)] + ["oops,1"]
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.csv", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "d.csv")
    assert files(tmp_path) == ["d.csv"]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "feather", "npy", "npz"])
def test_failure_mid_write_leaves_no_file_and_keeps_the_old_output(tmp_path, capsys, monkeypatch, fmt):
    """A failure after some synthetic chunks were written: no partial file, the old output intact."""
    import torchsmote.io.streaming as streaming

    path, label = write_table(make_table(), tmp_path, "parquet")
    out = tmp_path / f"o.{fmt}"
    out.write_bytes(b"previous result")
    real = streaming._synthetic_batch
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(streaming, "_synthetic_batch", failing)
    args = ["resample", path, "-o", out, "--label", label, "--chunk-rows", 64, "--force"]
    code, _, err = run_cli(args, capsys)
    assert code == 1
    assert_one_error_line(err, "disk on fire")
    assert out.read_bytes() == b"previous result"
    assert files(tmp_path) == ["data.parquet", f"o.{fmt}"]


def test_interrupt_leaves_no_file(tmp_path, capsys, monkeypatch):
    import torchsmote.io.streaming as streaming

    path, label = write_table(make_table(), tmp_path, "parquet")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(streaming, "_synthetic_batch", interrupted)
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.csv", "--label", label], capsys)
    assert code == 130
    assert "interrupted" in err
    assert files(tmp_path) == ["data.parquet"]


def test_missing_pyarrow_names_the_extra(tmp_path, capsys, monkeypatch, data):
    import torchsmote.io._deps as deps

    real = deps.importlib.import_module

    def no_pyarrow(name, *args):
        if name.startswith("pyarrow"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(deps.importlib, "import_module", no_pyarrow)
    code, _, err = run_cli(["resample", data, "-o", tmp_path / "o.csv", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "pip install 'torchsmote[io]'")


def test_without_pyarrow_installed(tmp_path):
    """pyarrow absent (blocked in a fresh interpreter): the package and the CLI import, and
    a file command says which extra to install."""
    argv = ["resample", str(tmp_path / "d.parquet"), "--label", "y", "--dry-run"]
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"  # 'import pyarrow' now raises ImportError
        "import torchsmote, torchsmote.io, torchsmote.cli\n"
        f"sys.exit(torchsmote.cli.main({argv!r}))"
    )
    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert_one_error_line(proc.stderr, "pip install 'torchsmote[io]'")


def test_subprocess_error_has_no_traceback(tmp_path):
    """The installed entry point path (python -m torchsmote): exit code and one stderr line."""
    cmd = [
        sys.executable,
        "-m",
        "torchsmote",
        "resample",
        str(tmp_path / "x.parquet"),
        "--label",
        "y",
        "--dry-run",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert_one_error_line(proc.stderr, "no such file")


def test_csv_with_bad_quoting_is_a_data_error(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text('f0,target\n1.0,0\n"2.0,1\n')
    code, _, err = run_cli(["resample", path, "--dry-run", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err)


def test_npz_without_the_label_key(tmp_path, capsys):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.zeros((10, 2), np.float32), y=np.zeros(10, np.int64))
    code, _, err = run_cli(["resample", path, "--dry-run", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "no array 'target'")


def test_npy_labels_of_the_wrong_length(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((10, 2), np.float32))
    np.save(tmp_path / "y.npy", np.zeros(9, np.int64))
    code, _, err = run_cli(
        ["resample", tmp_path / "X.npy", "--dry-run", "--label", tmp_path / "y.npy"], capsys
    )
    assert code == 1
    assert_one_error_line(err, "do not match")


def test_csv_reader_is_used(tmp_path):
    # guard for the helpers: a CSV written by pyarrow reads back through pyarrow
    table = make_table()
    pacsv.write_csv(table, tmp_path / "d.csv")
    assert pacsv.read_csv(tmp_path / "d.csv").num_rows == 640


def test_output_folder_must_exist(tmp_path, capsys, data):
    code, _, err = run_cli(["resample", data, "-o", tmp_path / "nope" / "o.csv", "--label", "target"], capsys)
    assert code == 2
    assert_one_error_line(err, "does not exist")


def test_seed_outside_the_estimator_range(capsys, data):
    code, _, err = run_cli(["resample", data, "--label", "target", "--dry-run", "--seed", "-1"], capsys)
    assert code == 2
    assert_one_error_line(err, "--seed")


def test_npz_label_cannot_be_named_x(tmp_path, capsys):
    table = make_table().rename_columns(["f0", "f1", "f2", "X"])
    path = tmp_path / "d.parquet"
    pq.write_table(table, path)
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.npz", "--label", "X"], capsys)
    assert code == 1
    assert_one_error_line(err, "cannot be named 'X'")
    assert files(tmp_path) == ["d.parquet"]


def test_sigterm_mid_write_leaves_no_file(tmp_path, capsys, monkeypatch):
    """``timeout``, Slurm pre-emption and ``docker stop`` send SIGTERM: the cleanup still runs."""
    import os
    import signal

    import torchsmote.io.streaming as streaming

    path, label = write_table(make_table(), tmp_path, "parquet")
    real = streaming._synthetic_batch
    calls = []

    def terminated_midway(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # delivered at the next bytecode boundary
        return real(*args, **kwargs)

    monkeypatch.setattr(streaming, "_synthetic_batch", terminated_midway)
    handler_before = signal.getsignal(signal.SIGTERM)
    args = ["resample", path, "-o", tmp_path / "o.parquet", "--label", label, "--chunk-rows", 64]
    code, _, err = run_cli(args, capsys)
    assert code == 143 and "terminated" in err
    assert files(tmp_path) == ["data.parquet"]
    assert signal.getsignal(signal.SIGTERM) is handler_before  # restored after the call


def test_duplicate_column_names(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_text("a,a,y\n" + "".join(f"{i},{i * 2},{int(i < 3)}\n" for i in range(12)))
    code, _, err = run_cli(["resample", path, "-o", tmp_path / "o.parquet", "--label", "y"], capsys)
    assert code == 1
    assert_one_error_line(err, "duplicate column name(s) ['a']")
    assert files(tmp_path) == ["dup.csv"]


def test_truncated_npz(tmp_path, capsys):
    good = tmp_path / "good.npz"
    np.savez(good, X=np.random.default_rng(0).normal(size=(2000, 4)), y=np.arange(2000) % 2)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:5000])
    code, _, err = run_cli(["resample", bad, "--dry-run", "--label", "y"], capsys)
    assert code == 1
    assert_one_error_line(err, "bad.npz: cannot read as npz")


def test_unreadable_npy_labels_are_named(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((10, 2), np.float32))
    np.save(tmp_path / "y.npy", np.array(["a"] * 10, dtype=object), allow_pickle=True)
    code, _, err = run_cli(
        ["resample", tmp_path / "X.npy", "--dry-run", "--label", tmp_path / "y.npy"], capsys
    )
    assert code == 1
    assert_one_error_line(err, "y.npy: cannot read the labels as npy")


def test_dangling_symlink_output_needs_force(tmp_path, capsys, data):
    out = tmp_path / "o.parquet"
    out.symlink_to(tmp_path / "elsewhere" / "new.parquet")
    code, _, err = run_cli(["resample", data, "-o", out, "--label", "target"], capsys)
    assert code == 2
    assert_one_error_line(err, "exists; pass --force")
    assert out.is_symlink()


@pytest.mark.parametrize("extra", [["--json"], ["-o", "x.parquet"], ["--dry-run"]])
def test_demo_refuses_options_it_would_ignore(capsys, extra):
    code, out, err = run_cli(["resample", "--demo", *extra], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err, "--demo runs the built-in dataset and takes no")


@pytest.mark.parametrize("device", ["gpu", "cuda:abc", "cuda:"])
def test_bad_device_syntax_is_a_usage_error(tmp_path, capsys, data, device):
    code, _, err = run_cli(["resample", data, "--dry-run", "--label", "target", "--device", device], capsys)
    assert code == 2
    assert "is not a device" in err and "Traceback" not in err


def test_an_unexpected_error_is_still_one_line(tmp_path, capsys, monkeypatch, data):
    import torchsmote.io.streaming as streaming

    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(streaming, "_synthetic_batch", bug)
    code, _, err = run_cli(["resample", data, "-o", tmp_path / "o.parquet", "--label", "target"], capsys)
    assert code == 1
    assert_one_error_line(err, "internal error: ZeroDivisionError: division by zero", "-v")
    assert files(tmp_path) == ["data.parquet"]
