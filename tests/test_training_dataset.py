"""ResampledDataset: epochs equal fit_resample as multisets; workers and ranks slice it exactly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from functools import partial

import numpy as np
import pytest
import torch
from conftest import requires_cuda
from torch.utils.data import DataLoader

from torchsmote import SMOTE
from torchsmote.training import ResampledDataset


def data(seed: int = 0, d: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat([0, 1, 2], [300, 41, 19]))
    X = (rng.normal(size=(len(y), d)) + y[:, None]).astype(np.float32)
    return X, y


def rows_with_labels(X, y) -> list[bytes]:
    """Sorted (row, label) records: the epoch's multiset of labelled rows."""
    X, y = np.asarray(X), np.asarray(y)
    return sorted(
        row.tobytes() + int(label).to_bytes(8, "little", signed=True) for row, label in zip(X, y, strict=True)
    )


def concat(batches):
    return torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])


def batch_list(loader):
    return [(x.clone(), y.clone()) for x, y in loader]


def same_batches(a, b) -> bool:
    return len(a) == len(b) and all(
        torch.equal(x1, x2) and torch.equal(y1, y2) for (x1, y1), (x2, y2) in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("batch_size", [1, 64, 97, 1000])
@pytest.mark.parametrize("strategy", ["auto", {1: 100, 2: 50}])
def test_epoch_is_the_fit_resample_output_shuffled(batch_size, strategy):
    X, y = data()
    X_res, y_res = SMOTE(sampling_strategy=strategy, random_state=4).fit_resample(X, y)
    ds = ResampledDataset(X, y, SMOTE(sampling_strategy=strategy, random_state=4), batch_size=batch_size)
    batches = list(ds)
    assert len(batches) == len(ds) == ds.n_batches == -(-len(y_res) // batch_size)
    assert all(len(b[1]) == batch_size for b in batches[:-1])
    X_ep, y_ep = concat(batches)
    assert rows_with_labels(X_ep, y_ep) == rows_with_labels(X_res, y_res)
    # Shuffled: the order is not fit_resample's.
    assert not np.array_equal(X_ep.numpy(), X_res)


def test_unshuffled_epoch_is_fit_resample_in_order():
    X, y = data(1)
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    ds = ResampledDataset(X, y, SMOTE(random_state=0), batch_size=50, shuffle=False)
    X_ep, y_ep = concat(list(ds))
    assert np.array_equal(X_ep.numpy(), X_res) and np.array_equal(y_ep.numpy(), y_res)


def test_epochs_bring_fresh_synthetic_rows_and_a_new_order():
    X, y = data(2)
    sampler = SMOTE(random_state=9).fit(X, y)
    ds = ResampledDataset(X, y, SMOTE(random_state=9), batch_size=128)
    epoch0 = concat(list(ds))
    ds.set_epoch(1)
    epoch1 = concat(list(ds))
    # Epoch 1 = the real rows + stream rows [n_syn, 2 n_syn) of the same sampler.
    X_syn, y_syn = sampler.sample(sampler.n_synthetic_, start=sampler.n_synthetic_)
    expected = rows_with_labels(np.concatenate([X, X_syn]), np.concatenate([y, y_syn]))
    assert rows_with_labels(*epoch1) == expected
    assert not torch.equal(epoch0[0], epoch1[0])
    ds.set_epoch(0)
    assert torch.equal(concat(list(ds))[0], epoch0[0])  # an epoch is reproducible


def test_seed_sets_the_order_and_the_default_sampler():
    X, y = data(3)
    a = concat(list(ResampledDataset(X, y, batch_size=100, seed=1)))
    b = concat(list(ResampledDataset(X, y, batch_size=100, seed=1)))
    c = concat(list(ResampledDataset(X, y, batch_size=100, seed=2)))
    assert torch.equal(a[0], b[0]) and not torch.equal(a[0], c[0])
    # sampler=None is SMOTE(random_state=seed).
    X_res, y_res = SMOTE(random_state=1).fit_resample(X, y)
    assert rows_with_labels(*a) == rows_with_labels(X_res, y_res)


def test_the_callers_sampler_is_not_fitted_or_changed():
    X, y = data(4)
    sampler = SMOTE(k_neighbors=3)
    ResampledDataset(X, y, sampler, batch_size=10, device="cpu")
    assert not hasattr(sampler, "sampling_strategy_")
    assert sampler.get_params()["random_state"] is None and sampler.get_params()["device"] == "auto"


@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")
@pytest.mark.parametrize("num_workers", [1, 2, 3])
def test_workers_together_yield_the_single_process_sequence(num_workers):
    X, y = data(5)
    ds = ResampledDataset(X, y, SMOTE(random_state=1), batch_size=37)
    ds.set_epoch(2)
    single = batch_list(ds)
    loader = DataLoader(ds, batch_size=None, num_workers=num_workers)
    assert same_batches(batch_list(loader), single)


@pytest.mark.parametrize("world_size", [2, 3])
@pytest.mark.parametrize("num_workers", [0, 2])
def test_ranks_take_disjoint_strided_slices(world_size, num_workers):
    X, y = data(6)
    single = batch_list(ResampledDataset(X, y, SMOTE(random_state=2), batch_size=45))
    union = []
    for rank in range(world_size):
        # 20 batches: even over 2 ranks; over 3, DDP would stall, so the dataset warns.
        make = partial(ResampledDataset, X, y, SMOTE(random_state=2), batch_size=45)
        if len(single) % world_size:
            with pytest.warns(UserWarning, match="do not split evenly over world_size=3"):
                ds = make(rank=rank, world_size=world_size)
        else:
            ds = make(rank=rank, world_size=world_size)
        got = batch_list(DataLoader(ds, batch_size=None, num_workers=num_workers))
        assert len(got) == len(ds)
        assert same_batches(got, single[rank::world_size])
        union += got
    assert len(union) == len(single)


def test_drop_last_gives_every_rank_the_same_number_of_full_batches():
    X, y = data(7)
    total = len(SMOTE(random_state=0).fit_resample(X, y)[1])  # 900 rows
    lengths = []
    for rank in range(4):
        ds = ResampledDataset(X, y, batch_size=64, rank=rank, world_size=4, drop_last=True)
        batches = list(ds)
        assert all(len(b[1]) == 64 for b in batches)
        lengths.append(len(batches))
    assert lengths == [total // 64 // 4] * 4


def test_batch_method_matches_iteration():
    X, y = data(8)
    ds = ResampledDataset(X, y, batch_size=33)
    batches = list(ds)
    for index in (0, 5, len(batches) - 1):
        x, labels = ds.batch(index)
        assert torch.equal(x, batches[index][0]) and torch.equal(labels, batches[index][1])
    with pytest.raises(IndexError, match="out of range"):
        ds.batch(len(batches))


def test_inputs_are_not_modified_and_torch_input_works():
    X, y = data(9)
    X_t, y_t = torch.from_numpy(X.copy()), torch.from_numpy(y.copy())
    batches = list(ResampledDataset(X_t, y_t, batch_size=100, seed=3))
    assert torch.equal(X_t, torch.from_numpy(X)) and torch.equal(y_t, torch.from_numpy(y))
    assert batches[0][0].dtype == torch.float32 and batches[0][1].dtype == y_t.dtype


def test_errors():
    X, y = data(10)
    for bad in (0, -1, 2.0, None):
        with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
            ResampledDataset(X, y, batch_size=bad)
    with pytest.raises(ValueError, match="rank must be below world_size"):
        ResampledDataset(X, y, batch_size=8, rank=2, world_size=2)
    with pytest.raises(ValueError, match="world_size must be an int >= 1"):
        ResampledDataset(X, y, batch_size=8, rank=0, world_size=0)
    with pytest.raises(TypeError, match="labels must be integers"):
        ResampledDataset(X, np.where(y == 0, "a", "b"), batch_size=8)
    with pytest.raises(ValueError, match="NaN"):
        ResampledDataset(np.where(X > 2, np.nan, X), y, batch_size=8)
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        ResampledDataset(X, y, batch_size=8).set_epoch(-1)


def test_a_cuda_dataset_refuses_to_run_in_a_worker():
    X, y = data(11)
    ds = ResampledDataset(X, y, batch_size=50)
    ds.device = torch.device("cuda", 0)  # as if built with device='cuda'
    with pytest.raises(RuntimeError, match=r"workers\s+must not initialise CUDA"):
        list(DataLoader(ds, batch_size=None, num_workers=1))


def test_workers_never_initialise_cuda():
    """In a fresh interpreter, any CUDA initialisation inside a worker raises."""
    script = textwrap.dedent(
        """
        import numpy as np, torch
        from torch.utils.data import DataLoader
        from torchsmote.training import ResampledDataset

        def forbid_cuda(worker_id):
            def boom(*args, **kwargs):
                raise RuntimeError("CUDA initialised in a DataLoader worker")
            torch.cuda._lazy_init = boom
            torch.cuda.init = boom

        rng = np.random.default_rng(0)
        y = np.repeat([0, 1], [500, 60])
        X = rng.normal(size=(len(y), 5)).astype(np.float32)
        ds = ResampledDataset(X, y, batch_size=64)
        n = sum(len(b[1]) for b in DataLoader(ds, batch_size=None, num_workers=2, worker_init_fn=forbid_cuda))
        assert n == 1000, n
        assert not torch.cuda.is_initialized()
        print("ok", n)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok 1000"


@requires_cuda
def test_cuda_dataset_makes_batches_on_the_gpu():
    X, y = data(12)
    cpu = batch_list(ResampledDataset(X, y, batch_size=64, seed=5))
    gpu = [(a.cpu(), b.cpu()) for a, b in ResampledDataset(X, y, batch_size=64, seed=5, device="cuda")]
    assert len(cpu) == len(gpu)
    for (x1, y1), (x2, y2) in zip(cpu, gpu, strict=True):
        assert torch.equal(y1, y2)
        torch.testing.assert_close(x1, x2, rtol=1e-6, atol=1e-6)


def test_ddp_ranks_default_from_the_process_group(tmp_path):
    """Two gloo ranks, no rank/world_size passed: their batches split the single-process sequence."""
    script = tmp_path / "ddp.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import numpy as np, torch, torch.distributed as dist
            import torch.multiprocessing as mp
            from torchsmote import SMOTE
            from torchsmote.training import ResampledDataset

            def data():
                rng = np.random.default_rng(0)
                y = rng.permutation(np.repeat([0, 1], [400, 50]))
                return rng.normal(size=(len(y), 3)).astype(np.float32), y

            def rank_main(rank):
                dist.init_process_group(
                    "gloo", init_method="file://{tmp_path}/pg", rank=rank, world_size=2
                )
                ds = ResampledDataset(*data(), SMOTE(random_state=1), batch_size=50)
                ds.set_epoch(3)
                torch.save(list(ds), "{tmp_path}/rank%d.pt" % rank)
                dist.destroy_process_group()

            if __name__ == "__main__":
                mp.start_processes(rank_main, nprocs=2, start_method="fork")
                ds = ResampledDataset(*data(), SMOTE(random_state=1), batch_size=50)
                ds.set_epoch(3)
                torch.save(list(ds), "{tmp_path}/single.pt")
            """
        )
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    single = torch.load(tmp_path / "single.pt")
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    assert len(single) == 16 and [len(r) for r in ranks] == [8, 8]
    for rank in range(2):
        assert same_batches(ranks[rank], single[rank::2])


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_set_epoch_reaches_persistent_workers(context):
    X, y = data(13)
    reference = ResampledDataset(X, y, batch_size=90, seed=4)
    expected = []
    for epoch in range(3):
        reference.set_epoch(epoch)
        expected.append(batch_list(reference))
    ds = ResampledDataset(X, y, batch_size=90, seed=4)
    loader = DataLoader(
        ds, batch_size=None, num_workers=2, persistent_workers=True, multiprocessing_context=context
    )
    for epoch in range(3):
        ds.set_epoch(epoch)
        assert same_batches(batch_list(loader), expected[epoch]), epoch
    assert not same_batches(expected[0], expected[1])


def test_numpy_integers_are_accepted_as_ints():
    X, y = data(14)
    a = ResampledDataset(X, y, batch_size=np.int64(64), seed=np.int64(3))
    b = ResampledDataset(X, y, batch_size=64, seed=3)
    a.set_epoch(np.int32(2))
    b.set_epoch(2)
    assert same_batches(list(a), list(b))


def test_batch_reuses_the_epoch_plan(monkeypatch):
    X, y = data(15)
    ds = ResampledDataset(X, y, batch_size=30)
    calls = []
    original = ds._epoch_plan
    monkeypatch.setattr(ds, "_epoch_plan", lambda epoch: calls.append(epoch) or original(epoch))
    for index in range(5):
        ds.batch(index)
    ds.set_epoch(1)
    ds.batch(0)
    assert calls == [0, 1]


def test_an_imblearn_sampler_is_refused_clearly():
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE

    X, y = data(16)
    with pytest.raises(TypeError, match="sampler must be a torchsmote over-sampler"):
        ResampledDataset(X, y, ImblearnSMOTE(), batch_size=8)


@requires_cuda
def test_cuda_input_sends_no_cuda_tensor_to_spawned_workers():
    X, y = data(17)
    ds = ResampledDataset(torch.from_numpy(X).cuda(), torch.from_numpy(y).cuda(), batch_size=64, seed=1)
    tensors = [ds.features, ds.labels] + [
        t for c in ds.sampler_._streams.classes for t in (c.rows, c.pool, c.neighbors)
    ]
    assert all(t.device.type == "cpu" for t in tensors if isinstance(t, torch.Tensor))
    loader = DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context="spawn")
    assert same_batches(batch_list(loader), batch_list(ResampledDataset(X, y, batch_size=64, seed=1)))
