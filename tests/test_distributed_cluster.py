"""``torchsmote.distributed.resample`` across two Ray nodes (two raylets on this machine).

Blocks, class rows, graphs and synthetic slices then live in two object stores
and cross between them, as on a real cluster; the rows must still equal one
machine's ``fit_resample``.
"""

from __future__ import annotations

import logging

import pytest

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

from test_distributed import as_dataset, assert_same_rows, make_frame, single_machine  # noqa: E402

from torchsmote import SMOTE  # noqa: E402
from torchsmote.distributed import resample_with_report  # noqa: E402


@pytest.fixture(scope="module")
def two_nodes():
    if ray.is_initialized():
        ray.shutdown()
    cluster = cluster_utils.Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    cluster.wait_for_nodes()
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_rows_equal_single_machine_on_two_nodes(two_nodes):
    frame = make_frame((900, 120, 40), d=5, seed=21)
    out, report = resample_with_report(
        as_dataset(frame, 6), label="y", sampler=SMOTE(random_state=8, k_neighbors=3), num_slices=7
    )
    assert report.cluster["nodes"] == 2
    assert report.n_slices >= 7
    assert_same_rows(out, single_machine(frame, SMOTE(random_state=8, k_neighbors=3)))
