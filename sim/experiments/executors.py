"""Where tasks run: in this process, in its threads, in local worker processes, or on
a Dask cluster.

Every executor is a generator of ``(index, result)`` pairs in the order the
tasks finish; the caller writes each result as it comes, so what finished
before an interruption is kept. The results never depend on the executor:
a task's random streams are keyed by its point and replication only.

``dask.distributed`` is imported here only, and only when a scheduler is used.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from concurrent.futures import (FIRST_COMPLETED, ProcessPoolExecutor,
                                ThreadPoolExecutor, wait)
from typing import Any

from sim.errors import ExperimentError

__all__ = ["execute", "scheduler_address", "check_workers", "check_scheduler",
           "SCHEDULER_ENV"]

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT = "10s"
WINDOW = 4            # tasks submitted ahead per worker (local pool or Dask cluster)
PROBE_TIMEOUT = 10.0     # seconds to open a TCP connection to the scheduler
INTERRUPT_POLL = 0.2     # seconds between looks at the Ctrl-C flag while tasks run
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_ADDRESS = re.compile(r"^(?:(?P<scheme>[A-Za-z0-9+.-]+)://)?(?P<host>\[[^\]]*\]|[^:/\s]+)"
                      r":(?P<port>[0-9]+)/?$")


def scheduler_address(scheduler: Any = None) -> Any:
    """The scheduler to use: the argument, else ``$DASK_SCHEDULER_ADDRESS``, else None."""
    if scheduler is not None and scheduler != "":
        return scheduler
    return os.environ.get(SCHEDULER_ENV) or None


def execute(fn: Callable, calls: Iterable[tuple], *, workers: int | None = None,
            scheduler: Any = None, threads: bool = False) -> Iterator[tuple[int, Any]]:
    """Run ``fn(*calls[i])`` for every ``i``; yield ``(i, result)`` as each finishes.

    Parameters
    ----------
    fn : callable
        A module-level function (it is pickled by reference).
    calls : iterable of tuple
        The arguments of each task; ``i`` counts them in order. An iterator is
        consumed lazily: at most :data:`WINDOW` tasks per worker are submitted
        ahead of the results, so a stream of a million tasks needs the memory
        of a few.
    workers : int, optional
        Local worker processes (default ``os.cpu_count()``); 1 runs the tasks in
        this process. Ignored when a scheduler is used.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://127.0.0.1:8786``) or a connected client;
        default ``$DASK_SCHEDULER_ADDRESS``.
    threads : bool
        Run the ``workers`` tasks at a time in threads of this process instead of
        worker processes. Only for tasks that spend their time outside the GIL (the
        compiled kernel's event loop releases it): threads start at once and share
        the kernel this process has loaded, where each worker process would load
        numba and the kernel again (about a second of CPU, benchmarks/startup.py).

    Notes
    -----
    Close the generator (``contextlib.closing``) if you stop early: that cancels
    the tasks not yet started and releases the workers.
    """
    address = scheduler_address(scheduler)
    if isinstance(calls, Sized) and len(calls) == 0:
        return _serial(fn, ())
    if address is not None:
        return _dask(fn, calls, address)
    n = check_workers(workers)
    if isinstance(calls, Sized):
        n = min(n, len(calls))
    if n == 1:
        return _serial(fn, calls)
    return _threaded(fn, calls, n) if threads else _local(fn, calls, n)


def check_scheduler(address: Any) -> Any:
    """``address`` when it reads ``[scheme://]host:port`` (a client object passes as
    is); otherwise an ExperimentError saying what an address looks like.

    Checked before dask is imported, so a typo costs no connection attempt and no
    traceback from a half-built client.
    """
    if address is None or hasattr(address, "submit"):
        return address
    text = str(address).strip()
    match = _ADDRESS.match(text)
    example = "e.g. tcp://127.0.0.1:8786"
    if match is None:
        raise ExperimentError(f"--scheduler {text!r} is not a scheduler address: give "
                              f"[scheme://]host:port, {example}")
    scheme = (match["scheme"] or "tcp").lower()
    if scheme not in SCHEMES:
        raise ExperimentError(f"--scheduler {text!r}: unknown scheme {scheme!r}; one of "
                              f"{', '.join(SCHEMES)} ({example})")
    if not 0 < int(match["port"]) < 65536:
        raise ExperimentError(f"--scheduler {text!r}: the port must be from 1 to 65535 "
                              f"({example})")
    return text


def _probe(address: str) -> None:
    """Open and close a TCP connection to a ``tcp://`` scheduler, so an unreachable
    one is reported before a Dask client is built (a client that fails to connect
    spends tens of seconds closing itself)."""
    match = _ADDRESS.match(address)
    if (match["scheme"] or "tcp").lower() != "tcp":
        return
    host = match["host"].strip("[]")
    try:
        socket.create_connection((host, int(match["port"])), timeout=PROBE_TIMEOUT).close()
    except OSError as exc:
        raise ExperimentError(f"cannot connect to the Dask scheduler at {address!r}: "
                              f"{exc.strerror or exc}") from None


def tasks_per_worker(tasks: int, workers: int | None) -> int:
    """The tasks each worker process is expected to run: ``tasks`` shared by the local
    workers (the CPU count when None; a Dask cluster is counted as this machine's
    CPUs), at least one. ``auto`` weighs them together: a worker loads the compiled
    kernel once for all of them."""
    return max(1, -(-tasks // check_workers(workers)))


def check_workers(workers: int | None) -> int:
    """The number of local workers: ``workers``, or the CPU count when None."""
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ExperimentError(f"workers must be a positive integer (got {workers!r})")
    return workers


def _serial(fn: Callable, calls: Iterable[tuple]) -> Iterator[tuple[int, Any]]:
    for i, args in enumerate(calls):
        yield i, fn(*args)


def _context():
    """forkserver where available: workers fork from a clean, thread-free process
    that has the engine imported already.

    forkserver and spawn children re-run the parent's ``__main__`` from its file;
    a script read from stdin has no such file, so it gets plain fork.
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is not None and not os.path.exists(main_file) and "fork" in methods:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.experiments.tasks", "sim.engine.run"])
    return ctx


def _local(fn: Callable, calls: Iterable[tuple], workers: int) -> Iterator[tuple[int, Any]]:
    """On Ctrl-C: start nothing new, let the running tasks finish and yield them too.

    Ctrl-C only sets a flag while the pool runs (:func:`_interrupt_flag`), read
    between waits: a KeyboardInterrupt raised inside ``concurrent.futures.wait``
    or ``submit`` can leave a future's lock taken, and the pool's shutdown then
    waits for ever (a sweep interrupted at the moment a task finished hung;
    tests/experiments/test_interrupt.py).
    """
    from sim.experiments.tasks import init_worker

    yield from _pooled(lambda: ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                                   initializer=init_worker),
                       fn, calls, workers)


