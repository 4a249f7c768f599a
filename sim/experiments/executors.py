"""Where replications run. Every backend is a ``concurrent.futures.Executor``: in this
process (serial), a local process pool (the default), or a Dask distributed cluster,
either started here (``local:N``) or reached at a scheduler's address
(``tcp://HOST:PORT``). The numbers never depend on the backend."""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sim.errors import InputError
from sim.optional import require
from sim.scenario.reader import is_whole

T = TypeVar("T")

# Replications are pure Python: a worker's statistical profiler (sampling every 10 ms)
# and frequent event-loop ticks take the interpreter lock from them.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
}


class SerialExecutor(cf.Executor):
    """Runs each task at once, in this process."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> cf.Future[T]:
        future: cf.Future[T] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # KeyboardInterrupt and the like still propagate
            future.set_exception(error)
        return future


@dataclass(frozen=True, slots=True)
class Backend:
    """``kind`` is serial, local or dask; ``address`` is a scheduler's, or ``local:N``."""

    kind: str
    workers: int
    address: str | None = None

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "address": self.address}


def choose_backend(jobs: int | None, cluster: str | None) -> Backend:
    """The backend for ``--jobs`` and ``--cluster``: a cluster if one is named, else
    local processes (all cores by default), or serial for one job."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InputError("--jobs", str(jobs), "expected a whole number >= 1")
    if cluster is not None:
        if cluster.startswith("local:"):
            count = cluster.removeprefix("local:")
            if not is_whole(count) or int(count) < 1:
                raise InputError("--cluster", cluster, "expected local:N with N workers, N >= 1")
            return Backend("dask", int(count), cluster)
        if cluster.startswith("tcp://"):
            return Backend("dask", 0, cluster)
        raise InputError(
            "--cluster", cluster, "expected tcp://HOST:PORT of a Dask scheduler, or local:N"
        )
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    return Backend("serial", 1) if workers == 1 else Backend("local", workers)


@contextmanager
def open_executor(backend: Backend) -> Iterator[tuple[cf.Executor, int]]:
    """The executor for ``backend`` and how many workers it has; shut down on exit,
    without waiting for work that is cancelled (an interrupted run)."""
    if backend.kind == "serial":
        yield SerialExecutor(), 1
    elif backend.kind == "local":
        pool = cf.ProcessPoolExecutor(
            max_workers=backend.workers, initializer=die_with_parent, initargs=(os.getpid(),)
        )
        try:
            yield pool, backend.workers
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        with _dask(backend) as opened:
            yield opened


PR_SET_PDEATHSIG = 1  # prctl(2)
ORPHAN_CHECK_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """Make a pool worker end when the process that started it dies, even by SIGKILL
    (which runs no clean-up): Linux signals it at once; elsewhere, and as a second
    guard, a thread notices within a second that it was re-parented."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


@contextmanager
def _dask(backend: Backend) -> Iterator[tuple[cf.Executor, int]]:
    address = backend.address or ""
    dask = require("dask", "--cluster", address, "a cluster")
    distributed = require("distributed", "--cluster", address, "a cluster")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    cluster = None
    try:
        if backend.workers:
            with dask.config.set(QUIET_WORKERS):
                cluster = LocalCluster(
                    n_workers=backend.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            client = Client(cluster)
        else:
            try:
                client = Client(address, timeout="10s")
            except OSError as error:
                raise InputError(
                    "--cluster", address, f"no Dask scheduler answered ({error})"
                ) from None
        try:
            workers = sum(client.nthreads().values()) or 1
            executor = client.get_executor(pure=False)
            yield executor, workers
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
