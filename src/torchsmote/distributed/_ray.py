"""Ray, imported lazily in one place, and the small helpers every step shares."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from torchsmote.io._deps import MissingDependencyError

#: Environment variable of the fault-injection test hook (see :func:`maybe_fail_for_test`).
FAULT_FILE_ENV = "TORCHSMOTE_TEST_KILL_ONCE_FILE"


def import_ray() -> ModuleType:
    """``ray`` with ``ray.data`` loaded; a missing install names the extra that fixes it."""
    try:
        ray = importlib.import_module("ray")
        importlib.import_module("ray.data")
    except ImportError as exc:
        raise MissingDependencyError(
            "torchsmote.distributed needs Ray Data, which is not installed: pip install 'torchsmote[ray]'"
        ) from exc
    return ray


def require_ray() -> ModuleType:
    """``ray``, connected (``ray.init()``, as Ray's own calls do, when nothing is yet)."""
    ray = import_ray()
    if not ray.is_initialized():
        ray.init()
    return ray


@contextlib.contextmanager
def dataset_order(ds) -> Iterator[None]:
    """Run ``ds``'s executions in block order (``preserve_order``), then restore the setting.

    The gathered class rows must come in the dataset's order: a class's rows
    are its k-NN pool, and the counter RNG picks base rows by their position in
    it. Ray Data shares one ``DataContext`` between a dataset and the datasets
    derived from it, so the flag is set on ``ds.context`` for the call only.
    """
    options = ds.context.execution_options
    previous = options.preserve_order
    options.preserve_order = True
    try:
        yield
    finally:
        options.preserve_order = previous


def unwrap_task_error(ray: ModuleType, error: BaseException) -> BaseException:
    """The user-facing exception inside a Ray task error (a ValueError stays a ValueError)."""
    cause = getattr(error, "cause", None)
    if isinstance(error, ray.exceptions.RayTaskError) and isinstance(
        cause, ValueError | TypeError | ImportError
    ):
        return cause
    return error


def maybe_fail_for_test() -> None:
    """Kill this worker process once, when a test has armed the hook.

    Tests of fault tolerance set ``TORCHSMOTE_TEST_KILL_ONCE_FILE`` in the
    workers' environment and create that file to arm the hook; the first task to
    rename it away exits its process without returning, as a crashed or
    pre-empted worker would, and Ray retries the task. Does nothing otherwise.
    """
    import os

    path = os.environ.get(FAULT_FILE_ENV)
    if not path:
        return
    try:
        os.rename(path, path + ".fired")  # atomic: exactly one task wins
    except OSError:
        return
    os._exit(1)
