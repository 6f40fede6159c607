"""One-shot GPU check: correctness of every CUDA path, then timings. Under 5 minutes on one GPU.

On the GPU machine (torch, triton, numpy, scikit-learn present; no faiss or
imbalanced-learn, no registry), from the repository root::

    python3 -m pip install -q --no-deps --no-build-isolation --no-index -e . \\
        && python3 bench/gpu_check.py --out "$OUT/gpu_check.json"

(carry an imbalanced-learn wheel and add it to PYTHONPATH for the end-to-end
ratios; without it those rows say 'imblearn missing'.)

``--quick`` runs every step at toy sizes on whatever device there is (the
test suite runs it on CPU under TRITON_INTERPRET=1 so the script cannot rot);
its timings mean nothing.

(a) correctness against the numpy reference: k-NN (blocked, TF32 on), torch and
    Triton interpolation (d in 1, 3, 16, 33, 128; all dtypes), SMOTE, SVMSMOTE and
    KMeansSMOTE end to end;
(b) timings with CUDA events after warm-up: device-to-device copy bandwidth,
    generation GB/s and % of that copy bandwidth (d in 16, 32, 64, 128),
    exact k-NN seconds and TFLOP/s, fit_resample on W1/W2 against
    imbalanced-learn on the host CPUs, 100M rows at d=16 in one call;
(c) training paths: the per-batch oversampler makes no host sync on CUDA
    (``set_sync_debug_mode('error')``) and its time per call; ``fit`` +
    ``sample`` equals ``fit_resample`` on the device; a ResampledDataset epoch;
(d) a table on stdout and everything as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, repeats=5, warmup=2) -> float:
    """Median seconds of ``fn()``; CUDA events on GPU, perf_counter on CPU."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop) / 1e3)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


# ------------------------------------------------------------------ (a) correctness


def check_correctness(device, quick: bool) -> list[dict]:
    from torchsmote.kernels.counter_rng import stream_key
    from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
    from torchsmote.kernels.interpolate_torch import smote_rows_torch
    from torchsmote.kernels.interpolate_triton import smote_rows_triton, triton_usable
    from torchsmote.kernels.knn_numpy import knn_self_numpy
    from torchsmote.kernels.knn_torch import knn_self_torch

    from torchsmote import SMOTE

    rng = np.random.default_rng(0)
    results = []

    def record(name, ok, detail=""):
        results.append({"check": name, "ok": bool(ok), "detail": detail})

    # k-NN, with TF32 switched on by the "caller": must stay exact.
    tf32, precision = torch.backends.cuda.matmul.allow_tf32, torch.get_float32_matmul_precision()
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.set_float32_matmul_precision("medium")
    try:
        for n, d in [(7, 1), (500, 3), (2049, 33)] if quick else [(7, 1), (2049, 33), (6000, 16)]:
            x = (rng.normal(size=(n, d)) + 100.0).astype(np.float32)
            expected = knn_self_numpy(x, 5)
            got = knn_self_torch(torch.from_numpy(x).to(device), 5).cpu().numpy()
            record(
                f"knn n={n} d={d} tf32-on", np.array_equal(got, expected), f"{(got != expected).sum()} differ"
            )
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.set_float32_matmul_precision(precision)

    dims = [1, 3, 16, 33, 128]
    kernels = [("torch", smote_rows_torch)]
    if triton_usable(device):
        kernels.append(("triton", smote_rows_triton))
    for name, kernel in kernels:
        for d in dims:
            for dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
                pool = torch.randn(300, d, dtype=torch.float64).to(dtype)
                neighbors = torch.randint(0, 300, (300, 5))
                count = 97 if quick else 40_961
                key = stream_key(7, d)
                ref_pool = pool.float().numpy() if dtype in (torch.float16, torch.bfloat16) else pool.numpy()
                expected = torch.from_numpy(smote_rows_numpy(ref_pool, neighbors.numpy(), key, 5, count))
                out = torch.empty((count, d), dtype=dtype, device=device)
                kernel(pool.to(device), neighbors.to(device), key, 5, out)
                tol = {torch.float64: 1e-12, torch.float32: 1e-5}.get(dtype, 2e-2)
                err = (out.cpu().double() - expected.double()).abs().max().item()
                record(f"{name} d={d} {str(dtype)[6:]}", err <= tol * 10, f"max abs err {err:.2e}")

    X = rng.normal(size=(3000, 12)).astype(np.float32)
    y = np.repeat([0, 1, 2], [2000, 700, 300])
    ref_X, _ = SMOTE(random_state=3, kernel_backend="numpy", knn_backend="numpy").fit_resample(X, y)
    got_X, got_y = SMOTE(random_state=3).fit_resample(
        torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    )
    same_device = got_X.device == device and got_y.device == device
    err = np.abs(got_X.cpu().numpy() - ref_X).max()
    record("SMOTE end to end (torch in/out on device)", same_device and err < 1e-4, f"max abs err {err:.2e}")

    # SVMSMOTE (SVM on the host, the rest on the device) and KMeansSMOTE (k-means on the device).
    from torchsmote import SVMSMOTE, KMeansSMOTE

    X_sep = X + 1.5 * y[:, None].astype(np.float32)
    for sampler, params in (
        (SVMSMOTE, {"random_state": 3}),
        (KMeansSMOTE, {"random_state": 3, "kmeans_estimator": 6, "cluster_balance_threshold": 0.05}),
    ):
        ref_X, ref_y = sampler(kernel_backend="numpy", knn_backend="numpy", **params).fit_resample(X_sep, y)
        got_X, got_y = sampler(**params).fit_resample(
            torch.from_numpy(X_sep).to(device), torch.from_numpy(y).to(device)
        )
        same = got_X.device == device and np.array_equal(got_y.cpu().numpy(), ref_y)
        err = np.abs(got_X.cpu().numpy() - ref_X).max()
        record(f"{sampler.__name__} end to end (on device)", same and err < 1e-4, f"max abs err {err:.2e}")
    return results


