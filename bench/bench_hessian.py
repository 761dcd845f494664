"""Hessian derivation time: n symbolic against n = 10, 100, 1000 declared, beside
sympy.hessian on the same functions written out in n scalar variables (and jax.hessian
where jax is installed: optional).

matcalc derives over the declared shapes, so its time must not grow with n (the
derivation never looks at the entries); sympy.hessian works entry by entry (n^2 second
partials of an expression with n^2 terms). Run: ``python bench/bench_hessian.py``.
"""
from __future__ import annotations

import subprocess
import sys
import time

from matcalc import hessian

CASES = {
    "x.T @ A @ x": lambda n: ([f"x:{n}", f"A:{n},{n}"], "x"),
    "norm(A @ x - b)^2": lambda n: ([f"x:{n}", f"A:{n},{n}", f"b:{n}"], "x"),
    "log(sum(exp(x)))": lambda n: ([f"x:{n}"], "x"),
}

SYMPY_CODE = {
    "x.T @ A @ x": """
import sympy as s, time
n = {n}; x = s.Matrix(s.symbols('x0:%d' % n)); A = s.Matrix(n, n, s.symbols('a0:%d' % (n*n)))
f = (x.T * A * x)[0]
t = time.perf_counter(); s.hessian(f, list(x)); print(time.perf_counter() - t)
""",
    "norm(A @ x - b)^2": """
import sympy as s, time
n = {n}; x = s.Matrix(s.symbols('x0:%d' % n)); A = s.Matrix(n, n, s.symbols('a0:%d' % (n*n)))
b = s.Matrix(s.symbols('b0:%d' % n)); r = A * x - b
f = (r.T * r)[0]
t = time.perf_counter(); s.hessian(f, list(x)); print(time.perf_counter() - t)
""",
    "log(sum(exp(x)))": """
import sympy as s, time
n = {n}; x = s.symbols('x0:%d' % n)
f = s.log(sum(s.exp(v) for v in x))
t = time.perf_counter(); s.hessian(f, list(x)); print(time.perf_counter() - t)
""",
}

JAX_CODE = """
import time, jax, jax.numpy as jnp, numpy as np
n = {n}; A = jnp.asarray(np.random.randn(n, n)); b = jnp.asarray(np.random.randn(n))
f = {{"x.T @ A @ x": lambda x: x @ A @ x, "norm(A @ x - b)^2": lambda x: jnp.sum((A @ x - b)**2),
     "log(sum(exp(x)))": lambda x: jax.scipy.special.logsumexp(x)}}[{case!r}]
h = jax.jit(jax.hessian(f)); x = jnp.ones(n); h(x).block_until_ready()
t = time.perf_counter(); h(x).block_until_ready(); print(time.perf_counter() - t)
"""


def timed(fn, repeat: int = 7) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def subprocess_time(code: str, limit: float) -> str:
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=limit, check=True)
        return f"{float(out.stdout.strip().splitlines()[-1]):.3f} s"
    except subprocess.TimeoutExpired:
        return f"> {limit:.0f} s"
    except (subprocess.CalledProcessError, ValueError, IndexError):
        return "n/a"


def have_jax() -> bool:
    return subprocess.run([sys.executable, "-c", "import jax"], capture_output=True).returncode == 0


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    jax = have_jax()
    print(f"{'function':20} {'n':>6} {'matcalc':>10} {'ratio to n sym.':>16} "
          f"{'sympy.hessian':>14}" + (f" {'jax.hessian (jit, numeric)':>28}" if jax else ""))
    for case, make in CASES.items():
        symbolic = make("n")
        base = timed(lambda: hessian(case, symbolic[1], shapes=symbolic[0], verify=False))
        print(f"{case:20} {'n':>6} {base:9.3f}s {1.0:15.2f}x {'-':>14}")
        for n in (10, 100, 1000):
            shapes, wrt = make(n)
            t = timed(lambda: hessian(case, wrt, shapes=shapes, verify=False))
            sym = subprocess_time(SYMPY_CODE[case].format(n=n), limit) if n <= 100 else \
                "not run"
            line = f"{case:20} {n:6d} {t:9.3f}s {t / base:15.2f}x {sym:>14}"
            if jax:
                line += f" {subprocess_time(JAX_CODE.format(n=n, case=case), limit):>28}"
            print(line)
    t = timed(lambda: hessian("x.T @ A @ x", "x", shapes=["x:n", "A:n,n"]), repeat=1)
    print(f"\nx.T @ A @ x, n symbolic, derived and verified: {t:.3f} s")


if __name__ == "__main__":
    main()
