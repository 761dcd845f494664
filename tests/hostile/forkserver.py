"""A fork server for the hostile corpus: one warmed-up ``python`` that forks a child per case.

Most of a hostile case's cost is the interpreter starting and importing SymPy and NumPy
(about 0.5 s of CPU), not matcalc refusing the input (a few milliseconds). The server is
started once, as ``python -m tests.hostile.forkserver`` in its own process (never inside
pytest: no pytest module, capture or hook is in it), with the environment a real case
gets. It imports what a run imports (matcalc's modules, SymPy, NumPy), runs nothing, and
then, for each request, forks a child that becomes what ``python -m matcalc ARGS`` would
be at that point:

* its own session (``setsid``: the whole group is killed past the time limit), the
  case's RLIMIT_AS and RLIMIT_CORE (as :mod:`tests.hostile.runner` sets them before exec);
* the pipes and files the client passed over the socket as its fds 0, 1 and 2, and
  ``sys.stdin``/``sys.stdout``/``sys.stderr`` built on them afresh, exactly as CPython's
  start-up builds them (encoding, errors, buffering from isatty);
* the case's folder as working directory and as ``sys.path[0]``, the case's environment
  (TMPDIR: ``tempfile``'s cached folder is reset);
* ``runpy.run_module("matcalc", run_name="__main__")`` with ``sys.argv`` = the case's
  arguments: the same ``matcalc/__main__.py`` and ``matcalc.cli.main`` that ``python -m
  matcalc`` and the console script run; then what the interpreter does at exit
  (SystemExit's code, a traceback and status 1 for an uncaught exception, threads
  joined, atexit handlers, the final flush of stdout: status 120 if it fails).

No state passes between cases: every child is a fresh fork of the same parent, and the
parent never runs a case (nothing a child does reaches it: copy-on-write). SymPy's cache
is *not* cleared in the parent, on purpose: the parent only imports modules (it derives
nothing), so its cache holds what importing them put there, which a fresh ``python -m
matcalc`` also holds after its imports; clearing it would make the child less like a fresh
process, not more. (matcalc.web.pool clears it because its warm-up *derives*.)

The parent enforces the wall-clock limit: past a case's ``seconds`` it kills the child's
process group (SIGKILL) and reports ``killed``. It reaps a child only when the client has
read both pipes to their end and says ``done``, so the child's pid (and process group)
cannot be reused while it may still be killed.

Protocol (one stream socket per client thread; a message is 8 bytes of length and JSON):
``{"op": "run", "args", "cwd", "env", "seconds", "memory"}`` with three fds (stdin,
stdout, stderr) -> ``{"pid"}``; then ``{"op": "done"}`` -> ``{"status", "signal",
"killed", "cpu", "wall"}`` once the child has exited. The client: :class:`ForkServer`.
"""
from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_HEADER = struct.Struct("!Q")


# ------------------------------------------------------------------ framing (both sides)
def _send(sock: socket.socket, msg: dict, fds: list[int] = ()) -> None:
    body = json.dumps(msg).encode()
    head = _HEADER.pack(len(body))
    if fds:
        socket.send_fds(sock, [head], list(fds))
    else:
        sock.sendall(head)
    sock.sendall(body)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the fork server closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket, with_fds: int = 0) -> tuple[dict, list[int]]:
    fds: list[int] = []
    if with_fds:
        head, fds, _, _ = socket.recv_fds(sock, _HEADER.size, with_fds)
        if not head:
            raise EOFError("the fork server's client closed the connection")
        head += _recv_exact(sock, _HEADER.size - len(head))
    else:
        head = _recv_exact(sock, _HEADER.size)
    (n,) = _HEADER.unpack(head)
    return json.loads(_recv_exact(sock, n)), fds