def _threaded(fn: Callable, calls: Iterable[tuple], workers: int) -> Iterator[tuple[int, Any]]:
    """As :func:`_local`, in ``workers`` threads of this process."""
    yield from _pooled(lambda: ThreadPoolExecutor(max_workers=workers,
                                                  thread_name_prefix="asyncsim-task"),
                       fn, calls, workers)


def _pooled(make_pool: Callable, fn: Callable, calls: Iterable[tuple], workers: int
            ) -> Iterator[tuple[int, Any]]:
    """Feed the pool ``make_pool()`` at most :data:`WINDOW` tasks per worker ahead;
    yield results as they finish; shut the pool down however the caller stops. The
    pool is made at the first result asked for, so a generator closed unstarted
    leaves nothing running."""
    pool = make_pool()
    with _interrupt_flag() as stop:
        try:
            feed = enumerate(calls)
            index: dict = {}
            pending: set = set()
            while True:
                if not stop.is_set():
                    _submit(pool.submit, fn, feed, index, pending, WINDOW * workers)
                if not pending:
                    break
                done, pending = wait(pending, timeout=INTERRUPT_POLL,
                                     return_when=FIRST_COMPLETED)
                if stop.is_set():
                    pool.shutdown(wait=True, cancel_futures=True)
                    yield from _harvest(done | pending, index)
                    raise KeyboardInterrupt
                yield from _harvest(done, index)
                for future in done:
                    index.pop(future, None)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _interrupt_flag() -> Iterator[threading.Event]:
    """An event set by Ctrl-C (SIGINT) instead of a KeyboardInterrupt, while the block
    runs in the main thread with Python's default handler in place; elsewhere the
    event is never set and Ctrl-C raises as usual."""
    flag = threading.Event()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _submit(submit: Callable, fn: Callable, feed, index: dict, pending: set,
            window: int) -> None:
    """Submit tasks from ``feed`` until ``window`` are pending or it is exhausted."""
    while len(pending) < window:
        item = next(feed, None)
        if item is None:
            return
        i, args = item
        future = submit(fn, *args)
        index[future] = i
        pending.add(future)


def _harvest(futures, index: dict) -> Iterator[tuple[int, Any]]:
    """(index, result) of the finished futures, in task order; a task's error is raised."""
    for future in sorted(futures, key=index.__getitem__):
        if future.done() and not future.cancelled():
            yield index[future], future.result()


def _client(scheduler: Any):
    """(client, whether we opened it) for an address or an existing client."""
    if hasattr(scheduler, "submit"):
        return scheduler, False
    address = check_scheduler(scheduler)
    _probe(address)
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False), True
    except (OSError, ValueError, TypeError) as exc:
        raise ExperimentError(f"cannot connect to the Dask scheduler at {scheduler!r}: "
                              f"{exc}") from None


def _dask(fn: Callable, calls: Iterable[tuple], scheduler: Any) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed

    client, own = _client(scheduler)
    futures: dict = {}
    try:
        window = WINDOW * max(1, len(client.scheduler_info().get("workers", {})))
        feed = enumerate(calls)
        submit = lambda f, *args: client.submit(f, *args, pure=False)  # noqa: E731
        index: dict = {}
        pending: set = set()
        _submit(submit, fn, feed, index, pending, window)
        futures = {f.key: i for f, i in index.items()}
        stream = as_completed(list(pending), loop=client.loop)
        for future in stream:
            i = futures.pop(future.key)
            pending.discard(future)
            yield i, future.result()
            before = set(index)
            _submit(submit, fn, feed, index, pending, window)
            for new in set(index) - before:
                futures[new.key] = index[new]
                stream.add(new)
            index.pop(future, None)
    finally:
        unfinished = [f for f in pending if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        if own:
            client.close()
