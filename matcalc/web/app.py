"""The ASGI application (Starlette): the page, its static files (KaTeX shipped in the
package), the JSON API under /api and the page's own calls under /ui.

Every derivation runs in the worker pool (:mod:`matcalc.web.pool`); this process only
checks sizes, forwards JSON and writes headers. Answers:

* ``POST /api/<kind>``: exactly ``matcalc <kind> ... --format json`` (200), or
  ``{"error", "column", "caret", "exit_status"}`` with 422 (bad input, no rule), 400 (not
  JSON), 404 (no such kind), 413 (body too large), 415 (not application/json), 429 (the
  pool is full), 504 (over the time limit), 502 (the worker died; it was replaced).
* Every response has a Content-Security-Policy without inline scripts or styles, framing
  refused (``frame-ancestors 'none'``), ``X-Content-Type-Options: nosniff``, no referrer.
* The Host header must name the address served (no DNS rebinding from a web page).
"""
from __future__ import annotations

import json
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import jobs
from .pool import MEMORY_LIMIT, TIME_LIMIT, Busy, Crashed, Pool, Timeout

STATIC = Path(__file__).resolve().parent / "static"
#: Largest request body (bytes): an expression is at most 10,000 characters.
MAX_BODY = 64 * 1024
#: Seconds pdflatex may take for one PDF download.
PDF_SECONDS = 30.0

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pure ASGI, so streaming is untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in SECURITY_HEADERS if k not in names]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(status: int, message: str, code: int = 2) -> JSONResponse:
    return JSONResponse({"error": f"error: {message}", "column": None, "caret": [],
                         "exit_status": code}, status_code=status)


class TooLarge(Exception):
    pass


async def _body(request: Request) -> Any:
    """The JSON body, read at most MAX_BODY bytes (TooLarge past them; ValueError when it
    is not JSON)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge()
        chunks.append(chunk)
    data = json.loads(b"".join(chunks).decode("utf-8"))
    if _depth(data) > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return data


#: Nesting a body may have (a field holds at most a list of strings or a table).
MAX_JSON_DEPTH = 8


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, (list, dict)):
            deepest = max(deepest, d)
            if d > MAX_JSON_DEPTH:
                return d
            stack.extend((v, d + 1) for v in (node.values() if isinstance(node, dict)
                                              else node))
    return deepest


def _response(reply: jobs.Reply) -> Response:
    headers = dict(reply.headers)
    if reply.media_type == "application/pdf":
        headers["content-disposition"] = 'attachment; filename="derivation.pdf"'
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type,
                    headers=headers)


def create_app(workers: int | None = None, time_limit: float = TIME_LIMIT,
               memory_limit: int = MEMORY_LIMIT, max_pending: int = 64,
               hosts: list[str] | None = None) -> Starlette:
    """The application with its own pool of ``workers`` processes (default: one per
    core, at least 2), started and stopped with the application's lifespan."""
    size = workers or max(2, os.cpu_count() or 2)
    pool = Pool(size, time_limit, memory_limit, max_pending)
    cache: dict[str, jobs.Reply] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    async def on_pool(op: str, *args: Any, seconds: float | None = None) -> Response:
        try:
            reply = await pool.run(op, *args, seconds=seconds)
        except Busy:
            return _error(429, f"the server is busy ({pool.max_pending} requests at once); "
                               "try again in a moment")
        except Timeout:
            limit = pool.time_limit if seconds is None else seconds
            return _error(504, f"the derivation ran past the server's time limit of "
                               f"{limit:g} s (it was stopped; other requests were not held)")
        except Crashed:
            return _error(502, "the worker computing this request stopped (it has been "
                               "replaced); the input may need more memory than the limit")
        return _response(reply)

    async def checked_body(request: Request) -> Any:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise _Refusal(415, "send the request body as JSON (Content-Type: application/json)")
        try:
            return await _body(request)
        except TooLarge:
            raise _Refusal(413, f"the request body is larger than {MAX_BODY:,} bytes") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Refusal(400, f"the request body is not JSON ({exc})") from None
        except RecursionError:
            raise _Refusal(400, "the request body is nested too deeply") from None

    def kind_or_404(request: Request) -> str:
        from ..kinds import KINDS
        name = request.path_params["kind"]
        if name not in KINDS:
            raise _Refusal(404, f"no kind '{name[:40]}' (known: {', '.join(KINDS)})")
        return name

    def handler(make: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return await make(request)
            except _Refusal as r:
                return _error(r.status, r.message)
        return endpoint

    async def api_kind(request: Request) -> Response:
        kind = kind_or_404(request)
        return await on_pool("kind", kind, await checked_body(request))

    async def ui_page(request: Request) -> Response:
        kind = kind_or_404(request)
        return await on_pool("page", kind, await checked_body(request))

    async def ui_preview(request: Request) -> Response:
        return await on_pool("preview", await checked_body(request), seconds=min(
            pool.time_limit, 5.0))

    async def ui_answer(request: Request) -> Response:
        kind = kind_or_404(request)
        return await on_pool("answer", kind, await checked_body(request))

    async def ui_pdf(request: Request) -> Response:
        kind = kind_or_404(request)
        body = await checked_body(request)
        return await on_pool("pdf", kind, body, PDF_SECONDS,
                             seconds=PDF_SECONDS + pool.time_limit)

    async def api_kinds(request: Request) -> Response:
        return _response(jobs.kinds())

    async def api_rules(request: Request) -> Response:
        if "rules" not in cache:
            response = await on_pool("rules")
            if response.status_code != 200:
                return response
            cache["rules"] = jobs.Reply(200, response.body)
        return _response(cache["rules"])

    async def api_index(request: Request) -> Response:
        from ..kinds import KINDS
        return JSONResponse({"endpoints": [f"POST /api/{k}" for k in KINDS] + [
            "GET /api/kinds", "GET /api/rules", "GET /api/health"],
            "docs": "docs/web.md"})

    async def api_health(request: Request) -> Response:
        s = pool.stats
        return JSONResponse({"workers": pool.size, "pending": pool.pending,
                             "time_limit": pool.time_limit, "served": s.served,
                             "timeouts": s.timeouts, "crashes": s.crashes,
                             "refused": s.refused, "replaced": s.replaced})

    def page(name: str) -> Any:
        async def endpoint(request: Request) -> Response:
            return FileResponse(STATIC / name, media_type="text/html; charset=utf-8",
                                headers={"cache-control": "no-cache"})
        return endpoint

    routes = [
        Route("/", page("index.html")),
        Route("/rules", page("rules.html")),
        Route("/api", api_index),
        Route("/api/kinds", api_kinds),
        Route("/api/rules", api_rules),
        Route("/api/health", api_health),
        Route("/api/{kind}", handler(api_kind), methods=["POST"]),
        Route("/ui/page/{kind}", handler(ui_page), methods=["POST"]),
        Route("/ui/answer/{kind}", handler(ui_answer), methods=["POST"]),
        Route("/ui/pdf/{kind}", handler(ui_pdf), methods=["POST"]),
        Route("/ui/preview", handler(ui_preview), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=hosts))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    return app


class _Refusal(Exception):
    """A request refused before it reaches the pool: HTTP ``status`` and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
