"""knn_backend='faiss' on CUDA, without a GPU: the refusals, and the faiss-gpu path's wiring.

faiss-gpu is not installed anywhere we test (CI has faiss-cpu, the GPU machine no
registry), so ``FakeGpuFaiss`` stands in for faiss's GPU layer: it takes the same
calls as a faiss GPU build (``StandardGpuResources``, ``GpuDistanceParams``,
``bfKnn``, the pointer casts), reads the rows through the raw pointers the code
hands it (CPU tensors here), searches them with faiss-cpu's flat index and
writes the hits back through the output pointers. What it checks is the
wiring: field names (unknown ones are refused, as by SWIG), layout, types, the
shortlist size, the device index and the stream. What it cannot check is
faiss-gpu's own arithmetic or CUDA stream semantics (``test_cuda.py`` does,
where faiss-gpu is installed).
"""

from __future__ import annotations

import ctypes
import functools
import sys
import types

import faiss as real_faiss
import numpy as np
import pytest
import torch
from torchsmote.kernels import knn_faiss
from torchsmote.kernels.knn_faiss import FAISS_GPU_MAX_K, faiss_device_problem, knn_from_shortlist
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import SHORTLIST_MARGIN
from utils import assert_equal_verbose

from torchsmote import SMOTE
from torchsmote.backends import resolve_knn_backend

CUDA0, CUDA1 = torch.device("cuda", 0), torch.device("cuda", 1)


class Pointer:
    """What a faiss ``cast_integer_to_*`` returns: a typed address."""

    def __init__(self, kind: str, address: int):
        self.kind, self.address = kind, address

    def __eq__(self, other):
        return isinstance(other, Pointer) and (self.kind, self.address) == (other.kind, other.address)

    def __repr__(self):
        return f"Pointer({self.kind}, {self.address:#x})"


def _view(pointer, kind: str, ctype, shape) -> np.ndarray:
    """numpy view of the memory behind a pointer (writable)."""
    assert isinstance(pointer, Pointer) and pointer.kind == kind, (
        f"expected a {kind} pointer, got {pointer!r}"
    )
    count = int(np.prod(shape))
    return np.ctypeslib.as_array((ctype * count).from_address(pointer.address)).reshape(shape)


class FakeParams:
    """``GpuDistanceParams`` with faiss's defaults (faiss/gpu/GpuDistance.h), use_cuvs as in a cuVS build."""

    FIELDS = {
        "metric": real_faiss.METRIC_L2,
        "metricArg": 0.0,
        "k": 0,
        "dims": 0,
        "vectors": None,
        "vectorType": "F32",
        "vectorsRowMajor": True,
        "numVectors": 0,
        "vectorNorms": None,
        "queries": None,
        "queryType": "F32",
        "queriesRowMajor": True,
        "numQueries": 0,
        "outDistances": None,
        "ignoreOutDistances": False,
        "outIndicesType": "I64",
        "outIndices": None,
        "device": -1,
        "use_cuvs": True,
    }

    def __init__(self):
        for name, value in self.FIELDS.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        if name not in self.FIELDS:
            raise AttributeError(f"GpuDistanceParams has no field {name!r}")
        object.__setattr__(self, name, value)


class FakeResources:
    """``StandardGpuResources``: a default stream per device, faiss's own until set."""

    def __init__(self, module):
        module.resources_made += 1
        self.streams: dict[int, object] = {}

    def getDefaultStream(self, device):
        return self.streams.get(device, ("faiss's own stream", device))

    def setDefaultStream(self, device, stream):
        self.streams[device] = stream


class FakeGpuFaiss(types.ModuleType):
    """A faiss GPU build's Python surface (its camelCase names), computing with faiss-cpu on host memory."""

    METRIC_L2 = real_faiss.METRIC_L2
    DistanceDataType_F32 = "F32"
    IndicesDataType_I64 = "I64"
    __version__ = "fake-gpu"

    def __init__(self, n_gpus: int = 2):
        super().__init__("faiss")
        self.n_gpus = n_gpus
        self.resources_made = 0
        self.calls: list[dict] = []

    def get_num_gpus(self):
        return self.n_gpus

    def StandardGpuResources(self):
        return FakeResources(self)

    def GpuDistanceParams(self):
        return FakeParams()

    def cast_integer_to_float_ptr(self, address):
        return Pointer("float*", address)

    def cast_integer_to_idx_t_ptr(self, address):
        return Pointer("idx_t*", address)

    def cast_integer_to_cudastream_t(self, address):
        return Pointer("cudaStream_t", address)

    def bfKnn(self, res, args):
        assert isinstance(res, FakeResources)
        assert args.metric == real_faiss.METRIC_L2 and args.vectorNorms is None
        assert args.vectorType == args.queryType == "F32" and args.outIndicesType == "I64"
        assert args.vectorsRowMajor and args.queriesRowMajor
        assert 0 <= args.device < self.n_gpus and not args.use_cuvs
        assert 0 < args.k <= FAISS_GPU_MAX_K and args.k <= args.numVectors
        vectors = _view(args.vectors, "float*", ctypes.c_float, (args.numVectors, args.dims)).copy()
        queries = _view(args.queries, "float*", ctypes.c_float, (args.numQueries, args.dims)).copy()
        index = real_faiss.IndexFlatL2(args.dims)
        index.add(vectors)
        dist, found = index.search(queries, args.k)
        _view(args.outDistances, "float*", ctypes.c_float, (args.numQueries, args.k))[:] = dist
        _view(args.outIndices, "idx_t*", ctypes.c_int64, (args.numQueries, args.k))[:] = found
        self.calls.append(
            {"device": args.device, "k": args.k, "n": args.numVectors, "stream": res.streams.get(args.device)}
        )