# ------------------------------------------------------------------ the server
def _warm_up() -> None:
    """Import what a run of ``matcalc`` imports, and nothing runs: SymPy, NumPy (with one
    BLAS thread, as matcalc.startup asks for when the user has not chosen), every module
    of the package except the web server, the docs generator and ``__main__`` (runpy
    executes that one per case, as ``python -m`` does)."""
    import importlib
    import pkgutil

    from matcalc import startup
    if not any(k in os.environ for k in startup.BLAS_THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"     # no BLAS threads: fork-safe, as a run
    import numpy  # noqa: F401
    import sympy  # noqa: F401

    import matcalc
    for info in pkgutil.walk_packages(matcalc.__path__, "matcalc."):
        if info.name.startswith(("matcalc.web", "matcalc.docs", "matcalc.__main__")):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # pragma: no cover - an optional dependency
            pass
    os.environ.pop("OPENBLAS_NUM_THREADS", None)
    import gc
    gc.collect()


def _fresh_stdio() -> None:
    """sys.stdin/stdout/stderr on fds 0, 1, 2 as CPython's start-up (create_stdio) makes
    them: the same encoding and errors, buffered, line-buffered on a terminal (stderr
    always)."""
    import io
    for name, fd, write in (("stdin", 0, False), ("stdout", 1, True), ("stderr", 2, True)):
        old = getattr(sys, "__" + name + "__") or getattr(sys, name)
        buf = io.open(fd, "wb" if write else "rb", buffering=-1, closefd=False)
        buf.raw.name = f"<{name}>"
        stream = io.TextIOWrapper(buf, encoding=old.encoding, errors=old.errors,
                                  newline="\n",
                                  line_buffering=buf.raw.isatty() or name == "stderr")
        stream.mode = "w" if write else "r"
        setattr(sys, name, stream)
        setattr(sys, "__" + name + "__", stream)


def _exit_code(code: Any) -> int:
    """What the interpreter exits with for ``SystemExit(code)`` (a non-int is printed)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _run_matcalc(args: list[str]) -> int:
    """``python -m matcalc ARGS`` from here on: its exit status."""
    import atexit
    import runpy
    import threading
    import traceback

    sys.argv = ["-m", *args]
    try:
        runpy.run_module("matcalc", run_name="__main__", alter_sys=True)
        status = 0
    except SystemExit as stop:
        status = _exit_code(stop.code)
    except KeyboardInterrupt:
        traceback.print_exc()
        status = 130
    except BaseException:  # noqa: BLE001 - the interpreter prints it and exits 1
        sys.excepthook(*sys.exc_info())
        status = 1
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()                                  # non-daemon threads, as at exit
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BaseException as exc:  # noqa: BLE001 - as Py_FinalizeEx: reported, status 120
        try:
            sys.stderr.write(f"Exception ignored in: {sys.stdout!r}\n"
                             f"{type(exc).__name__}: {exc}\n")
        except BaseException:  # noqa: BLE001
            pass
        status = 120
    try:
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - the interpreter ignores it too
        pass
    return status


class _Child:
    def __init__(self, pid: int, conn: socket.socket, seconds: float) -> None:
        self.pid, self.conn = pid, conn
        self.start = time.monotonic()
        self.deadline = self.start + seconds
        self.pidfd: int | None = os.pidfd_open(pid)
        self.exited_at: float | None = None
        self.killed = False
        self.done = False


def serve(conns: list[socket.socket]) -> None:
    """Answer requests on ``conns`` until every one is closed (single-threaded)."""
    import resource
    import selectors
    import signal

    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c, selectors.EVENT_READ, ("conn", c))
    children: dict[socket.socket, _Child] = {}
    open_conns = set(conns)

    def finish(child: _Child) -> None:
        _, status, usage = os.wait4(child.pid, 0)
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        end = child.exited_at or time.monotonic()
        _send(child.conn, {"status": code, "signal": sig, "killed": child.killed,
                           "cpu": usage.ru_utime + usage.ru_stime,
                           "wall": end - child.start})
        del children[child.conn]

    while open_conns or children:
        now = time.monotonic()
        for child in list(children.values()):
            late = child.exited_at is None and now >= child.deadline
            lingering = child.exited_at is not None and now >= child.deadline + 1.0
            if (late or lingering) and not child.killed:
                child.killed = True
                try:
                    os.killpg(child.pid, signal.SIGKILL)   # a live or unreaped leader
                except (ProcessLookupError, PermissionError):
                    pass
        waits = [c.deadline + (1.0 if c.exited_at else 0.0) - now
                 for c in children.values() if not c.killed]
        timeout = max(0.0, min(waits)) if waits else None
        for key, _ in sel.select(timeout):
            kind, obj = key.data
            if kind == "pid":
                child = obj
                sel.unregister(child.pidfd)
                os.close(child.pidfd)
                child.pidfd = None                 # its number may be reused at once
                child.exited_at = time.monotonic()
                if child.done:
                    finish(child)
                continue
            conn = obj
            try:
                msg, fds = _recv(conn, with_fds=3)
            except (EOFError, OSError):
                sel.unregister(conn)
                open_conns.discard(conn)
                conn.close()
                continue
            if msg["op"] == "done":
                child = children[conn]
                child.done = True
                if child.exited_at is not None:
                    finish(child)
                continue
            # "run": fork the child for one case
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                status = 99
                try:
                    os.setsid()
                    sel.close()
                    for c in conns:
                        c.close()
                    for other in children.values():
                        if other.pidfd is not None:
                            os.close(other.pidfd)
                    for target, fd in enumerate(fds):
                        os.dup2(fd, target)
                    for fd in fds:
                        if fd > 2:
                            os.close(fd)
                    memory = int(msg["memory"])
                    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
                    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
                    os.chdir(msg["cwd"])
                    os.environ.clear()
                    os.environ.update(msg["env"])
                    import tempfile
                    tempfile.tempdir = None                # TMPDIR is read again
                    sys.path[0] = msg["cwd"]               # as python -m in that folder
                    _fresh_stdio()
                    status = _run_matcalc(list(msg["args"]))
                except BaseException as exc:  # noqa: BLE001 - the server's own failure
                    try:
                        os.write(2, f"forkserver: child set-up failed: {exc!r}\n".encode())
                    except OSError:
                        pass
                finally:
                    os._exit(status)
            for fd in fds:
                os.close(fd)
            child = _Child(pid, conn, float(msg["seconds"]))
            children[conn] = child
            sel.register(child.pidfd, selectors.EVENT_READ, ("pid", child))
            _send(conn, {"pid": pid})


def _server_main() -> None:
    fds = [int(a) for a in sys.argv[1:]]
    conns = [socket.socket(fileno=fd) for fd in fds]
    _warm_up()
    for c in conns:
        _send(c, {"ready": True})
    serve(conns)


# ------------------------------------------------------------------ the client
class ForkServer:
    """The client end: ``with ForkServer(env, workers=3) as fs: fs.run(...)`` from up to
    ``workers`` threads at once (one connection each)."""

    def __init__(self, env: dict[str, str], workers: int = 3) -> None:
        import queue
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(workers)]
        theirs = [p[1] for p in pairs]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hostile.forkserver", *(str(s.fileno()) for s in theirs)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            pass_fds=[s.fileno() for s in theirs])
        for s in theirs:
            s.close()
        self.idle: queue.Queue[socket.socket] = queue.Queue()
        for mine, _ in pairs:
            msg, _ = _recv(mine)
            assert msg.get("ready"), msg
            self.idle.put(mine)
        self.conns = [p[0] for p in pairs]

    def close(self) -> None:
        for c in self.conns:
            c.close()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "ForkServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, args: list[str], cwd: str, env: dict[str, str], stdin: bytes | None,
            seconds: float, memory: int) -> tuple[int | None, bytes, bytes, float, float]:
        """One case: (exit status or None if killed past ``seconds``, stdout, stderr,
        wall seconds, CPU seconds of the child)."""
        conn = self.idle.get()
        try:
            return _client_run(conn, args, cwd, env, stdin, seconds, memory)
        finally:
            self.idle.put(conn)


def _client_run(conn: socket.socket, args: list[str], cwd: str, env: dict[str, str],
                stdin: bytes | None, seconds: float, memory: int
                ) -> tuple[int | None, bytes, bytes, float, float]:
    import selectors
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if stdin is None:
        in_r, in_w = os.open(os.devnull, os.O_RDONLY), None
    else:
        in_r, in_w = os.pipe()
    start = time.monotonic()
    _send(conn, {"op": "run", "args": args, "cwd": cwd, "env": env, "seconds": seconds,
                 "memory": memory}, [in_r, out_w, err_w])
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    reply, _ = _recv(conn)
    assert "pid" in reply, reply
    out, err = bytearray(), bytearray()
    sel = selectors.DefaultSelector()
    sel.register(out_r, selectors.EVENT_READ, out)
    sel.register(err_r, selectors.EVENT_READ, err)
    view = memoryview(stdin or b"")
    if in_w is not None:
        os.set_blocking(in_w, False)
        if view:
            sel.register(in_w, selectors.EVENT_WRITE, None)
        else:
            os.close(in_w)
            in_w = None
    safety = start + seconds + 120.0        # the server kills at ``seconds``; this is if it died
    try:
        while sel.get_map():
            if time.monotonic() > safety:
                raise RuntimeError(f"the fork server did not end the case {args!r:.80}")
            for key, _ in sel.select(5.0):
                if key.fd == in_w:
                    try:
                        n = os.write(in_w, view[:65536])
                        view = view[n:]
                    except BrokenPipeError:          # it stopped reading stdin: fine
                        view = view[:0]
                    if not view:
                        sel.unregister(in_w)
                        os.close(in_w)
                        in_w = None
                    continue
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    key.data.extend(chunk)
                else:
                    sel.unregister(key.fd)
                    os.close(key.fd)
    finally:
        for key in list(sel.get_map().values()):
            os.close(key.fd)
        sel.close()
    _send(conn, {"op": "done"})
    final, _ = _recv(conn)
    wall = time.monotonic() - start
    status = None if final["killed"] else final["status"]
    if status is None and not final["killed"]:
        status = -final["signal"]                # died by a signal, as Popen reports it
    return status, bytes(out), bytes(err), wall, final["cpu"]


if __name__ == "__main__":
    _server_main()
