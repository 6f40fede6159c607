"""One-shot GPU check: correctness of every CUDA path, then timings. About 4.5 minutes on one GPU.

Run it through ``bash bench/gpu_run.sh`` on the GPU machine (torch, triton,
numpy, scikit-learn present; imbalanced-learn, sklearn-compat and faiss-cpu
carried as wheels in .whl/: see CONTRIBUTING.md). Without imbalanced-learn the
ratio rows say 'imblearn missing'. ``--only SECTION ...`` runs a subset.

``--quick`` runs every step at toy sizes on whatever device there is (the
test suite runs it on CPU under TRITON_INTERPRET=1 so the script cannot rot);
its timings mean nothing.

(a) correctness against the numpy reference: k-NN (TF32 on globally), torch and
    Triton interpolation (both launch layouts; d in 1, 3, 16, 33, 128; all
    dtypes), SMOTE, SVMSMOTE and
    KMeansSMOTE end to end, every family sampler on the device == on the CPU;
(b) timings with CUDA events after warm-up: device-to-device copy bandwidth,
    generation GB/s and % of that copy bandwidth (d in 16, 32, 64, 128, and 3,
    20, 33, 100; 1M- and 100k-row pools; both Triton layouts, the default one
    starred; a launch sweep at d=16; the cache policies and int32 tables;
    kernels timed as device time), the random-read ceilings of the kernel's
    access pattern (``gather_roofline.py``), host launch overhead per call,
    whether ``evict_last`` lines slow the next kernel, exact k-NN per strategy and precision
    (seconds, TFLOP/s, equality with the blocked path, a launch sweep),
    fit_resample on W1/W2 against imbalanced-learn on the host CPUs, a profile
    of W2, 100M rows at d=16 in one call, the family on W3;
(c) training paths: the per-batch oversampler makes no host sync on CUDA
    (``set_sync_debug_mode('error')``) and its time per call; ``fit`` +
    ``sample`` equals ``fit_resample`` on the device; a ResampledDataset epoch;
(d) SMOTENC/SMOTEN: the vote and VDM kernels on the device against the numpy
    reference, both samplers end to end (tensor in/out) against the reference
    backends, and their time on a W4-shaped tensor (100k rows, 12 continuous +
    4 categorical columns);
(e) where W2's numpy-in/numpy-out time goes (host copies, page faults, upload,
    device-to-host copies into pageable and pinned memory; a cProfile of one
    call), and the CLI (``torchsmote resample`` of an .npz) on the device
    against the CPU, and profiled in fresh processes (empty, warm Triton cache);
(f) a table on stdout and everything as JSON (written after every section; a
    failing section records its traceback and the others still run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from functools import partial
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


#: GPU clock cycles of the spin that :func:`timed` queues before its start event
#: (about 0.5 ms at the H200's 1.98 GHz): longer than any host launch overhead.
SPIN_CYCLES = 1_000_000


def timed(fn, device, repeats=5, warmup=2, device_only=False) -> float:
    """Median seconds of ``fn()``; CUDA events on GPU, perf_counter on CPU.

    ``device_only`` (kernel throughput): the GPU spins while the host launches,
    so the events time the device's work alone. Without it the host's time up
    to the launch counts too: on the H200's host 37 us for a bare Triton launch
    and 67 us through ``smote_rows_triton`` (section "overhead"), 5-10% of a
    0.7 ms kernel. End-to-end timings leave it off.
    """
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            if device_only:
                torch.cuda._sleep(SPIN_CYCLES)
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
        kernels += [(f"triton-{lay}", partial(smote_rows_triton, layout=lay)) for lay in ("tile", "flat")]
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
    results.extend(family_on_device(device, quick))
    return results


def family_on_device(device, quick: bool) -> list[dict]:
    """Every family sampler on the device gives the CPU's rows: same labels, values within fp32 rounding."""
    import torchsmote
    from torchsmote.datasets import make_overlapping_classes

    X, y = make_overlapping_classes((1500, 400, 100) if not quick else (300, 80, 30), 6, random_state=1)
    samplers = {
        "SMOTE": {"random_state": 0},
        "ADASYN": {"random_state": 0},
        "BorderlineSMOTE": {"random_state": 0},
        "BorderlineSMOTE-2": {"random_state": 0, "kind": "borderline-2"},
        "RandomOverSampler": {"random_state": 0, "shrinkage": 0.5},
        "EditedNearestNeighbours": {},
        "TomekLinks": {},
        "SMOTEENN": {"random_state": 0},
        "SMOTETomek": {"random_state": 0},
    }
    results = []
    for name, kwargs in samplers.items():
        cls = getattr(torchsmote, name.split("-")[0])
        try:
            X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
            on_cpu = cls(**kwargs).fit_resample(X_t, y_t)
            on_dev = cls(**kwargs).fit_resample(X_t.to(device), y_t.to(device))
            same_shape = on_cpu[0].shape == on_dev[0].shape
            labels = same_shape and torch.equal(on_cpu[1], on_dev[1].cpu())
            err = (on_cpu[0] - on_dev[0].cpu()).abs().max().item() if same_shape else float("inf")
            on_device = on_dev[0].device == device and on_dev[1].device == device
            ok = labels and err < 1e-5 and on_device
            detail = f"shape {tuple(on_dev[0].shape)} vs {tuple(on_cpu[0].shape)}, max abs err {err:.2e}"
        except Exception as error:  # a crash is a failed check, not a lost report
            ok, detail = False, repr(error)[:300]
        results.append({"check": f"{name} on {device.type} == on cpu", "ok": bool(ok), "detail": detail})
    return results


# ------------------------------------------------------------------ (b) timings


def copy_bandwidth(device, quick: bool) -> float:
    """Device-to-device copy bandwidth, bytes/s (read + write counted)."""
    n = (1 << 20) if quick else (1 << 30)  # 4 GiB of float32 on the GPU
    src = torch.empty(n, dtype=torch.float32, device=device).normal_()
    dst = torch.empty_like(src)
    seconds = timed(lambda: dst.copy_(src), device, repeats=10, device_only=True)
    return 2 * src.numel() * 4 / seconds