class CpuOnlyFaiss(types.ModuleType):
    """faiss-cpu's GPU surface: get_num_gpus (0) and no GPU classes."""

    __version__ = "fake-cpu"

    def __init__(self):
        super().__init__("faiss")

    def get_num_gpus(self):
        return 0


@pytest.fixture
def fresh_resources(monkeypatch):
    monkeypatch.setattr(knn_faiss, "_GPU_RESOURCES", {})


def faiss_gpu_knn(x: torch.Tensor, k: int, fake: FakeGpuFaiss, device: int = 1, stream: int = 0xC0FFEE):
    """knn_self_faiss's CUDA branch, run on a CPU tensor through the stand-in."""
    shortlist = functools.partial(knn_faiss._gpu_shortlist, faiss=fake, device=device, stream=stream)
    return knn_from_shortlist(x, k, shortlist)


def _cases():
    rng = np.random.default_rng(7)
    grid = rng.integers(0, 3, size=(200, 2)).astype(np.float64)  # 9 points, ~22 copies each
    copies = rng.standard_normal((50, 4))
    copies[10:22] = copies[0]  # 13 copies of row 0: more ties than the shortlist margin
    cases = {"all-equal-7x1-k1": (np.zeros((7, 1)), 1), "grid-200x2-k5": (grid, 5), "copies-k3": (copies, 3)}
    for n, d, k in [(2, 1, 1), (3, 1, 2), (7, 33, 6), (100, 1, 5), (100, 33, 5), (60, 2, 59), (300, 16, 1)]:
        cases[f"normal-{n}x{d}-k{k}"] = (rng.standard_normal((n, d)), k)
    cases["offset-1e8-k5"] = (rng.standard_normal((80, 3)) + 1e8, 5)
    # Without the work copy's power-of-two rescaling, squared norms overflow (1e19) or
    # underflow (1e-30) in float32; the integer grid, scaled, checks the tie bound's units.
    for magnitude in (1e-30, 1e19):
        cases[f"normal-x{magnitude:g}-k5"] = (rng.standard_normal((120, 3)) * magnitude, 5)
        cases[f"grid-x{magnitude:g}-k5"] = (grid * magnitude, 5)
    return cases


CASES = _cases()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize("case", list(CASES))
def test_gpu_path_wiring_equals_reference(case, dtype, fresh_resources):
    values, k = CASES[case]
    x = torch.from_numpy(values).to(dtype)
    before = x.clone()
    fake = FakeGpuFaiss()
    got = faiss_gpu_knn(x, k, fake)
    n = x.shape[0]
    assert torch.equal(x, before), "input modified"
    assert got.dtype == torch.int64 and got.shape == (n, k) and got.device == x.device
    expected = knn_self_numpy(x.double().numpy(), k)
    assert_equal_verbose(got, expected, what=f"faiss-gpu wiring {case} {dtype}")
    # One search, on the given device, of k + margin + 1 hits (self included), on the given stream.
    assert [(c["device"], c["k"], c["n"]) for c in fake.calls] == [(1, min(n, k + SHORTLIST_MARGIN + 1), n)]
    assert fake.calls[0]["stream"] == Pointer("cudaStream_t", 0xC0FFEE)


def test_gpu_path_restores_the_stream_and_caches_resources_per_device(fresh_resources):
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(0))
    fake = FakeGpuFaiss()
    for device, stream in [(1, 11), (1, 12), (0, 13)]:
        faiss_gpu_knn(x, 4, fake, device=device, stream=stream)
    assert fake.resources_made == 2 and set(knn_faiss._GPU_RESOURCES) == {0, 1}
    assert [(c["device"], c["stream"].address) for c in fake.calls] == [(1, 11), (1, 12), (0, 13)]
    for device, res in knn_faiss._GPU_RESOURCES.items():
        assert res.streams[device] == ("faiss's own stream", device), "torch's stream left set on faiss"