# ------------------------------------------------------------------ (b) timings


def copy_bandwidth(device, quick: bool) -> float:
    """Device-to-device copy bandwidth, bytes/s (read + write counted)."""
    n = (1 << 20) if quick else (1 << 30)  # 4 GiB of float32 on the GPU
    src = torch.empty(n, dtype=torch.float32, device=device).fill_(1.0)
    dst = torch.empty_like(src)
    seconds = timed(lambda: dst.copy_(src), device)
    return 2 * src.numel() * 4 / seconds


def generation_speed(device, quick: bool, copy_bw: float) -> list[dict]:
    from torchsmote.kernels.counter_rng import stream_key
    from torchsmote.kernels.interpolate_torch import smote_rows_torch
    from torchsmote.kernels.interpolate_triton import smote_rows_triton, triton_usable

    rows = 5_000 if quick else 10_000_000
    out_rows = []
    for d in (16, 32, 64, 128):
        pool = torch.randn(100_000 if not quick else 500, d, device=device)
        neighbors = torch.randint(0, pool.shape[0], (pool.shape[0], 5), device=device)
        out = torch.empty((rows, d), device=device)
        key = stream_key(0, 1)
        kernels = [("torch", partial(smote_rows_torch, pool, neighbors, key, 0, out))]
        if triton_usable(device):
            kernels.append(("triton", partial(smote_rows_triton, pool, neighbors, key, 0, out)))
        for name, fn in kernels:
            seconds = timed(fn, device, repeats=3 if quick else 10)
            moved = rows * (3 * d * 4 + 8)  # two row reads, one write, one index
            out_rows.append(
                {
                    "kernel": name,
                    "d": d,
                    "rows": rows,
                    "seconds": seconds,
                    "GB/s": moved / seconds / 1e9,
                    "pct_of_copy_bw": 100 * moved / seconds / copy_bw,
                    "rows/s": rows / seconds,
                }
            )
    return out_rows


def knn_speed(device, quick: bool) -> dict:
    from torchsmote.kernels.knn_torch import knn_self_torch
    from workloads import workload

    if quick:
        x = torch.randn(3000, 32, device=device)
    else:
        X, y = workload("W2")
        x = torch.from_numpy(X[y == 1]).to(device)
    seconds = timed(lambda: knn_self_torch(x, 5), device, repeats=3, warmup=1)
    n, d = x.shape
    flops = 2.0 * n * n * (d + 1)
    return {"n": n, "d": d, "seconds": seconds, "TFLOP/s": flops / seconds / 1e12}


def end_to_end(device, quick: bool) -> list[dict]:
    from workloads import workload

    from torchsmote import SMOTE

    try:
        from imblearn.over_sampling import SMOTE as ImbSMOTE
    except ImportError:
        ImbSMOTE = None
    rows = []
    for name in ["W1"] if quick else ["W1", "W2"]:
        X, y = workload(name)
        if quick:
            X, y = X[:20_000], y[:20_000]
        ours = SMOTE(random_state=0, device=device)
        seconds = timed(partial(ours.fit_resample, X, y), device, repeats=3, warmup=1)
        entry = {"workload": name, "torchsmote_s": seconds, "device": str(device)}
        X_t, y_t = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
        entry["torchsmote_tensor_in_out_s"] = timed(partial(ours.fit_resample, X_t, y_t), device, repeats=3)
        if ImbSMOTE is not None:
            t0 = time.perf_counter()
            ImbSMOTE(random_state=0).fit_resample(X, y)
            entry["imblearn_s"] = time.perf_counter() - t0
            entry["speedup_numpy_in_out"] = entry["imblearn_s"] / seconds
        else:
            entry["imblearn_s"] = "imblearn missing"
        rows.append(entry)
    return rows


