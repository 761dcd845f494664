"""``matcalc serve``: bind a socket (loopback unless told otherwise), print the address,
run the application under uvicorn until Ctrl-C."""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from typing import Callable

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> list[str] | None:
    """The Host headers accepted: the loopback names when bound to loopback (a page on
    another site cannot rebind its name to 127.0.0.1 and reach the API); any host when
    the user bound a public address on purpose."""
    if is_loopback(host):
        return ["127.0.0.1", "localhost", "[::1]", "::1"]
    return None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket at ``host``:``port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(host: str = LOOPBACK, port: int = 0, open_browser: bool = False,
          workers: int | None = None, time_limit: float = 10.0,
          memory_limit: int | None = None, max_pending: int = 64,
          echo: Callable[[str], None] = print) -> None:
    """Serve the web app until interrupted."""
    import uvicorn

    from .app import create_app
    from .pool import MEMORY_LIMIT

    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{real_port}/"
    if not is_loopback(host):
        echo(f"warning: serving on {host}, reachable from other machines; matcalc serve "
             "has no authentication (leave --host out to serve this machine only)")
    app = create_app(workers, time_limit, MEMORY_LIMIT if memory_limit is None
                     else memory_limit, max_pending, hosts=allowed_hosts(host))
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            limit_concurrency=max_pending * 2 + 16,
                            timeout_keep_alive=5, server_header=False)
    server = uvicorn.Server(config)
    echo(f"matcalc serving on {url} (Ctrl-C to stop)")
    sys.stdout.flush()
    if open_browser:
        import webbrowser
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])
