"""``matcalc serve``: a local web app and JSON API over the pure API (docs/web.md).

A thin layer: :mod:`matcalc.web.jobs` turns a JSON body into the same API call the CLI
makes (kinds and their options from :data:`matcalc.kinds.KINDS`), :mod:`matcalc.web.pool`
runs it in a worker process with a time and memory limit, :mod:`matcalc.web.app` is the
Starlette application (page, static KaTeX, /api), :mod:`matcalc.web.server` binds and
runs it under uvicorn. Needs the ``web`` extra (Starlette, uvicorn); importing this
package does not import them.
"""
