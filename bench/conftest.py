"""Benchmark harness: versions in the JSON, ratios against imbalanced-learn in the summary."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

#: workload -> {library: {"peak_extra_bytes", "first_call_peak_extra_bytes", "output_bytes"}} (peak_memory.py)
PEAK_MEMORY: dict = {}


def pytest_benchmark_update_machine_info(config, machine_info):
    import numpy
    import torch

    machine_info["torch"] = torch.__version__
    machine_info["numpy"] = numpy.__version__
    machine_info["torch_threads"] = torch.get_num_threads()
    machine_info["cuda"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    for name in ("faiss", "triton", "imblearn", "sklearn", "ray"):
        try:
            module = __import__(name)
            machine_info[name] = getattr(module, "__version__", "?")
        except ImportError:
            machine_info[name] = None
    machine_info["platform"] = platform.platform()


def _ratios(benchmarks) -> list[dict]:
    by_group: dict = {}
    for bench in benchmarks:
        library = bench.extra_info.get("library")
        if library:
            by_group.setdefault(bench.group, {})[library] = bench.stats.median
    rows = []
    for group, times in sorted(by_group.items()):
        for library, seconds in sorted(times.items()):
            if library != "imblearn" and "imblearn" in times:
                rows.append(
                    {
                        "group": group,
                        "library": library,
                        "median_s": seconds,
                        "imblearn_median_s": times["imblearn"],
                        "speedup_vs_imblearn": times["imblearn"] / seconds,
                    }
                )
    return rows


def _overheads(benchmarks) -> list[dict]:
    """Each ``torchsmote[ray]`` run against ``torchsmote`` in one process (time ratio, > 1 is slower)."""
    by_group: dict = {}
    for bench in benchmarks:
        library = bench.extra_info.get("library")
        if library:
            by_group.setdefault(bench.group, {})[library] = bench.stats.median
    return [
        {
            "group": group,
            "library": "torchsmote[ray]",
            "median_s": times["torchsmote[ray]"],
            "single_median_s": times["torchsmote"],
            "overhead": times["torchsmote[ray]"] / times["torchsmote"],
        }
        for group, times in sorted(by_group.items())
        if "torchsmote[ray]" in times and "torchsmote" in times
    ]


def pytest_benchmark_update_json(config, benchmarks, output_json):
    output_json["ratios"] = _ratios(benchmarks)
    output_json["scale_out_overheads"] = _overheads(benchmarks)
    output_json["peak_memory"] = PEAK_MEMORY


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    write = terminalreporter.write_line
    write("")
    write("speed-up against imbalanced-learn (medians, same run, same machine):")
    for row in _ratios(session.benchmarks):
        write(
            f"  {row['group']:<28} {row['library']:<24} {row['median_s']:8.3f} s  "
            f"imblearn {row['imblearn_median_s']:8.3f} s  ratio {row['speedup_vs_imblearn']:6.2f}x"
        )
    for row in _overheads(session.benchmarks):
        write(
            f"  {row['group']:<28} {row['library']:<24} {row['median_s']:8.3f} s  "
            f"one process {row['single_median_s']:8.3f} s  overhead {row['overhead']:6.2f}x"
        )
    for name, entry in sorted(PEAK_MEMORY.items()):
        for library, stats in sorted(entry.items()):
            ratio = stats["peak_extra_bytes"] / stats["output_bytes"]
            first = stats.get("first_call_peak_extra_bytes", stats["peak_extra_bytes"])
            write(
                f"  peak memory {name} {library:<11} {stats['peak_extra_bytes'] / 2**20:8.1f} MiB "
                f"= {ratio:.2f}x the output array (first call in the process: {first / 2**20:.1f} MiB "
                f"= {first / stats['output_bytes']:.2f}x)"
            )