def hundred_million(device, quick: bool) -> dict:
    from torchsmote.functional import smote

    n = 100_000 if quick else 100_000_000
    x = torch.randn(50_000 if not quick else 500, 16, device=device)
    _sync(device)
    t0 = time.perf_counter()
    out = smote(x, n, seed=1)
    _sync(device)
    return {
        "rows": n,
        "d": 16,
        "seconds": time.perf_counter() - t0,
        "finite": bool(torch.isfinite(out).all()),
    }


def training_paths(device, quick: bool) -> dict:
    """Per-batch oversampler: sync-free on CUDA, time per call; sample() == fit_resample on the device."""
    from torchsmote import SMOTE
    from torchsmote.training import BatchOversampler, ResampledDataset

    generator = torch.Generator().manual_seed(0)
    n, d, batch = (2_000, 8, 256) if quick else (1_000_000, 64, 4096)
    y = (torch.rand(n, generator=generator) < 0.05).long().to(device)
    x = torch.randn(n, d, generator=generator).to(device) + y[:, None]
    oversampler = BatchOversampler(x, y, target_ratio=0.5, seed=0)
    xb, yb = x[:batch], y[:batch]
    synced = None
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.set_sync_debug_mode("error")
        try:
            oversampler(xb, yb, 1)
            synced = False
        except RuntimeError as error:
            synced = str(error)[:200]
        finally:
            torch.cuda.set_sync_debug_mode("default")
    step = iter(range(10**9))
    seconds = timed(lambda: oversampler(xb, yb, next(step)), device, repeats=20)
    sampler = SMOTE(random_state=0).fit(x, y)
    x_res, _ = SMOTE(random_state=0).fit_resample(x, y)
    same = bool(torch.equal(sampler.sample()[0], x_res[n:]))
    dataset = ResampledDataset(x[: n // 10], y[: n // 10], batch_size=batch, device=device)
    _sync(device)
    t0 = time.perf_counter()
    rows = sum(len(labels) for _, labels in dataset)
    _sync(device)
    return {
        "batch_call_ms": seconds * 1e3,
        "batch": batch,
        "d": d,
        "appended": int(sum(oversampler.counts_for(batch).values())),
        "host_sync": synced,
        "sample_equals_fit_resample": same,
        "dataset_epoch_rows/s": rows / (time.perf_counter() - t0),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="toy sizes, any device (smoke test)")
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    args = parser.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    report = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "torch": torch.__version__,
        "quick": args.quick,
    }
    try:
        import triton

        report["triton"] = triton.__version__
    except ImportError:
        report["triton"] = None
    report["correctness"] = check_correctness(device, args.quick)
    copy_bw = copy_bandwidth(device, args.quick)
    report["copy_GB/s"] = copy_bw / 1e9
    report["generation"] = generation_speed(device, args.quick, copy_bw)
    report["knn"] = knn_speed(device, args.quick)
    report["end_to_end"] = end_to_end(device, args.quick)
    report["hundred_million_d16"] = hundred_million(device, args.quick)
    report["training"] = training_paths(device, args.quick)

    print(f"device: {report['device']}  torch {report['torch']}  triton {report['triton']}")
    failed = [c for c in report["correctness"] if not c["ok"]]
    training = report["training"]
    if training["host_sync"] or not training["sample_equals_fit_resample"]:
        failed.append({"check": "training paths", "detail": str(training), "ok": False})
    print(f"correctness: {len(report['correctness']) - len(failed)} passed, {len(failed)} failed")
    for check in failed:
        print(f"  FAILED {check['check']}: {check['detail']}")
    print(f"device copy bandwidth: {report['copy_GB/s']:.0f} GB/s")
    for row in report["generation"]:
        print(
            f"  generation {row['kernel']:<6} d={row['d']:<4} {row['GB/s']:8.1f} GB/s "
            f"({row['pct_of_copy_bw']:5.1f}% of copy)  {row['rows/s'] / 1e6:8.1f} M rows/s"
        )
    knn = report["knn"]
    print(f"k-NN {knn['n']} x {knn['d']}: {knn['seconds']:.3f} s, {knn['TFLOP/s']:.1f} TFLOP/s")
    for row in report["end_to_end"]:
        print(f"  fit_resample {row}")
    print(f"100M x 16 in one call: {report['hundred_million_d16']}")
    print(f"training paths: {report['training']}")
    args.out.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