#: (layout, elements per program, warps) launch variants the sweep times at d=16 against
#: the default rule (H200 runs 4-6: every flat launch within 5% of the others; the
#: default is 4096 elements and 4 warps at d=16 fp32).
SWEEP = [
    ("flat", None, 4),  # the default launch, starred
    ("tile", 1024, 4),
    ("tile", 4096, 2),
    ("tile", 4096, 4),
    ("tile", 4096, 8),
    ("flat", 1024, 4),
    ("flat", 2048, 4),
    ("flat", 4096, 8),
    ("flat", 8192, 8),
]


def generation_speed(device, quick: bool, copy_bw: float) -> list[dict]:
    """Generation GB/s at 10M rows; the pool (1M rows) is larger than the L2 cache.

    Two byte counts per row: *logical* = two gathered row reads + one row write
    + one 8-byte neighbour index (the issue's measure, what the kernel touches),
    and *write* = the output row alone (the HBM floor when the pool stays cached).
    A "gather" row times ``torch.index_select`` of one random pool row per output
    row (one read, one write, one index) at d = 16, 32: torch's own gather, for
    comparison (it was meant as a random-access ceiling, but on the H200 it made
    1.65 G rows/s at both widths, 8x fewer than the fused kernel with two gathers).
    Every case times both Triton layouts with their default launch rule, and marks
    the one :func:`kernel_layout` picks (``"default": True``).
    """
    from torchsmote.kernels.counter_rng import stream_key
    from torchsmote.kernels.interpolate_torch import smote_rows_torch
    from torchsmote.kernels.interpolate_triton import (
        CACHE_POLICIES,
        DEFAULT_CACHE_POLICY,
        kernel_layout,
        smote_rows_triton,
        triton_usable,
    )

    rows = 5_000 if quick else 10_000_000
    big_pool, small_pool = (500, 300) if quick else (1_000_000, 100_000)
    out_rows = []
    cases = [(d, torch.float32, big_pool) for d in (16, 32, 64, 128)]
    cases += [(d, torch.float32, small_pool) for d in (16, 32)]
    cases += [(64, torch.bfloat16, big_pool), (16, torch.float64, big_pool)]
    cases += [(d, torch.float32, big_pool) for d in (3, 20, 33, 100)]
    for d, dtype, n_pool in cases:
        pool = torch.randn(n_pool, d, device=device).to(dtype)
        neighbors = torch.randint(0, n_pool, (n_pool, 5), device=device)
        out = torch.empty((rows, d), device=device, dtype=dtype)
        key = stream_key(0, 1)
        item = out.element_size()
        kernels = [("torch", {}, partial(smote_rows_torch, pool, neighbors, key, 0, out))]
        if dtype == torch.float32 and n_pool == big_pool and d in (16, 32):
            # torch's own gather of one random row per output row, against the kernel's two.
            index = torch.randint(0, n_pool, (rows,), device=device)
            kernels.append(("gather", {}, partial(torch.index_select, pool, 0, index, out=out)))
        if triton_usable(device):
            chosen = kernel_layout(pool, out)
            sweep = d == 16 and dtype == torch.float32 and n_pool == big_pool and not quick
            configs = SWEEP if sweep else [("tile", None, 4), ("flat", None, 4)]
            for layout, elements, warps in configs:
                launch = {"layout": layout, "elements": elements, "num_warps": warps}
                fn = partial(smote_rows_triton, pool, neighbors, key, 0, out, **launch)
                kernels.append(("triton", {**launch, "default": layout == chosen and elements is None}, fn))
        expected = None
        # --quick (the interpreter in CI) runs the variants once, at d=16 from the big pool.
        variants = not quick or (d == 16 and dtype == torch.float32 and n_pool == big_pool)
        if variants and triton_usable(device) and kernel_layout(pool, out) == "flat":
            # The layout rows above read the int64 table with the default cache policy.
            # generate_rows hands large calls an int32 table (the library's path); policy
            # "none" on an int64 table is the kernel before the cache hints. The other
            # policies (interpolate_triton.CACHE_POLICIES) run at d = 16..128 in fp32.
            expected = smote_rows_triton(pool, neighbors, key, 0, out).clone()
            policies = [("int32 table", DEFAULT_CACHE_POLICY, True), ("no hints", "none", False)]
            if dtype == torch.float32 and d in (16, 32, 64, 128) and not quick:
                policies += [(f"int32 {name}", name, True) for name in CACHE_POLICIES]
                policies.remove((f"int32 {DEFAULT_CACHE_POLICY}", DEFAULT_CACHE_POLICY, True))
            for variant, policy, narrow in policies:
                config = {"layout": "flat", "elements": None, "num_warps": 4, "variant": variant}
                kernels.append(("triton", config, _flat_variant(pool, neighbors, key, out, policy, narrow)))
        for name, config, fn in kernels:
            if name in ("torch", "gather") and (
                dtype != torch.float32 or n_pool != big_pool or d not in (16, 32, 64, 128)
            ):
                continue
            seconds = timed(fn, device, repeats=3 if quick else 10, device_only=True)
            if "variant" in config:
                config = {**config, "same_rows": bool(torch.equal(out, expected))}
            gathered_rows = 1 if name == "gather" else 2
            logical = rows * ((gathered_rows + 1) * d * item + 8)
            out_rows.append(
                {
                    "kernel": name,
                    **config,
                    "d": d,
                    "dtype": str(dtype)[6:],
                    "pool_rows": n_pool,
                    "rows": rows,
                    "seconds": seconds,
                    "GB/s": logical / seconds / 1e9,
                    "pct_of_copy_bw": 100 * logical / seconds / copy_bw,
                    "write_GB/s": rows * d * item / seconds / 1e9,
                    "rows/s": rows / seconds,
                }
            )
        del pool, neighbors, out, expected
    return out_rows


def _flat_variant(pool, neighbors, key, out, cache_policy: str, int32_table: bool):
    """A launch of the flat kernel with one cache policy, from an int32 or int64
    neighbour table (same rows expected)."""
    from torchsmote.kernels import _smote_triton_jit
    from torchsmote.kernels.interpolate_triton import launch_plan

    plan = launch_plan(pool, neighbors, key, 0, out, layout="flat", cache_policy=cache_policy)
    args = list(plan.args)
    if int32_table:
        args[1] = neighbors.to(torch.int32)  # 20 MB instead of 40 MB for 1M rows x k=5
    kernel = _smote_triton_jit.smote_flat_kernel

    def launch():
        kernel[plan.grid](*args, **plan.constexprs, **plan.options)

    return launch


