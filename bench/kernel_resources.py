"""Compile the Triton generation kernels for a GPU offline and report their resources.

No GPU needed: Triton's own compiler, ptxas and cuobjdump (shipped in the triton
wheel) build the sm_90 (H100/H200) binary that a launch of
:func:`torchsmote.kernels.interpolate_triton.smote_rows_triton` would build, with
the same arguments, specialisation and launch rule (:func:`launch_plan`), and this
script reads off what decides a bandwidth-bound kernel's speed before it runs:

* registers per thread and stack bytes (stack > 0 means spills to local memory:
  the tile kernel at d = 33 used 255 registers + 80 bytes and ran at 19% of copy
  bandwidth on an H200);
* how wide its global loads and stores are (``LDG.E.128`` = 16-byte vectors);
* SASS instructions per output element (static: every branch of the binary
  counted, e.g. both the flat kernel's unmasked and masked bodies).

Usage::

    python bench/kernel_resources.py                 # default layouts, a range of d
    python bench/kernel_resources.py --both --d 16 33 --dtype float32 bfloat16

It must run without ``TRITON_INTERPRET`` (the interpreter compiles nothing). It
uses Triton's launch-time binder (``create_function_from_signature``, ``_pack_args``),
internals checked against Triton 3.9 (the version ``constraints.txt`` pins).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import torch

#: Rows of the output the resource figures are for (a count, not allocated: the
#: output is a strided view of a small buffer with the same strides and alignment).
ROWS = 10_000_000


@dataclasses.dataclass
class Resources:
    layout: str
    d: int
    dtype: str
    registers: int
    stack_bytes: int
    loads: dict  # SASS load opcode -> count
    stores: dict
    instructions_per_element: float
    constexprs: dict

    @property
    def spills(self) -> bool:
        return self.stack_bytes > 0


def _tools() -> Path:
    import triton

    return Path(triton.__file__).parent / "backends" / "nvidia" / "bin"


def toolchain_available() -> bool:
    """Whether this triton install can build and disassemble CUDA binaries offline."""
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return os.environ.get("TRITON_INTERPRET") != "1" and (_tools() / "cuobjdump").exists()


def compile_launch(
    d: int,
    dtype: torch.dtype,
    layout: str | None = None,
    arch: int = 90,
    *,
    rows: int = ROWS,
    n_base: int = 1000,
    k: int = 5,
    with_base_rows: bool = False,
    table_dtype: torch.dtype = torch.int32,
    cache_policy: str | None = None,
) -> Resources:
    """Build the sm_``arch`` binary of the launch that would write ``rows`` x d rows
    from an ``n_base`` x ``k`` neighbour table (and a base-row map if asked).

    ``table_dtype`` int32 by default: what ``generate_rows`` hands the kernel
    when a call makes at least as many rows as the table has entries;
    ``cache_policy`` a key of ``interpolate_triton.CACHE_POLICIES`` (default: the
    library's)."""
    import triton
    from torchsmote.kernels import _smote_triton_jit
    from torchsmote.kernels.interpolate_triton import DEFAULT_CACHE_POLICY, launch_plan
    from triton.backends.compiler import GPUTarget
    from triton.compiler import make_backend
    from triton.runtime.jit import create_function_from_signature

    pool = torch.zeros(n_base, d, dtype=dtype)
    neighbors = torch.zeros(n_base, k, dtype=table_dtype)
    base_rows = torch.zeros(n_base, dtype=torch.int64) if with_base_rows else None
    # The output is not allocated: only its shape, strides and alignment matter.
    out = torch.empty((rows, d), dtype=dtype, device="meta")
    policy = cache_policy or DEFAULT_CACHE_POLICY
    plan = launch_plan(pool, neighbors, 0x9E3779B97F4A7C15, 0, out, base_rows, layout, cache_policy=policy)
    kernel = getattr(_smote_triton_jit, plan.kernel)
    target = GPUTarget("cuda", arch, 32)
    backend = make_backend(target)
    # What JITFunction.create_binder does, minus asking a driver for the target.
    binder = create_function_from_signature(kernel.signature, kernel.params, backend)
    kwargs = {**plan.constexprs, **plan.options}
    bound, specialization, _ = binder(*plan.args, **kwargs)
    options, signature, constexprs, attrs = kernel._pack_args(backend, kwargs, bound, specialization, None)
    source = triton.compiler.ASTSource(kernel, signature, constexprs, attrs)
    compiled = triton.compile(source, target=target, options=options.__dict__)
    with tempfile.TemporaryDirectory() as tmp:
        cubin = Path(tmp) / "kernel.cubin"
        cubin.write_bytes(compiled.asm["cubin"])
        usage = subprocess.run(
            [_tools() / "cuobjdump", "-res-usage", cubin], capture_output=True, text=True, check=True
        ).stdout
        sass = subprocess.run(
            [_tools() / "cuobjdump", "-sass", cubin], capture_output=True, text=True, check=True
        ).stdout
    registers, stack = map(int, re.search(r"REG:(\d+) STACK:(\d+)", usage).groups())
    opcodes = Counter(re.findall(r"\b((?:LDG|STG)(?:\.[\w]+)*)", sass))
    instructions = len(re.findall(r"/\*[0-9a-f]{4}\*/", sass))
    elements = plan.constexprs.get("BLOCK_E") or plan.constexprs["BLOCK_M"] * min(
        d, plan.constexprs["BLOCK_D"]
    )
    return Resources(
        layout="tile" if plan.kernel == "smote_kernel" else "flat",
        d=d,
        dtype=str(dtype).removeprefix("torch."),
        registers=registers,
        stack_bytes=stack,
        loads={op: n for op, n in opcodes.items() if op.startswith("LDG")},
        stores={op: n for op, n in opcodes.items() if op.startswith("STG")},
        instructions_per_element=instructions / elements,
        constexprs={k: v for k, v in plan.constexprs.items() if k.startswith(("BLOCK", "VEC"))},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--d", type=int, nargs="+", default=[1, 3, 8, 16, 20, 32, 33, 64, 100, 128])
    parser.add_argument("--dtype", nargs="+", default=["float32"])
    parser.add_argument("--both", action="store_true", help="compile both layouts, not only the default")
    parser.add_argument("--arch", type=int, default=90, help="compute capability x 10 (90: H100/H200)")
    parser.add_argument("--json", action="store_true", help="one JSON list on stdout instead of the table")
    args = parser.parse_args(argv)
    if not toolchain_available():
        print("needs triton with its CUDA toolchain, and TRITON_INTERPRET unset", file=sys.stderr)
        return 2
    if not args.json:
        print(
            f"{'layout':<6} {'d':>4} {'dtype':<9} {'regs':>4} {'stack':>5} {'instr/elem':>10}  loads / stores"
        )
    rows = []
    for dtype_name in args.dtype:
        for d in args.d:
            for layout in ("tile", "flat") if args.both else (None,):
                r = compile_launch(d, getattr(torch, dtype_name), layout, args.arch)
                rows.append(dataclasses.asdict(r))
                if args.json:
                    continue
                print(
                    f"{r.layout:<6} {r.d:>4} {r.dtype:<9} {r.registers:>4} {r.stack_bytes:>5} "
                    f"{r.instructions_per_element:>10.3f}  {r.loads} / {r.stores}  {r.constexprs}"
                )
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