def test_gpu_path_restores_the_stream_when_faiss_fails(fresh_resources):
    fake = FakeGpuFaiss()

    def fail(res, args):
        raise RuntimeError("Error in bfKnn")

    fake.bfKnn = fail
    with pytest.raises(RuntimeError, match="bfKnn"):
        faiss_gpu_knn(torch.randn(10, 2), 3, fake, device=0, stream=5)
    assert knn_faiss._GPU_RESOURCES[0].streams[0] == ("faiss's own stream", 0)


def test_gpu_shortlist_over_faiss_selection_limit_is_refused_before_faiss(fresh_resources):
    """faiss-gpu aborts the process (FAISS_ASSERT) past its selection limit: refuse first."""
    fake = FakeGpuFaiss()
    xf = torch.zeros((3, 2))
    with pytest.raises(ValueError, match=f"selection limit of {FAISS_GPU_MAX_K}.*knn_backend='torch'"):
        knn_faiss._gpu_shortlist(xf, FAISS_GPU_MAX_K + 1, faiss=fake, device=0, stream=0)
    assert fake.calls == [] and fake.resources_made == 0
    # k = 2043 needs exactly 2048 hits: allowed.
    x = torch.randn(FAISS_GPU_MAX_K + 10, 1, generator=torch.Generator().manual_seed(1))
    got = faiss_gpu_knn(x, FAISS_GPU_MAX_K - SHORTLIST_MARGIN - 1, fake)
    assert fake.calls[-1]["k"] == FAISS_GPU_MAX_K and got.shape[1] == FAISS_GPU_MAX_K - SHORTLIST_MARGIN - 1


def test_faiss_device_problem():
    assert faiss_device_problem(torch.device("cpu")) is None  # no faiss import needed
    message = faiss_device_problem(CUDA0, CpuOnlyFaiss())
    assert "needs faiss with GPU support (faiss-gpu)" in message and "CPU-only" in message
    assert "knn_backend='torch' or 'auto'" in message and "pip install faiss-gpu" in message
    metal = CpuOnlyFaiss()
    metal.get_num_gpus = lambda: 1
    metal.StandardGpuResources = object  # Apple's Metal builds: resources, but no bfKnn
    assert "CPU-only" in faiss_device_problem(CUDA0, metal)
    assert faiss_device_problem(CUDA1, FakeGpuFaiss(n_gpus=2)) is None
    assert "sees 1 GPU(s)" in faiss_device_problem(CUDA1, FakeGpuFaiss(n_gpus=1))
    assert "sees 0 GPU(s)" in faiss_device_problem(CUDA0, FakeGpuFaiss(n_gpus=0))
    assert "CPU tensors, or CUDA tensors" in faiss_device_problem(torch.device("meta"), FakeGpuFaiss())


def test_the_installed_faiss_is_judged_by_what_it_has():
    """faiss-cpu (CI's) is CPU-only; a GPU build would pass wherever it sees the device."""
    has_gpu_layer = all(hasattr(real_faiss, name) for name in knn_faiss._GPU_NAMES)
    problem = faiss_device_problem(CUDA0, real_faiss)
    if not has_gpu_layer:
        assert "CPU-only" in problem
    else:
        assert (problem is None) == (real_faiss.get_num_gpus() > 0)


def test_resolve_knn_backend_faiss_on_cuda(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", CpuOnlyFaiss())
    with pytest.raises(ValueError, match=r"needs faiss with GPU support \(faiss-gpu\); the installed faiss"):
        resolve_knn_backend("faiss", CUDA0)
    assert resolve_knn_backend("faiss", torch.device("cpu")) == "faiss"
    assert resolve_knn_backend("auto", CUDA0) == "torch"  # 'auto' never picks faiss
    monkeypatch.setitem(sys.modules, "faiss", FakeGpuFaiss(n_gpus=1))
    assert resolve_knn_backend("faiss", CUDA0) == "faiss"
    with pytest.raises(ValueError, match="sees 1 GPU"):
        resolve_knn_backend("faiss", CUDA1)


def test_estimator_refuses_faiss_on_cuda_up_front(monkeypatch):
    """With faiss-cpu, SMOTE(device='cuda', knn_backend='faiss') fails at fit, before any k-NN."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setitem(sys.modules, "faiss", CpuOnlyFaiss())

    def no_knn(*args, **kwargs):
        raise AssertionError("the k-NN ran before the refusal")

    import torchsmote.over_sampling.smote as smote_module

    monkeypatch.setattr(smote_module, "class_neighbors", no_knn)
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.repeat([0, 1], [45, 15])
    sampler = SMOTE(random_state=0, device="cuda", knn_backend="faiss", kernel_backend="torch")
    with pytest.raises(ValueError, match=r"faiss-gpu.*CPU-only.*knn_backend='torch' or 'auto'"):
        sampler.fit_resample(X, y)