#: (rows per program, warps) of the rand2t ceiling beside its default (128, 4), at d = 16
#: from the 1M-row pool: does the ceiling move with more reads in flight?
ROOFLINE_SWEEP = [(64, 4), (256, 4), (256, 8), (512, 8), (1024, 8)]


def gather_ceilings(device, quick: bool, copy_bw: float) -> list[dict]:
    """What random row reads reach on this card, against the SMOTE kernel at the same shape.

    ``bench/gather_roofline.py`` kernels (no RNG, no interpolation) at d = 16, 32
    from a 1M-row pool and d = 16 from 100k rows, 10M rows written: one row read
    in order (``seq1``), one random row, two random rows, and the SMOTE kernel's
    own pattern (``rand2t``: random row, random table entry, the row it names;
    at d = 16 from 1M rows also in the :data:`ROOFLINE_SWEEP` launches); then the
    library's launch (int32 table, default cache policy) at the same shape.
    ``pct_of_rand2t`` reads the kernel against the pattern with the kernel's cache
    hints ("rand2t+hints").
    """
    from gather_roofline import PATTERNS, gather_rows, traffic_bytes
    from torchsmote.kernels.counter_rng import stream_key
    from torchsmote.kernels.interpolate_triton import smote_rows_triton, triton_usable

    if not triton_usable(device):
        return []
    rows = 5_000 if quick else 10_000_000
    big_pool, small_pool = (500, 300) if quick else (1_000_000, 100_000)
    results = []
    shapes = [(16, big_pool)] if quick else [(16, big_pool), (32, big_pool), (16, small_pool)]
    for d, n_pool in shapes:
        pool = torch.randn(n_pool, d, device=device)
        table = torch.randint(0, n_pool, (n_pool, 5), device=device, dtype=torch.int32)
        out = torch.empty((rows, d), device=device)

        def record(pattern, fn, d=d, n_pool=n_pool, **extra):
            seconds = timed(fn, device, repeats=3 if quick else 10, device_only=True)
            moved = traffic_bytes("rand2t" if pattern in ("smote", "rand2t+hints") else pattern, rows, d, 4)
            entry = {"pattern": pattern, **extra, "d": d, "pool_rows": n_pool, "rows": rows}
            entry.update(seconds=seconds, **{"GB/s": moved / seconds / 1e9, "rows/s": rows / seconds})
            entry["pct_of_copy_bw"] = 100 * moved / seconds / copy_bw
            results.append(entry)
            return entry

        by_pattern = {}
        for pattern in PATTERNS:
            by_pattern[pattern] = record(pattern, partial(gather_rows, pool, table, out, pattern))["rows/s"]
        hinted = partial(gather_rows, pool, table, out, "rand2t", hints=True)
        by_pattern["rand2t+hints"] = record("rand2t+hints", hinted)["rows/s"]
        if d == 16 and n_pool == big_pool and not quick:
            for block, warps in ROOFLINE_SWEEP:
                launch = partial(gather_rows, pool, table, out, "rand2t", block=block, num_warps=warps)
                record("rand2t", launch, launch=[block, warps])
        smote = record("smote", partial(smote_rows_triton, pool, table, stream_key(0, 1), 0, out))
        smote["pct_of_rand2t"] = 100 * smote["rows/s"] / by_pattern["rand2t+hints"]
        del pool, table, out
    return results


def launch_overhead(device, quick: bool) -> dict:
    """Host microseconds per generation call, where the kernel is tiny (1,000 rows
    at d = 16 from a 1M-row pool, int32 table): a bare launch of the flat kernel,
    ``smote_rows_triton`` (argument checks, launch plan), and ``generate_rows``
    (the library's entry: table rule, chunk sizing). Wall clock of back-to-back
    calls with one sync at the end, per call; and the device time of one call."""
    from torchsmote.kernels.counter_rng import stream_key
    from torchsmote.kernels.interpolate_triton import smote_rows_triton, triton_usable

    from torchsmote.generation import generate_rows

    if not triton_usable(device):
        return {}
    n_pool, rows, calls = (500, 100, 5) if quick else (1_000_000, 1_000, 300)
    pool = torch.randn(n_pool, 16, device=device)
    table = torch.randint(0, n_pool, (n_pool, 5), device=device, dtype=torch.int32)
    out = torch.empty((rows, 16), device=device)
    key = stream_key(0, 1)
    launches = {
        "raw_launch_us": _flat_variant(pool, table, key, out, "table-last", int32_table=False),
        "smote_rows_triton_us": partial(smote_rows_triton, pool, table, key, 0, out),
        "generate_rows_us": partial(generate_rows, pool, table.long(), key, out, backend="triton"),
    }
    report = {}
    for name, fn in launches.items():
        for _ in range(3):
            fn()
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        _sync(device)
        report[name] = 1e6 * (time.perf_counter() - t0) / calls
    report["device_us"] = 1e6 * timed(launches["raw_launch_us"], device, repeats=10, device_only=True)
    return report


