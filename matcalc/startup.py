"""Start-up of the ``matcalc`` command: what a short-lived process should not pay for.

Two costs of every run that do no work for the user, both set up by ``begin`` (from the
click group) and undone when the command's click context closes (CliRunner runs
commands inside a test process, which must get its state back):

* **Cyclic garbage collection while modules load.** Importing SymPy and NumPy creates
  some hundreds of thousands of objects that live as long as the process, and Python's
  collector, triggered every few hundred new objects, scans the young ones again and
  again as they age: about 0.05 s of CPU per run. ``begin`` pauses the collector;
  ``loaded`` (from the runner of the API call, once the command's modules are imported)
  moves everything alive to the permanent generation (``gc.freeze``: never scanned
  again) and turns collection back on, so a long derivation's garbage is collected as
  usual. A command that never calls ``loaded`` runs without cyclic collection to its end
  (the whole gallery, ``matcalc examples run``, then peaks about 6 MiB higher).
* **OpenBLAS's thread pool.** ``import numpy`` starts one BLAS thread per core, which
  costs 0.02-0.03 s of CPU and more of wall time on a busy machine, for a numeric check
  whose matrices are a few rows wide. Unless the user has chosen (OPENBLAS_NUM_THREADS,
  GOTO_NUM_THREADS or OMP_NUM_THREADS set), the command asks for one thread.

Only the command does this; ``import matcalc`` and the Python API leave the process as
they find it.
"""
from __future__ import annotations

import gc
import os
import sys

import click

#: what OpenBLAS reads for its thread count, in its order
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")

_paused = False
_froze = False


def begin(ctx: click.Context) -> None:
    """The command starts: one BLAS thread unless chosen, no cyclic collection until
    ``loaded``; both undone when ``ctx`` closes."""
    global _paused
    if "numpy" not in sys.modules and not any(k in os.environ for k in BLAS_THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        ctx.call_on_close(lambda: os.environ.pop("OPENBLAS_NUM_THREADS", None))
    if _paused or not gc.isenabled():
        return
    gc.disable()
    _paused = True
    ctx.call_on_close(_restore)


def loaded() -> None:
    """The command's modules are imported: freeze what is alive, collect as usual again."""
    global _paused, _froze
    if not _paused:
        return
    if gc.get_freeze_count() == 0:    # someone else's frozen objects are left as they are
        gc.freeze()
        _froze = True
    gc.enable()
    _paused = False


def _restore() -> None:
    global _paused, _froze
    if _froze:
        gc.unfreeze()
        _froze = False
    gc.enable()                       # begin paused it only when it was on
    _paused = False
