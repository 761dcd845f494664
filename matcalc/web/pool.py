"""A pool of worker processes that run :mod:`matcalc.web.jobs`, each job with a time
limit and every worker with a memory limit.

Why processes: a pathological input (a derivation that would take a minute, or a
gigabyte) must not hold the server. Each worker is a separate Python process started
with ``spawn`` (no state forked from the event loop), with RLIMIT_AS set before it
imports SymPy and OpenBLAS at one thread. Each job runs in a fresh fork of the warmed-up
worker, in that fork's main thread (so the pipeline's own SIGALRM budgets work): no job
sees what an earlier one left behind, and a job that dies (the kernel's OOM killer, a
segfault) takes only its fork (a 502 reply). The server waits for a reply at most
``time_limit`` seconds; past it the worker's process group is killed (SIGKILL: a busy
SymPy cannot refuse), a fresh worker started in its place, and the request answered
504. A worker that dies by itself is replaced the same way. Jobs are names from
``jobs.JOBS`` with JSON-able arguments: no code crosses the pipe.

Requests beyond ``max_pending`` (running plus waiting for a worker) are refused at once
(:class:`Busy`, answered 429), so a flood cannot queue without bound.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .jobs import Reply

#: Seconds a request may compute (the issue's default).
TIME_LIMIT = 10.0
#: Bytes of address space a worker may map (RLIMIT_AS): SymPy, NumPy and a derivation fit
#: in well under this; the hostile corpus holds under the same limit.
MEMORY_LIMIT = 2 ** 30
#: Seconds a new worker may take to import SymPy and report ready.
START_SECONDS = 60.0


class Busy(Exception):
    """More requests than the pool will hold (running + waiting): answer 429."""


class Timeout(Exception):
    """The job ran past its time limit; its worker was killed and replaced: answer 504."""


class Crashed(Exception):
    """The worker died while running the job (and was replaced): answer 502."""


def _answer(jobs: Any, op: str, args: tuple) -> Reply:
    fn = jobs.JOBS.get(op)
    try:
        return fn(*args) if fn is not None else Reply(404, '{"error": "unknown job"}')
    except MemoryError:
        return jobs.error_reply(MemoryError())
    except BaseException as exc:  # noqa: BLE001 - a worker answers, it does not die
        return jobs.error_reply(exc)


def _warm_up() -> None:
    """Import what a derivation uses (every module of the pipeline, NumPy, SymPy's
    simplify) without deriving anything: a job then starts from the state of a fresh
    ``matcalc`` process that has imported its modules, whatever jobs ran before."""
    import importlib
    import pkgutil

    import numpy  # noqa: F401
    import sympy  # noqa: F401
    from sympy.simplify import fu, simplify, trigsimp  # noqa: F401

    import matcalc
    for info in pkgutil.walk_packages(matcalc.__path__, "matcalc."):
        if info.name.startswith(("matcalc.web", "matcalc.cli", "matcalc.__main__",
                                 "matcalc.docs")):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # pragma: no cover - an optional module
            pass
    from . import jobs      # the first use of each kind loads what it loads lazily
    for kind, body in (("derive", {"expr": "ln(sin(x^3)^2)"}),
                       ("graph", {"expr": "3*(a + b*c)", "at": "a=5,b=3,c=2"}),
                       ("jacobian", {"expr": "[x*y, x + y]"}),
                       ("derive", {"expr": "x.T @ A @ x", "wrt": "x", "shape": ["x:n", "A:n,n"]})):
        jobs.run_kind(kind, {**body, "points": 2})
    from sympy.core.cache import clear_cache
    clear_cache()           # ... and SymPy's cache starts empty, as in a fresh process
    # (needed: a cached sub-result can steer simplify to another equally simple form,
    # and the answer would then depend on what ran before)


def _worker_main(conn: Any, memory_limit: int) -> None:
    """The worker process: set the limits, import the pipeline once, then answer jobs
    ``(op, args)`` with ``Reply`` records until the pipe closes.

    Each job runs in a child forked for it (copy-on-write, a few milliseconds): no
    request sees what an earlier one left in SymPy's caches, so every answer is the one
    a fresh process gives, and a job that crashes takes only its child. The worker is a
    process-group leader, so killing the group stops a runaway child too."""
    import resource
    import signal

    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the server's
    if memory_limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    from . import jobs
    _warm_up()
    conn.send("ready")
    while True:
        try:
            op, args = conn.recv()
        except (EOFError, OSError):
            return
        pid = os.fork()
        if pid == 0:                                       # the child: one job
            code = 0
            try:
                reply = _answer(jobs, op, args)
                try:
                    conn.send(reply)
                except MemoryError:
                    conn.send(jobs.error_reply(MemoryError()))
            except BaseException:  # noqa: BLE001 - the parent reports it
                code = 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if status != 0:                                    # died before it answered
            how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                   else f"exit status {os.WEXITSTATUS(status)}")
            conn.send(Reply(502, json.dumps({
                "error": f"error: the process computing this request stopped ({how}); "
                         "the input may need more memory than the server allows",
                "column": None, "caret": [], "exit_status": 2}), exit_status=2))


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, memory_limit: int, hash_seed: str) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        env_before = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                     "PYTHONHASHSEED")}
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # inherited by the child
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ["PYTHONHASHSEED"] = hash_seed
        try:
            self.process = ctx.Process(target=_worker_main, args=(child, memory_limit),
                                       daemon=True, name="matcalc-web-worker")
            self.process.start()
        finally:
            for k, v in env_before.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        self.jobs = 0

    def wait_ready(self, seconds: float = START_SECONDS) -> bool:
        """Block until the worker has imported the pipeline (True) or died (False)."""
        try:
            return self.conn.poll(seconds) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            return False

    def call(self, op: str, args: tuple, seconds: float) -> Reply:
        """Run one job; Timeout past ``seconds`` (the worker is then killed), Crashed when
        the worker dies meanwhile."""
        try:
            self.conn.send((op, args))
            if not self.conn.poll(seconds):
                self.kill()
                raise Timeout(op)
            reply = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            raise Crashed(op) from None
        self.jobs += 1
        return reply

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, 9)        # the worker and its job's child
        except (OSError, TypeError):
            pass
        try:
            self.process.kill()
            self.process.join(5)
        except (OSError, ValueError, AssertionError):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


@dataclass
class Stats:
    """What the pool has done (for /api/health and the load test)."""

    served: int = 0
    timeouts: int = 0
    crashes: int = 0
    refused: int = 0
    replaced: int = 0


class Pool:
    """``size`` workers; ``await pool.run(op, *args)`` -> Reply (or Busy/Timeout/Crashed).

    Each job waits for an idle worker in arrival order, then has ``time_limit`` seconds
    (a job may ask for less, or for more with ``seconds=``: the PDF's pdflatex)."""

    def __init__(self, size: int = 2, time_limit: float = TIME_LIMIT,
                 memory_limit: int = MEMORY_LIMIT, max_pending: int = 64) -> None:
        self.size = max(1, size)
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.max_pending = max(self.size, max_pending)
        self.stats = Stats()
        # one hash seed for every worker of this pool: SymPy's simplify may choose between
        # equally simple forms by set order, so workers with different seeds could answer
        # the same request in two forms. Random per server (PYTHONHASHSEED if set).
        import random
        self.hash_seed = os.environ.get("PYTHONHASHSEED") or str(random.SystemRandom()
                                                                 .randrange(1, 2 ** 32 - 1))
        self._pending = 0
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: list[Worker] = []
        self._threads = ThreadPoolExecutor(max_workers=2 * self.size + 2,
                                           thread_name_prefix="matcalc-web-pool")

    async def start(self) -> None:
        """Start every worker and wait until each has imported the pipeline."""
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = [Worker(self.memory_limit, self.hash_seed) for _ in range(self.size)]
        ready = await asyncio.gather(*(loop.run_in_executor(self._threads, w.wait_ready)
                                       for w in workers))
        for w, ok in zip(workers, ready):
            if not ok:
                raise RuntimeError("a worker process did not start")
            self._all.append(w)
            self._idle.put_nowait(w)

    async def close(self) -> None:
        for w in self._all:
            w.kill()
        self._all.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)

    @property
    def pending(self) -> int:
        return self._pending

    async def _replace(self, dead: Worker) -> None:
        """Start a worker in place of ``dead`` and hand it to the queue when ready."""
        loop = asyncio.get_running_loop()
        dead.kill()
        if dead in self._all:
            self._all.remove(dead)
        self.stats.replaced += 1
        while True:
            fresh = await loop.run_in_executor(self._threads, Worker, self.memory_limit,
                                               self.hash_seed)
            if await loop.run_in_executor(self._threads, fresh.wait_ready):
                break
            fresh.kill()
            await asyncio.sleep(1.0)
        self._all.append(fresh)
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    async def run(self, op: str, *args: Any, seconds: float | None = None) -> Reply:
        """Run job ``op`` on the next idle worker (Busy when the pool is full)."""
        assert self._idle is not None, "Pool.start() first"
        if self._pending >= self.max_pending:
            self.stats.refused += 1
            raise Busy()
        self._pending += 1
        loop = asyncio.get_running_loop()
        try:
            worker = await self._idle.get()
            limit = self.time_limit if seconds is None else seconds
            try:
                reply = await loop.run_in_executor(self._threads, worker.call, op, args, limit)
            except Timeout:
                self.stats.timeouts += 1
                asyncio.ensure_future(self._replace(worker))
                raise
            except Crashed:
                self.stats.crashes += 1
                asyncio.ensure_future(self._replace(worker))
                raise
            except BaseException:
                # cancelled while the worker computes: it may still answer later, so it
                # cannot be reused safely - replace it
                asyncio.ensure_future(self._replace(worker))
                raise
            if worker.alive:
                self._idle.put_nowait(worker)
            else:
                asyncio.ensure_future(self._replace(worker))
            self.stats.served += 1
            return reply
        finally:
            self._pending -= 1