def lingering_lines(device, quick: bool) -> list[dict]:
    """Do the lines the kernel's cache hints keep in L2 (``evict_last``) slow the *next* kernel?

    After one generation launch (10M rows at d = 16 from a 1M-row pool, int32
    table) with each cache policy, time an L2-sized follow-up alone (CUDA events):
    20 copies of a 12 MB tensor into another (24 MB, inside a 50 MB L2). Also the
    follow-up after itself ("warm") and after a 160 MB copy ("after copy"). Median
    of 8 rounds, milliseconds.
    """
    from torchsmote.kernels.counter_rng import stream_key
    from torchsmote.kernels.interpolate_triton import CACHE_POLICIES, smote_rows_triton, triton_usable

    if not triton_usable(device):
        return []
    rows, n_pool, probe_n = (5_000, 500, 3_000) if quick else (10_000_000, 1_000_000, 3_000_000)
    pool = torch.randn(n_pool, 16, device=device)
    table = torch.randint(0, n_pool, (n_pool, 5), device=device, dtype=torch.int32)
    out = torch.empty((rows, 16), device=device)
    src = torch.randn(probe_n, device=device)
    dst = torch.empty_like(src)
    big = torch.empty(rows * 16 // 4, device=device)
    big_dst = torch.empty_like(big)
    key = stream_key(0, 1)

    def follow_up():
        for _ in range(20):
            dst.copy_(src)

    befores = {"warm": follow_up, "after copy": lambda: big_dst.copy_(big)}
    for policy in CACHE_POLICIES:
        befores[policy] = partial(smote_rows_triton, pool, table, key, 0, out, cache_policy=policy)
    results = []
    for name, before in befores.items():
        times = []
        for _ in range(3 if quick else 9):
            before()
            if device.type == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                follow_up()
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
            else:
                t0 = time.perf_counter()
                follow_up()
                times.append(1e3 * (time.perf_counter() - t0))
        results.append({"before": name, "follow_up_ms": float(np.median(times[1:]))})
    return results


def host_profile(device, quick: bool) -> dict:
    """Where host time goes: cProfile of W2's numpy-in/numpy-out fit_resample on the
    device, and of ``torchsmote resample`` (SMOTE and KMeansSMOTE) in fresh processes
    with an empty and then a warm Triton cache. Top functions by cumulative time."""
    import cProfile
    import io
    import pstats
    import subprocess
    import tempfile

    from workloads import workload

    from torchsmote import SMOTE

    def top(stats: pstats.Stats, limit: int, sort: str = "cumulative", *only: str) -> list[str]:
        buffer = io.StringIO()
        stats.stream = buffer
        stats.sort_stats(sort).print_stats(*only, limit)
        lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        return [line[:160] for line in lines[start:]]

    X, y = workload("W2")
    if quick:
        X, y = X[:20_000], y[:20_000]
    sampler = SMOTE(random_state=0, device=device)
    sampler.fit_resample(X, y)  # warm-up: kernels compiled, allocator warm
    _sync(device)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    SMOTE(random_state=0, device=device).fit_resample(X, y)
    _sync(device)
    profiler.disable()
    report = {"w2_numpy_wall_s": time.perf_counter() - t0, "w2_numpy": top(pstats.Stats(profiler), 30)}
    rng = np.random.default_rng(0)
    n, d = (2_000, 8) if quick else (40_000, 16)
    labels = (rng.random(n) < 0.1).astype(np.int64)
    features = (rng.normal(size=(n, d)) + labels[:, None]).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.npz"
        np.savez(source, X=features, y=labels)
        env = {**os.environ, "TRITON_CACHE_DIR": str(Path(tmp) / "triton-cache")}
        # --quick (the smoke test) runs one process; each one pays the imports (~4-7 s on a CPU VM).
        for method in ("kmeans-smote",) if quick else ("smote", "kmeans-smote"):
            for run in ("cold",) if quick else ("cold", "warm"):
                stats_path = Path(tmp) / f"{method}-{run}.prof"
                command = [sys.executable, "-m", "cProfile", "-o", str(stats_path), "-m", "torchsmote"]
                command += ["resample", str(source), "-o", str(Path(tmp) / f"{method}-{run}.npz")]
                command += ["--label", "y", "--seed", "0", "--device", str(device), "--method", method]
                t0 = time.perf_counter()
                done = subprocess.run(
                    [*command, "--json"], capture_output=True, text=True, env=env, timeout=300
                )
                entry = {"rc": done.returncode, "process_s": time.perf_counter() - t0}
                if done.returncode:
                    entry["stderr"] = done.stderr[-1500:]
                else:
                    entry["seconds"] = json.loads(done.stdout).get("seconds")
                    stats = pstats.Stats(str(stats_path))
                    # The library's own functions (imports left out), then everything by own time.
                    entry["top"] = top(stats, 25, "cumulative", r"torchsmote/.*:\d+\((?!<module>)")
                    entry["top_own_time"] = top(stats, 15, "tottime")
                report[f"cli_{method}_{run}"] = entry
    return report


#: Fused k-NN launches (BLOCK_Q, BLOCK_K, warps) timed on W2's class.
KNN_SWEEP = [(64, 64, 4), (128, 64, 8), (64, 128, 4), (128, 128, 8), (32, 64, 4)]


def knn_speed(device, quick: bool) -> list[dict]:
    """Exact k-NN (k=5): each shortlist strategy and precision, seconds and TFLOP/s,
    whether it returns the same table as the blocked torch path (exact by construction,
    checked against the numpy reference in the tests); the bare distance GEMM in fp32
    and TF32; and a launch sweep of the fused kernel."""
    from torchsmote.kernels import knn_torch
    from torchsmote.kernels.knn_torch import centred_work_copy, knn_self_torch
    from torchsmote.kernels.knn_triton import fused_usable, shortlist_triton
    from workloads import workload

    results = []
    if quick:
        shapes = [("random", 300, 32)]  # the interpreter runs the fused kernel at ~1 s per 100 rows
    else:
        shapes = [
            ("W2 minority", 0, 32),
            ("random", 300_000, 32),
            ("random", 100_000, 128),
            ("random", 200_000, 8),
        ]
    for name, n, d in shapes:
        if name == "W2 minority":
            X, y = workload("W2")
            x = torch.from_numpy(X[y == 1]).to(device)
        else:
            x = torch.randn(n, d, device=device)
        n, d = x.shape
        flops = 2.0 * n * n * (d + 1)
        reference = knn_self_torch(x, 5, strategy="blocked")
        variants = [("blocked", "ieee")]
        if fused_usable(x):
            variants += [("fused", "ieee"), ("fused", "tf32x3")]
        for strategy, precision in variants:
            saved = knn_torch.FUSED_PRECISION
            knn_torch.FUSED_PRECISION = precision
            try:
                seconds = timed(partial(knn_self_torch, x, 5, strategy=strategy), device, repeats=3, warmup=1)
                same = bool(torch.equal(knn_self_torch(x, 5, strategy=strategy), reference))
            finally:
                knn_torch.FUSED_PRECISION = saved
            entry = {"data": name, "n": n, "d": d, "strategy": strategy, "precision": precision}
            entry.update({"seconds": seconds, "TFLOP/s": flops / seconds / 1e12, "equals_blocked": same})
            results.append(entry)
        if device.type == "cuda":
            block = x[: min(n, 16384)]
            gemm = {}
            for mode in ("ieee", "tf32"):
                previous = torch.backends.cuda.matmul.allow_tf32
                torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
                try:
                    t = timed(partial(torch.mm, block, x.T), device, repeats=5)
                finally:
                    torch.backends.cuda.matmul.allow_tf32 = previous
                gemm[mode] = t * n / block.shape[0]  # scaled to all n query rows
            results.append(
                {"data": name, "n": n, "d": d, "gemm_fp32_s": gemm["ieee"], "gemm_tf32_s": gemm["tf32"]}
            )
        if name == "W2 minority" and fused_usable(x) and not quick:
            xw, _ = centred_work_copy(x)
            for launch in KNN_SWEEP:
                for precision in ("ieee", "tf32x3"):
                    run = partial(shortlist_triton, xw, 9, precision=precision, launch=launch)
                    seconds = timed(run, device, repeats=3, warmup=1)
                    results.append(
                        {"data": name, "shortlist_launch": launch, "precision": precision, "seconds": seconds}
                    )
    return results


def profile_w2(device, quick: bool) -> list[str]:
    """Where W2's tensor-in/tensor-out fit_resample spends device time (top kernels)."""
    from workloads import workload

    from torchsmote import SMOTE

    if device.type != "cuda":
        return []
    X, y = workload("W2")
    X_t, y_t = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    SMOTE(random_state=0).fit_resample(X_t, y_t)  # warm-up
    torch.cuda.synchronize(device)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        SMOTE(random_state=0).fit_resample(X_t, y_t)
        torch.cuda.synchronize(device)
    table = prof.key_averages().table(sort_by="cuda_time_total", row_limit=15, max_name_column_width=60)
    return table.splitlines()


def _imblearn_seconds(make, X, y) -> float | str:
    try:
        sampler = make()
    except ImportError as error:
        return f"imblearn missing ({error})"
    t0 = time.perf_counter()
    sampler.fit_resample(X, y)
    return time.perf_counter() - t0


def end_to_end(device, quick: bool) -> list[dict]:
    """fit_resample on W1/W2: numpy in/out through the GPU, tensors in/out on the GPU,
    torchsmote on this host's CPUs, imbalanced-learn on this host's CPUs."""
    from workloads import workload

    from torchsmote import SMOTE

    def imblearn_smote():
        from imblearn.over_sampling import SMOTE as ImbSMOTE

        return ImbSMOTE(random_state=0)

    rows = []
    for name in ["W1"] if quick else ["W1", "W2"]:
        X, y = workload(name)
        if quick:
            X, y = X[:20_000], y[:20_000]
        entry = {"workload": name, "device": str(device)}
        entry["torchsmote_numpy_in_out_s"] = timed(
            partial(SMOTE(random_state=0, device=device).fit_resample, X, y), device, repeats=3, warmup=1
        )
        X_t, y_t = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
        entry["torchsmote_tensor_in_out_s"] = timed(
            partial(SMOTE(random_state=0).fit_resample, X_t, y_t), device, repeats=3
        )
        cpu = torch.device("cpu")
        entry["torchsmote_host_cpu_s"] = timed(
            partial(SMOTE(random_state=0, device="cpu").fit_resample, X, y), cpu, repeats=1, warmup=0
        )
        entry["imblearn_s"] = _imblearn_seconds(imblearn_smote, X, y)
        if isinstance(entry["imblearn_s"], float):
            for key in ("torchsmote_numpy_in_out_s", "torchsmote_tensor_in_out_s", "torchsmote_host_cpu_s"):
                entry["ratio_" + key[11:-2]] = entry["imblearn_s"] / entry[key]
        rows.append(entry)
    return rows


def host_transfers(device, quick: bool) -> dict:
    """Where W2's numpy-in/numpy-out time goes: each piece of fit_resample timed alone.

    Seconds (median of 3, wall clock with a device sync): the host copy of the
    original rows into the output, the page faults of the synthetic block, the
    class's rows gathered and uploaded, and the synthetic block's device-to-host
    copy into fresh pageable, prefaulted pageable and pinned memory (plus the
    pinned allocation and a pinned-to-numpy copy): what pinned staging could save.
    """
    from workloads import workload

    from torchsmote import SMOTE
    from torchsmote.memory import prefault

    X, y = workload("W2")
    if quick:
        X, y = X[:20_000], y[:20_000]
    minority = np.flatnonzero(y == 1)
    n_synthetic = int((y == 0).sum()) - minority.size
    d = X.shape[1]
    synthetic_bytes = n_synthetic * d * X.itemsize

    def wall(fn, repeats=3):
        times = []
        for _ in range(repeats + 1):
            _sync(device)
            t0 = time.perf_counter()
            fn()
            _sync(device)
            times.append(time.perf_counter() - t0)
        return float(np.median(times[1:]))  # the first call is a warm-up

    on_device = torch.randn(n_synthetic, d, device=device)
    prefaulted = np.empty((n_synthetic, d), dtype=np.float32)
    prefault(prefaulted)
    entry = {
        "workload": "W2",
        "synthetic_MB": synthetic_bytes / 1e6,
        "originals_MB": X.nbytes / 1e6,
        "fit_resample_numpy_s": wall(lambda: SMOTE(random_state=0, device=device).fit_resample(X, y)),
        "copy_originals_s": wall(lambda: SMOTE._allocate(X, y, n_synthetic)),
        "prefault_synthetic_s": wall(lambda: prefault(np.empty((n_synthetic, d), dtype=np.float32))),
        "upload_class_rows_s": wall(lambda: torch.from_numpy(X[minority]).to(device)),
        "d2h_fresh_pageable_s": wall(
            lambda: torch.from_numpy(np.empty((n_synthetic, d), dtype=np.float32)).copy_(on_device)
        ),
        "d2h_prefaulted_pageable_s": wall(lambda: torch.from_numpy(prefaulted).copy_(on_device)),
    }
    if device.type == "cuda":
        pinned = torch.empty((n_synthetic, d), pin_memory=True)
        entry["pinned_alloc_s"] = wall(lambda: torch.empty((n_synthetic, d), pin_memory=True))
        entry["d2h_pinned_s"] = wall(lambda: pinned.copy_(on_device))
        entry["pinned_to_numpy_s"] = wall(lambda: torch.from_numpy(prefaulted).copy_(pinned))
    for key in [k for k in entry if k.startswith("d2h_")]:
        entry[key[:-2] + "_GB/s"] = synthetic_bytes / entry[key] / 1e9
    return entry


def cli_paths(device, quick: bool) -> list[dict]:
    """``torchsmote resample`` of an .npz on the device against the same command on the CPU.

    Per method: exit codes, equal labels and row counts, the largest feature
    difference (the CUDA k-NN and kernels round like the CPU's; 0 expected for
    SMOTE), and the run's own seconds from ``--json``.
    """
    import subprocess
    import tempfile

    rng = np.random.default_rng(0)
    n, d = (2_000, 8) if quick else (40_000, 16)
    y = (rng.random(n) < 0.1).astype(np.int64)
    X = (rng.normal(size=(n, d)) + y[:, None]).astype(np.float32)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.npz"
        np.savez(source, X=X, y=y)
        # The streamed SMOTE writer and three in-memory estimators (every process
        # pays its imports and CUDA start, ~4 s).
        methods = ("smote", "smote-enn") if quick else ("smote", "svm-smote", "kmeans-smote", "smote-enn")
        for method in methods:
            outputs, entry = {}, {"method": method, "rows": n, "d": d}
            for run, where in (("device", str(device)), ("cpu", "cpu")):
                target = Path(tmp) / f"{method}-{run}.npz"
                command = [sys.executable, "-m", "torchsmote", "resample", str(source), "-o", str(target)]
                command += ["--label", "y", "--seed", "0", "--device", where, "--method", method, "--json"]
                done = subprocess.run(command, capture_output=True, text=True, timeout=300)
                entry[f"rc_{run}"] = done.returncode
                if done.returncode:
                    entry[f"stderr_{run}"] = done.stderr[-1500:]
                    continue
                entry[f"seconds_{run}"] = json.loads(done.stdout).get("seconds")
                with np.load(target) as archive:
                    outputs[run] = (archive["X"], archive["y"])
            if len(outputs) == 2:
                (x_dev, y_dev), (x_cpu, y_cpu) = outputs["device"], outputs["cpu"]
                entry["same_labels"] = bool(np.array_equal(y_dev, y_cpu))
                if x_dev.shape == x_cpu.shape:
                    entry["max_abs_diff"] = float(np.abs(x_dev - x_cpu).max())
                else:
                    entry["shapes"] = [x_dev.shape, x_cpu.shape]
            results.append(entry)
    return results


def family_speed(device, quick: bool) -> list[dict]:
    """The SMOTE family on W3 on the device (numpy in/out) against imbalanced-learn on the host."""
    from workloads import family_workload

    import torchsmote

    X, y = family_workload("W3")
    if quick:
        X, y = X[:3000], y[:3000]
    names = ["SMOTEENN", "SMOTETomek", "ADASYN", "BorderlineSMOTE", "EditedNearestNeighbours", "TomekLinks"]
    modules = {
        "SMOTEENN": "imblearn.combine",
        "SMOTETomek": "imblearn.combine",
        "ADASYN": "imblearn.over_sampling",
        "BorderlineSMOTE": "imblearn.over_sampling",
        "EditedNearestNeighbours": "imblearn.under_sampling",
        "TomekLinks": "imblearn.under_sampling",
    }
    results = []
    for name in names:
        ours = getattr(torchsmote, name)
        kwargs = {} if name in ("EditedNearestNeighbours", "TomekLinks") else {"random_state": 0}
        entry = {"sampler": name, "workload": "W3"}
        entry["torchsmote_s"] = timed(
            partial(ours(**kwargs, device=device).fit_resample, X, y), device, repeats=3, warmup=1
        )
        X_t, y_t = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
        entry["torchsmote_tensor_in_out_s"] = timed(
            partial(ours(**kwargs).fit_resample, X_t, y_t), device, repeats=3, warmup=1
        )

        def make(name=name, kwargs=kwargs):
            import importlib

            return getattr(importlib.import_module(modules[name]), name)(**kwargs)

        entry["imblearn_s"] = _imblearn_seconds(make, X, y)
        if isinstance(entry["imblearn_s"], float):
            entry["ratio"] = entry["imblearn_s"] / entry["torchsmote_s"]
        results.append(entry)
    return results


def hundred_million(device, quick: bool) -> dict:
    from torchsmote.functional import smote

    n = 100_000 if quick else 100_000_000
    x = torch.randn(50_000 if not quick else 500, 16, device=device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
    _sync(device)
    t0 = time.perf_counter()
    out = smote(x, n, seed=1)
    _sync(device)
    seconds = time.perf_counter() - t0
    entry = {"rows": n, "d": 16, "seconds": seconds, "output_GiB": out.numel() * out.element_size() / 2**30}
    if device.type == "cuda":
        entry["peak_extra_GiB"] = (torch.cuda.max_memory_allocated(device) - before) / 2**30
        from torchsmote.kernels.knn_torch import knn_self_torch

        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        knn_self_torch(x, 5)
        entry["knn_peak_extra_GiB"] = (torch.cuda.max_memory_allocated(device) - before) / 2**30
    entry["finite"] = bool(torch.isfinite(out).all())
    return entry


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


def nominal_paths(device, quick: bool) -> tuple[list[dict], dict]:
    """SMOTENC/SMOTEN on the device: exact against the numpy reference, then timed (no pandas needed)."""
    from torchsmote.kernels import nominal_numpy as ref
    from torchsmote.kernels import nominal_torch as fast

    from torchsmote import SMOTEN, SMOTENC

    rng = np.random.default_rng(4)
    checks = []

    def record(name, ok, detail=""):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    n, count = (300, 997) if quick else (20_000, 200_003)
    codes = np.stack([rng.integers(0, c, n) for c in (3, 5, 8, 12)], axis=1)
    table = rng.integers(0, n, (n, 5))
    expected = ref.smotenc_categories_numpy(codes, table, 1, 2, 0, count)
    got = fast.smotenc_categories_torch(
        torch.from_numpy(codes).to(device), torch.from_numpy(table).to(device), 1, 2, 0, count
    )
    same = all(np.array_equal(g.cpu().numpy(), e) for g, e in zip(got, expected, strict=True))
    record(f"SMOTENC votes n={n} count={count}", same)
    n_v = 200 if quick else 3000
    labels = rng.integers(0, 3, n_v)
    proba = ref.vdm_probabilities_numpy(codes[:n_v], labels, codes.max(axis=0) + 1, 3)
    expected_nn = ref.vdm_neighbors_numpy(codes[:n_v], proba, 5)
    got_nn = fast.vdm_neighbors_torch(
        torch.from_numpy(codes[:n_v]).to(device), [torch.from_numpy(p).to(device) for p in proba], 5
    )
    record(f"VDM k-NN n={n_v}", np.array_equal(got_nn.cpu().numpy(), expected_nn))
    rows_ref = ref.smoten_rows_numpy(codes[:n_v], expected_nn, 3, 0, count)
    rows_got = fast.smoten_rows_torch(torch.from_numpy(codes[:n_v]).to(device), got_nn, 3, 0, count)
    same = all(np.array_equal(g.cpu().numpy(), e) for g, e in zip(rows_got, rows_ref, strict=True))
    record("SMOTEN rows", same)

    # End to end, tensor in/out on the device, against the numpy reference backends.
    m = 3000 if quick else 30_000
    y = np.repeat([0, 1, 2], [m * 8 // 10, m * 15 // 100, m - m * 8 // 10 - m * 15 // 100])
    X = np.c_[rng.normal(size=(m, 3)) + y[:, None], (rng.integers(0, 4, (m, 2)) + y[:, None]) % 4]
    reference = SMOTENC(
        categorical_features=[3, 4], random_state=0, knn_backend="numpy", kernel_backend="numpy"
    )
    X_ref, _ = reference.fit_resample(X, y)
    X_dev, y_dev = SMOTENC(categorical_features=[3, 4], random_state=0).fit_resample(
        torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    )
    on_device = X_dev.device == device and y_dev.device == device
    X_dev = X_dev.cpu().numpy()
    err = np.abs(X_dev[:, :3] - X_ref[:, :3]).max()
    record(
        "SMOTENC end to end (tensor in/out on device)",
        on_device and err < 1e-9 and np.array_equal(X_dev[:, 3:], X_ref[:, 3:]),
        f"max abs err {err:.2e}",
    )
    X_cat = codes[:m] if m <= n else np.tile(codes, (m // n + 1, 1))[:m]
    ref_rows, _ = SMOTEN(random_state=0, knn_backend="numpy", kernel_backend="numpy").fit_resample(X_cat, y)
    dev_rows, _ = SMOTEN(random_state=0).fit_resample(torch.from_numpy(X_cat).to(device).float(), y)
    record("SMOTEN end to end (tensor in/out on device)", np.array_equal(dev_rows.cpu().numpy(), ref_rows))

    # Timings on a W4-shaped tensor: 100k rows, 80 / 15 / 5 %, 12 continuous + 4 categorical.
    from torchsmote.datasets import make_overlapping_classes

    counts = (8_000, 1_500, 500) if quick else (80_000, 15_000, 5_000)
    X_cont, y4 = make_overlapping_classes(counts, 12, random_state=0)
    cats = np.stack([(rng.integers(0, c, len(y4)) + y4) % c for c in (3, 5, 8, 12)], axis=1)
    X4 = torch.from_numpy(np.c_[X_cont[:, :6], cats, X_cont[:, 6:]].astype(np.float32)).to(device)
    y4_t = torch.from_numpy(y4).to(device)
    smotenc = SMOTENC(categorical_features=[6, 7, 8, 9], random_state=0)
    timings = {
        "W4_tensor_SMOTENC_s": timed(partial(smotenc.fit_resample, X4, y4_t), device, repeats=3, warmup=1),
        "W4_numpy_SMOTENC_device_s": timed(
            partial(
                SMOTENC(categorical_features=[6, 7, 8, 9], random_state=0, device=device).fit_resample,
                X4.cpu().numpy(),
                y4,
            ),
            device,
            repeats=3,
            warmup=1,
        ),
        "W4_categorical_tensor_SMOTEN_s": timed(
            partial(SMOTEN(random_state=0).fit_resample, X4[:, 6:10].contiguous(), y4_t),
            device,
            repeats=3,
            warmup=1,
        ),
    }
    return checks, timings


SECTIONS = [
    "correctness",
    "copy",
    "generation",
    "roofline",
    "linger",
    "overhead",
    "knn",
    "end_to_end",
    "profile",
    "transfers",
    "host_profile",
    "cli",
    "hundred_million",
    "training",
    "family",
    "nominal",
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="toy sizes, any device (smoke test)")
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--only", nargs="*", choices=SECTIONS, help="run only these sections")
    args = parser.parse_args(argv)
    # An explicit index: results come back on "cuda:0", which != torch.device("cuda").
    device = (
        torch.device("cuda", torch.cuda.current_device())
        if torch.cuda.is_available()
        else torch.device("cpu")
    )
    report = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "torch": torch.__version__,
        "quick": args.quick,
        "cpu_count": os.cpu_count(),
        "errors": {},
        "section_seconds": {},
    }
    try:
        import triton

        report["triton"] = triton.__version__
    except ImportError:
        report["triton"] = None
    print(f"device: {report['device']}  torch {report['torch']}  triton {report['triton']}", flush=True)
    report["fused_knn"] = _probe_fused_knn(device)
    copy_bw = None
    steps = {
        "correctness": lambda: check_correctness(device, args.quick),
        "copy": lambda: copy_bandwidth(device, args.quick) / 1e9,
        "generation": lambda: generation_speed(device, args.quick, (copy_bw or 1e9) * 1e9),
        "roofline": lambda: gather_ceilings(device, args.quick, (copy_bw or 1e9) * 1e9),
        "linger": lambda: lingering_lines(device, args.quick),
        "overhead": lambda: launch_overhead(device, args.quick),
        "host_profile": lambda: host_profile(device, args.quick),
        "knn": lambda: knn_speed(device, args.quick),
        "end_to_end": lambda: end_to_end(device, args.quick),
        "profile": lambda: profile_w2(device, args.quick),
        "transfers": lambda: host_transfers(device, args.quick),
        "cli": lambda: cli_paths(device, args.quick),
        "hundred_million": lambda: hundred_million(device, args.quick),
        "training": lambda: training_paths(device, args.quick),
        "family": lambda: family_speed(device, args.quick),
        "nominal": lambda: dict(zip(("checks", "timings"), nominal_paths(device, args.quick), strict=True)),
    }
    for name in args.only or SECTIONS:
        t0 = time.perf_counter()
        # One section failing must not cost the others' figures: record and go on.
        try:
            report[name] = steps[name]()
            if name == "copy":
                copy_bw = report[name]
        except Exception as error:  # reported below and in the JSON
            report["errors"][name] = traceback.format_exc()[-3000:]
            print(f"section {name} FAILED: {error!r}", flush=True)
        report["section_seconds"][name] = time.perf_counter() - t0
        print(f"[{name}] {report['section_seconds'][name]:.1f} s", flush=True)
        _write_atomically(args.out, report)
    failed = print_table(report)
    return 1 if failed or report["errors"] else 0


def _probe_fused_knn(device) -> str:
    """Compile and run the fused k-NN once. If it fails here, record why and let the
    library's 'auto' use the blocked torch shortlist, so the other sections still report."""
    from torchsmote.kernels import knn_torch
    from torchsmote.kernels.knn_numpy import knn_self_numpy

    x = torch.randn(300, 12, generator=torch.Generator().manual_seed(0))
    try:
        got = knn_torch.knn_self_torch(x.to(device), 5, strategy="fused")
        ok = np.array_equal(got.cpu().numpy(), knn_self_numpy(x.numpy(), 5))
        return "ok" if ok else "WRONG RESULT"
    except Exception:
        knn_torch.fused_usable = lambda xw: False
        return "FAILED, blocked shortlist used instead: " + traceback.format_exc()[-2000:]


def _write_atomically(path: Path, report: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str))
    tmp.replace(path)


def print_table(report: dict) -> list:
    """The summary on stdout (the device tool returns the output's tail); returns failed checks."""
    checks = report.get("correctness", []) + report.get("nominal", {}).get("checks", [])
    failed = [c for c in checks if not c["ok"]]
    training = report.get("training")
    if training and (training["host_sync"] or not training["sample_equals_fit_resample"]):
        failed.append({"check": "training paths", "detail": str(training), "ok": False})
    for row in report.get("generation", []):
        if row.get("same_rows") is False:
            check = f"generation variant {row['variant']} d={row['d']}"
            failed.append({"check": check, "detail": str(row), "ok": False})
    for row in report.get("cli", []):
        if row.get("rc_device") or row.get("rc_cpu") or not row.get("same_labels"):
            failed.append({"check": f"cli {row['method']}", "detail": str(row), "ok": False})
    print(f"== {report['device']}  torch {report['torch']}  triton {report['triton']}")
    print(f"fused k-NN probe: {report.get('fused_knn', '')[-600:]}")
    if "correctness" in report:
        print(f"correctness: {len(checks) - len(failed)} passed, {len(failed)} failed")
    for check in failed:
        print(f"  FAILED {check['check']}: {check['detail']}")
    for name, trace in report["errors"].items():
        print(f"ERROR in {name}: {trace.splitlines()[-1]}")
    if "copy" in report:
        print(f"device copy bandwidth: {report['copy']:.0f} GB/s")
    for row in report.get("generation", []):
        config = f"{row.get('layout', '-')},e={row.get('elements') or 'rule'},w={row.get('num_warps', '-')}"
        if "variant" in row:
            config += f" {row['variant']} same={row['same_rows']}"
        mark = "*" if row.get("default") else " "
        print(
            f" {mark}gen {row['kernel']:<6} {config:<18} d={row['d']:<3} {row['dtype']:<8} "
            f"pool={row['pool_rows']:<8} "
            f"{row['GB/s']:7.0f} GB/s "
            f"({row['pct_of_copy_bw']:5.1f}% copy) write {row['write_GB/s']:6.0f} GB/s "
            f"{row['rows/s'] / 1e9:6.2f} G rows/s"
        )
    for row in report.get("roofline", []):
        shape = f"d={row['d']:<3} pool={row['pool_rows']:<8}" + (
            f" {row['launch']}" if "launch" in row else ""
        )
        print(
            f"  ceiling {row['pattern']:<6} {shape} {row['GB/s']:7.0f} GB/s "
            f"({row['pct_of_copy_bw']:5.1f}% copy) {row['rows/s'] / 1e9:6.2f} G rows/s"
            + (f"  = {row['pct_of_rand2t']:.0f}% of rand2t+hints" if "pct_of_rand2t" in row else "")
        )
    if report.get("overhead"):
        overhead = {k: round(v, 1) for k, v in report["overhead"].items()}
        print(f"  launch overhead (host us per call): {overhead}")
    for row in report.get("linger", []):
        print(f"  follow-up after {row['before']:<12} {row['follow_up_ms']:.3f} ms")
    profile = report.get("host_profile", {})
    if profile:
        print(f"  host profile: W2 numpy in/out {profile['w2_numpy_wall_s'] * 1e3:.1f} ms (profiled)")
        for line in profile["w2_numpy"]:
            print(f"  : {line}")
        for name, entry in profile.items():
            if name.startswith("cli_"):
                seconds = entry.get("seconds")
                print(f"  {name}: rc={entry['rc']} process {entry['process_s']:.2f} s run {seconds}")
                for line in entry.get("top", [])[:16] if "kmeans" in name else []:
                    print(f"  : {line}")
    for knn in report.get("knn", []):
        print(f"  knn {knn}")
    for row in report.get("end_to_end", []):
        print(f"  e2e {row}")
    if "transfers" in report:
        print(f"  W2 numpy in/out pieces: {report['transfers']}")
    for row in report.get("cli", []):
        print(f"  cli {row}")
    for line in report.get("profile", []):
        print(f"  | {line}")
    if "hundred_million" in report:
        print(f"  100M x 16: {report['hundred_million']}")
    if training:
        print(f"  training: {training}")
    for row in report.get("family", []):
        print(f"  family {row}")
    if "nominal" in report:
        print(f"  SMOTENC/SMOTEN: {report['nominal']['timings']}")
    print(f"  section seconds: { {k: round(v, 1) for k, v in report['section_seconds'].items()} }")
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
