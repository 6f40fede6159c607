"""``torchsmote.distributed.resample`` on a local Ray instance: the rows of a single machine.

The contract: for the same ``random_state``, the multiset of output rows equals
``SMOTE.fit_resample`` on the dataset's rows in dataset order, exactly (bit for
bit), whatever the number of blocks and of generation slices, and a worker that
dies mid-job is retried by Ray without duplicate or missing rows.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ray = pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")

from cli_helpers import run_cli  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

from torchsmote import ADASYN, SMOTE  # noqa: E402
from torchsmote.distributed import (  # noqa: E402
    pipeline,
    resample,
    resample_with_report,
)
from torchsmote.distributed._ray import FAULT_FILE_ENV  # noqa: E402


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A local Ray instance with 2 CPUs; its workers know where the fault hook's file lives."""
    fault_file = tmp_path_factory.mktemp("faults") / "kill-once"
    if ray.is_initialized():
        ray.shutdown()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {FAULT_FILE_ENV: str(fault_file)}},
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray").setLevel(logging.WARNING)  # Ray Data logs every execution at DEBUG
    yield fault_file
    ray.shutdown()


def make_frame(counts=(400, 60, 25), d=4, *, seed=0, labels=None, dtype=np.float32):
    """A shuffled frame of clustered features ``f0..`` and a label column ``y``."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(codes)
    X = (rng.normal(size=(len(codes), d)) + 2.0 * codes[:, None]).astype(dtype)
    frame = pd.DataFrame({f"f{j}": X[:, j] for j in range(d)})
    frame["y"] = codes if labels is None else np.asarray(labels, dtype=object)[codes]
    return frame


def as_dataset(frame: pd.DataFrame, blocks: int):
    """``frame`` as a Ray Dataset of ``blocks`` blocks, rows in frame order."""
    edges = np.linspace(0, len(frame), blocks + 1).astype(int)
    return ray.data.from_pandas([frame.iloc[a:b] for a, b in itertools.pairwise(edges)])


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Numpy-typed columns, rows sorted by every column: equal multisets give equal frames."""
    plain = pd.DataFrame({name: np.asarray(frame[name].to_numpy()) for name in frame.columns})
    return plain.sort_values(list(plain.columns), kind="stable").reset_index(drop=True)


def single_machine(frame: pd.DataFrame, sampler, label="y") -> pd.DataFrame:
    X, y = sampler.fit_resample(frame.drop(columns=label), frame[label])
    return X.assign(**{label: np.asarray(y)})


def assert_same_rows(out_ds, expected: pd.DataFrame) -> pd.DataFrame:
    got = out_ds.to_pandas()
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    pd.testing.assert_frame_equal(canonical(got), canonical(expected), check_exact=True, check_dtype=False)
    return got


@pytest.mark.parametrize(
    ("blocks", "slices", "counts", "labels"),
    [
        (1, 1, (400, 60, 25), None),
        (3, 4, (400, 60, 25), None),
        (7, 13, (400, 60, 25), None),
        (5, None, (300, 40), ["neg", "pos"]),
        (4, 2, (50, 50, 20, 90), ["d", "b", "c", "a"]),
    ],
)
def test_rows_equal_single_machine(cluster, blocks, slices, counts, labels):
    frame = make_frame(counts, labels=labels, seed=blocks)
    sampler = SMOTE(random_state=7, k_neighbors=4)
    out, report = resample_with_report(
        as_dataset(frame, blocks), label="y", sampler=sampler, num_slices=slices
    )
    assert report.device == "cpu"
    if slices is not None:
        # At least the slices asked for; a class boundary can cut one more.
        assert slices <= report.n_slices <= slices + len(counts)
    assert_same_rows(out, single_machine(frame, SMOTE(random_state=7, k_neighbors=4)))


def test_categorical_labels(cluster):
    """A pandas 'category' label (a dictionary column in Arrow) comes back as its values."""
    frame = make_frame((300, 40, 20), labels=["low", "mid", "high"], seed=12)
    expected = single_machine(frame, SMOTE(random_state=2))
    frame["y"] = frame["y"].astype("category")
    out = resample(as_dataset(frame, 3), label="y", sampler=SMOTE(random_state=2))
    got = out.to_pandas()
    got["y"] = got["y"].astype(object)
    pd.testing.assert_frame_equal(canonical(got), canonical(expected), check_exact=True, check_dtype=False)


