"""Test configuration: devices, dtypes and the Triton interpreter.

Without a GPU, Triton kernels run on CPU tensors through its interpreter; the
variable must be set before triton compiles anything, hence here and not in a test.
"""

import os

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

import pytest

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def triton_available() -> bool:
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


requires_triton = pytest.mark.skipif(not triton_available(), reason="triton is not installed")
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)
