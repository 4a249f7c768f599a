"""Where replications run. Every backend is a ``concurrent.futures.Executor``: in this
process (serial), a local process pool (the default), or a Dask distributed cluster,
either started here (``local:N``) or reached at a scheduler's address
(``tcp://HOST:PORT``). The numbers never depend on the backend."""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import resource_tracker
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


CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler and hear it answer
SILENT_MARGIN = 1.0  # seconds past that before a silent port is named as such


@dataclass(frozen=True, slots=True)
class Backend:
    """``kind`` is serial, local or dask; ``address`` is a scheduler's, or ``local:N``;
    ``timeout`` bounds the connection to a scheduler and its first answer."""

    kind: str
    workers: int
    address: str | None = None
    timeout: float = CONNECT_TIMEOUT

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "address": self.address}


def choose_backend(
    jobs: int | None, cluster: str | None, timeout: float = CONNECT_TIMEOUT
) -> Backend:
    """The backend for ``--jobs`` and ``--cluster``: a cluster if one is named, else
    local processes (all cores by default), or serial for one job."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InputError("--jobs", str(jobs), "expected a whole number >= 1")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 3600:
        raise InputError("--connect-timeout", str(timeout), "expected seconds, from 0 to 3600")
    if cluster is not None:
        if cluster.startswith("local:"):
            count = cluster.removeprefix("local:")
            if not is_whole(count) or int(count) < 1:
                raise InputError("--cluster", cluster, "expected local:N with N workers, N >= 1")
            return Backend("dask", int(count), cluster)
        if cluster.startswith("tcp://"):
            host, _, port = cluster.removeprefix("tcp://").rpartition(":")
            if not host or not is_whole(port) or not 1 <= int(port) <= 65535:
                raise InputError(
                    "--cluster", cluster, "expected tcp://HOST:PORT, with a port from 1 to 65535"
                )
            return Backend("dask", 0, cluster, float(timeout))
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
    guard, a thread notices within a second that it was re-parented. Ctrl-C is left to
    the parent, which stops the run and the pool: a worker waiting for its next task
    would otherwise print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
            with dask.config.set(QUIET_WORKERS), deaf_to_interrupts():
                cluster = LocalCluster(
                    n_workers=backend.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            client = Client(cluster)
            client.run(quiet_cancellations)
        else:
            reach(address, backend.timeout)
            try:
                client = Client(address, timeout=backend.timeout)
            except OSError as error:
                raise InputError(
                    "--cluster", address, f"no Dask scheduler answered ({error})"
                ) from None
        try:
            workers = sum(client.nthreads().values()) or 1
            executor = client.get_executor(pure=False)
            yield executor, workers
        finally:
            with quiet_logs("distributed"):
                client.close()
    finally:
        if cluster is not None:
            with quiet_logs("distributed"):
                cluster.close()


# a worker of a local cluster logs a warning for each task cancelled by an interrupt
CANCELLATION_LOG = "distributed.worker.state_machine"


def quiet_cancellations() -> None:
    """Run on each worker of a local cluster: tasks cancelled when a run is
    interrupted are expected, and not worth a line each."""
    logging.getLogger(CANCELLATION_LOG).setLevel(logging.ERROR)


@contextmanager
def quiet_logs(name: str) -> Iterator[None]:
    """Only errors from logger ``name`` while a cluster closes (a scheduler started
    here warns of the work it loses when an interrupted run closes it)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def deaf_to_interrupts() -> Iterator[None]:
    """Block Ctrl-C while a local cluster starts: the threads and worker processes
    started meanwhile keep it blocked (a mask is inherited), so an interrupt reaches
    this process alone, which stops the run and closes the cluster in order, instead
    of every worker printing its own traceback. An interrupt that comes meanwhile is
    delivered when this ends."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    # multiprocessing's resource tracker, started on first use, unblocks Ctrl-C in
    # the thread that starts it: start it now, while nothing is blocked
    resource_tracker.ensure_running()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def reach(address: str, timeout: float) -> None:
    """Check, within ``timeout`` seconds, that a Dask scheduler answers at ``address``:
    a port that accepts and stays silent, or a service that is not Dask, is refused in
    one line rather than waited on or misread. The check runs on a thread of its own,
    so it works where an event loop is already running (a notebook)."""
    import asyncio

    distributed = require("distributed", "--cluster", address, "a cluster")

    async def identity() -> Any:
        # Dask's connect gives up on a closed port by itself after ``timeout``, but
        # waits forever on a port that accepts and stays silent: the second's later
        # deadline tells the two apart
        connecting = distributed.comm.connect(address, timeout=timeout)
        comm = await asyncio.wait_for(connecting, timeout + SILENT_MARGIN)
        try:
            return await asyncio.wait_for(distributed.core.send_recv(comm, op="identity"), timeout)
        finally:
            comm.abort()

    with cf.ThreadPoolExecutor(1) as thread:
        try:
            reply = thread.submit(asyncio.run, identity()).result()
        except TimeoutError:
            raise InputError(
                "--cluster",
                address,
                f"accepted the connection but did not answer within {timeout:g} s "
                "(is it a Dask scheduler? --connect-timeout waits longer)",
            ) from None
        except OSError as error:
            raise InputError(
                "--cluster", address, f"no Dask scheduler answered ({error})"
            ) from None
        except Exception:
            reply = None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise InputError("--cluster", address, "answered, but not as a Dask scheduler")