def test_synthetic_block_and_originals(cluster):
    """The synthetic-only output is fit_resample's synthetic block; the full output adds the originals."""
    frame = make_frame((500, 70), d=3, seed=11)
    expected = single_machine(frame, SMOTE(random_state=3))
    ds = as_dataset(frame, 4)
    synthetic = resample(ds, label="y", sampler=SMOTE(random_state=3), synthetic_only=True, num_slices=5)
    assert_same_rows(synthetic, expected.iloc[len(frame) :])
    full = resample(ds, label="y", sampler=SMOTE(random_state=3))
    got = assert_same_rows(full, expected)
    # The originals come back bit for bit (the synthetic rows differ from them almost surely).
    merged = canonical(frame).merge(canonical(got), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_mixed_column_types_and_features(cluster):
    """float64 and int columns compute in float64 and come back in their own types; other columns drop."""
    frame = make_frame((300, 45), d=2, seed=5, dtype=np.float64)
    frame.insert(1, "count", np.arange(len(frame)) % 17)
    frame["note"] = "ignored"
    ds = as_dataset(frame, 3)
    features = ["f0", "count", "f1"]
    out = resample(ds, label="y", sampler=SMOTE(random_state=1), features=features)
    expected = single_machine(frame[[*features, "y"]], SMOTE(random_state=1))
    got = assert_same_rows(out, expected)
    assert got["count"].dtype.kind == "i" or "int" in str(got["count"].dtype)


def test_random_state_and_strategy(cluster):
    frame = make_frame((400, 60, 25), seed=2)
    ds = as_dataset(frame, 3)
    strategy = {1: 200, 2: 100}
    # A numpy integer k is a count, as in SMOTE (not a neighbours object).
    out = resample(
        ds, label="y", sampler=SMOTE(random_state=5, sampling_strategy=strategy, k_neighbors=np.int64(5))
    )
    got = assert_same_rows(out, single_machine(frame, SMOTE(random_state=5, sampling_strategy=strategy)))
    assert np.bincount(np.asarray(got["y"])).tolist() == [400, 200, 100]
    other = resample(ds, label="y", sampler=SMOTE(random_state=6, sampling_strategy=strategy)).to_pandas()
    assert not canonical(other).equals(canonical(got))


def test_gather_keeps_dataset_order_when_blocks_finish_out_of_order(cluster):
    """The k-NN pool is the class's rows in dataset order even when block 0 comes last.

    Without the gather's ``preserve_order``, this dataset's class rows arrive
    block 0 last, the counter RNG picks other base rows, and the rows differ.
    """

    def slow_first_block(batch: pd.DataFrame) -> pd.DataFrame:
        # Defined here, so Ray ships it by value (the workers cannot import this test module).
        if (batch["row_id"] == 0).any():
            time.sleep(3)
        return batch

    frame = make_frame((400, 80), d=3, seed=14)
    frame.insert(0, "row_id", np.arange(len(frame)))
    ds = as_dataset(frame, 4).map_batches(slow_first_block, batch_format="pandas", batch_size=None)
    features = ["f0", "f1", "f2"]
    out = resample(ds, label="y", sampler=SMOTE(random_state=3), features=features)
    assert_same_rows(out, single_machine(frame[[*features, "y"]], SMOTE(random_state=3)))


def test_generation_by_actors(cluster, monkeypatch):
    """The GPU path's actor pool (one SliceGenerator per GPU), run here on CPUs, makes the same rows."""
    monkeypatch.setattr(pipeline, "_generation_compute", lambda kind: "actors")
    frame = make_frame((400, 60, 25), seed=15)
    out = resample(as_dataset(frame, 3), label="y", sampler=SMOTE(random_state=6), num_slices=5)
    assert_same_rows(out, single_machine(frame, SMOTE(random_state=6)))


def test_triton_kernel_in_workers(cluster):
    """kernel_backend='triton' runs the Triton kernel in every generation task (interpreted on CPU)."""
    frame = make_frame((200, 30), d=3, seed=16)
    sampler = SMOTE(random_state=1, kernel_backend="triton")
    out = resample(as_dataset(frame, 2), label="y", sampler=sampler, num_slices=3)
    assert_same_rows(out, single_machine(frame, SMOTE(random_state=1, kernel_backend="triton")))


def test_nothing_to_make(cluster):
    """Balanced classes: the output is the original rows, and the synthetic part is empty."""
    frame = make_frame((80, 80), seed=13)
    ds = as_dataset(frame, 2)
    assert_same_rows(resample(ds, label="y", sampler=SMOTE(random_state=0)), frame)
    assert resample(ds, label="y", sampler=SMOTE(random_state=0), synthetic_only=True).count() == 0


def test_estimator_neighbors(cluster):
    """A k_neighbors object (imbalanced-learn's contract) is fitted in the graph task."""
    frame = make_frame((300, 50), seed=4)
    out = resample(
        as_dataset(frame, 2),
        label="y",
        sampler=SMOTE(random_state=0, k_neighbors=NearestNeighbors(n_neighbors=4)),
    )
    expected = single_machine(frame, SMOTE(random_state=0, k_neighbors=NearestNeighbors(n_neighbors=4)))
    assert_same_rows(out, expected)


def test_input_left_alone(cluster):
    frame = make_frame((200, 30), seed=8)
    ds = as_dataset(frame, 3)
    options = ds.context.execution_options
    before = options.preserve_order
    sampler = SMOTE(random_state=2)
    params = sampler.get_params()
    resample(ds, label="y", sampler=sampler).materialize()
    assert options.preserve_order == before
    assert sampler.get_params() == params and not hasattr(sampler, "sampling_strategy_")
    pd.testing.assert_frame_equal(ds.to_pandas(), frame.reset_index(drop=True), check_dtype=False)


def test_worker_killed_mid_job_is_retried(cluster):
    """A generation task's worker dies once; Ray retries it and no row is lost or doubled."""
    fault_file = cluster
    frame = make_frame((600, 80), seed=9)
    fault_file.write_text("armed")
    out = resample(as_dataset(frame, 3), label="y", sampler=SMOTE(random_state=4), num_slices=6)
    assert_same_rows(out, single_machine(frame, SMOTE(random_state=4)))
    assert not fault_file.exists()
    assert fault_file.with_name(fault_file.name + ".fired").exists(), "the fault hook never fired"


# ---------------------------------------------------------------- errors


def test_bad_values_name_column_and_row(cluster):
    frame = make_frame((200, 30), seed=1)
    frame.loc[137, "f2"] = np.nan  # pandas' NaN arrives in Ray Data as a null
    with pytest.raises(
        ValueError, match=r"feature column 'f2' has a missing value \(null or NaN\) at row 137"
    ):
        resample(as_dataset(frame, 4), label="y", sampler=SMOTE(random_state=0))
    frame = make_frame((200, 30), seed=1)
    frame.loc[151, "f0"] = np.inf
    with pytest.raises(ValueError, match=r"feature column 'f0' has an infinite value at row 151"):
        resample(as_dataset(frame, 4), label="y", sampler=SMOTE(random_state=0))
    table = pa.Table.from_pandas(make_frame((200, 30), seed=1), preserve_index=False)
    values = table.column("f1").to_numpy().copy()
    values[180] = np.nan
    table = table.set_column(1, "f1", pa.array(values, from_pandas=False))  # a real NaN, not a null
    blocks = [table.slice(0, 100), table.slice(100)]
    with pytest.raises(ValueError, match=r"feature column 'f1' has a NaN value at row 180"):
        resample(ray.data.from_arrow(blocks), label="y", sampler=SMOTE(random_state=0))
    frame = make_frame((200, 30), seed=1).astype({"y": float})
    frame.loc[3, "y"] = np.nan
    with pytest.raises(ValueError, match=r"label column 'y' has a missing value at row 3"):
        resample(as_dataset(frame, 2), label="y", sampler=SMOTE(random_state=0))


def test_refusals(cluster):
    frame = make_frame((200, 30), seed=1)
    ds = as_dataset(frame, 2)
    with pytest.raises(ValueError, match="label column 'label' not found in the dataset"):
        resample(ds, label="label", sampler=SMOTE())
    with pytest.raises(ValueError, match=r"feature column\(s\) \['nope'\]"):
        resample(ds, label="y", sampler=SMOTE(), features=["f0", "nope"])
    with pytest.raises(TypeError, match=r"runs torchsmote\.SMOTE"):
        resample(ds, label="y", sampler=ADASYN())
    with pytest.raises(ValueError, match="callable sampling_strategy"):
        resample(ds, label="y", sampler=SMOTE(sampling_strategy=lambda y: {1: 200}))
    with pytest.raises(ValueError, match="class 1 has 30 row"):
        resample(ds, label="y", sampler=SMOTE(k_neighbors=30))
    with pytest.raises(ValueError, match="asks for CUDA, but the Ray cluster has no GPU"):
        resample(ds, label="y", sampler=SMOTE(device="cuda"))
    with pytest.raises(ValueError, match="num_slices"):
        resample(ds, label="y", sampler=SMOTE(), num_slices=0)
    with pytest.raises(ValueError, match="max_class_bytes"):
        resample(ds, label="y", sampler=SMOTE(), max_class_bytes=-1)
    with pytest.raises(ValueError, match="k_neighbors"):
        resample(ds, label="y", sampler=SMOTE(k_neighbors=0))
    text = frame.assign(f1=frame["f1"].astype(str))
    with pytest.raises(ValueError, match=r"feature column 'f1' has type (large_)?string"):
        resample(as_dataset(text, 2), label="y", sampler=SMOTE())


def test_backend_refused_before_any_work(cluster, monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    frame = make_frame((200, 30), seed=1)
    with pytest.raises(
        ValueError, match="kernel_backend='triton' on CPU tensors needs triton and TRITON_INTERPRET"
    ):
        resample(as_dataset(frame, 2), label="y", sampler=SMOTE(kernel_backend="triton"))


def test_category_and_plain_label_blocks(cluster):
    """Blocks whose label is a category in some and plain text in others: all decoded to text."""
    frame = make_frame((200, 30), labels=["a", "b"], seed=1)
    first = frame.iloc[:100].astype({"y": "category"})
    out = resample(ray.data.from_pandas([first, frame.iloc[100:]]), label="y", sampler=SMOTE(random_state=0))
    got = out.to_pandas()
    got["y"] = got["y"].astype(object)
    expected = single_machine(frame, SMOTE(random_state=0))
    pd.testing.assert_frame_equal(canonical(got), canonical(expected), check_exact=True, check_dtype=False)


def test_class_too_large_for_one_node(cluster):
    frame = make_frame((200, 30), d=4, seed=1)
    with pytest.raises(ValueError, match=r"class 1 has 30 rows x 4 float32 features .* must fit one node"):
        resample(as_dataset(frame, 2), label="y", sampler=SMOTE(), max_class_bytes=1000)


def test_blocks_with_different_types(cluster):
    frame = make_frame((200, 30), seed=1)
    first, second = frame.iloc[:100], frame.iloc[100:].astype({"f0": np.float64})
    with pytest.raises(ValueError, match="column 'f0' has type float in one block and double in another"):
        resample(ray.data.from_pandas([first, second]), label="y", sampler=SMOTE())


# ---------------------------------------------------------------- command line


def write_parquet_folder(frame: pd.DataFrame, folder: Path, files: int = 3) -> Path:
    """``frame`` as ``files`` Parquet files whose name order is the row order."""
    folder.mkdir()
    edges = np.linspace(0, len(frame), files + 1).astype(int)
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        frame.iloc[a:b].to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    return folder


def test_cli_ray_writes_folder_atomically(cluster, tmp_path, capsys):
    frame = make_frame((500, 60), d=3, seed=3)
    source = write_parquet_folder(frame, tmp_path / "in")
    output = tmp_path / "out"
    args = ["resample", source, "-o", output, "--label", "y", "--ray", "auto", "--seed", "9", "--json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["rows_out"] == 1000 and summary["rows_synthetic"] == 440
    assert summary["ray"]["slices"] >= 1 and summary["ray"]["CPU"] == 2
    got = pd.read_parquet(output)
    expected = single_machine(frame, SMOTE(random_state=9))
    pd.testing.assert_frame_equal(canonical(got), canonical(expected), check_exact=True, check_dtype=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"], "a temporary folder was left behind"
    # An existing output is refused without --force and replaced with it.
    code, out, err = run_cli(args, capsys)
    assert code == 2 and "exists; pass --force" in err
    code, out, err = run_cli([*args, "--force", "--synthetic-only", "--slices", "3"], capsys)
    assert code == 0, err
    assert len(pd.read_parquet(output)) == 440
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    # Nothing to make (class 1 already has the 60 rows asked for): a folder with the columns
    # and no rows, in place of the old one.
    strategy = ["--sampling-strategy", '{"1": 60}', "--force", "--synthetic-only"]
    code, out, err = run_cli([*args, *strategy], capsys)
    assert code == 0, err
    empty = pd.read_parquet(output)
    assert len(empty) == 0 and list(empty.columns) == ["f0", "f1", "f2", "y"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_cli_ray_refusals(cluster, tmp_path, capsys):
    frame = make_frame((100, 20), seed=3)
    source = write_parquet_folder(frame, tmp_path / "in", files=1)
    for extra, message in [
        (["--method", "adasyn"], "--ray runs --method smote only"),
        (["-o", tmp_path / "in" / "sub"], "overlaps the input"),
        (["-o", "s3://bucket/out"], "is a URI"),
        (["--categorical", "auto"], "takes no --categorical"),
    ]:
        code, _, err = run_cli(
            ["resample", source, "--label", "y", "--ray", "auto", "-o", tmp_path / "o", *extra], capsys
        )
        assert code == 2, err
        assert message in err
    code, out, err = run_cli(
        ["resample", source, "--label", "y", "--ray", "auto", "--dry-run", "--json"], capsys
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["dry_run"] and summary["rows_out"] == 0 and summary["rows_synthetic"] == 80
    assert summary["class_counts_after"] == {"0": 100, "1": 100}
    assert set(summary["seconds"]) == {"count", "total"}
    code, _, err = run_cli(
        ["resample", source, "-o", tmp_path / "o", "--label", "y", "--slices", "2"], capsys
    )
    assert code == 2 and "--slices applies to --ray runs only" in err
    assert not (tmp_path / "o").exists()


def test_cli_ray_fresh_process(tmp_path):
    """The command as a user types it: a new process starts a local Ray instance and shuts it down."""
    frame = make_frame((300, 40), d=2, seed=6)
    source = write_parquet_folder(frame, tmp_path / "in", files=2)
    env = {**os.environ, "RAY_ADDRESS": ""}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torchsmote",
            "resample",
            str(source),
            "-o",
            str(tmp_path / "out"),
            "--label",
            "y",
            "--ray",
            "auto",
            "--json",
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["rows_out"] == 600
    got = pd.read_parquet(tmp_path / "out")
    expected = single_machine(frame, SMOTE(random_state=0))
    pd.testing.assert_frame_equal(canonical(got), canonical(expected), check_exact=True, check_dtype=False)


def test_missing_ray_names_the_extra(monkeypatch):
    """Without Ray, the first call says which extra to install (torchsmote itself imports without it)."""
    import importlib

    from torchsmote.distributed import _ray
    from torchsmote.io import MissingDependencyError

    real = importlib.import_module

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(_ray.importlib, "import_module", no_ray)
    with pytest.raises(MissingDependencyError, match=r"pip install 'torchsmote\[ray\]'"):
        resample(None, label="y", sampler=SMOTE())


def test_import_does_not_load_ray():
    code = "import sys, torchsmote.distributed; assert 'ray' not in sys.modules, 'ray imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
