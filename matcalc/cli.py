"""The ``matcalc`` command: a thin click layer over matcalc.api.

Exit status (CONTRACTS.md, docs/conventions.md): 0 done - verified, not verified for lack
of evidence (the output says "Not verified:" and why), or --no-verify; 1 the numeric check
failed (the result is still printed, with the failure; NumPy text or an --emit module is
then not written unless --force); 2 bad input, one clear message on stderr; 3 no rule
applies.
"""
from __future__ import annotations

import re
import sys
from typing import Callable

import click

from ._version import __version__
from .cli_types import NAME, OUTPUT, FiniteFloat
from .errors import MatcalcError
from .kinds import FIELDS
from . import startup

FORMATS = ("text", "latex", "markdown", "json", "numpy")
#: ``graph`` also writes Graphviz source, and draws pictures through Graphviz's ``dot``
GRAPH_FORMATS = FORMATS + ("dot",)
IMAGE_EXTENSIONS = (".svg", ".png", ".pdf")
EXIT_INTERNAL = 4
MAX_POINTS = int(FIELDS["points"].high)  # the sampler draws at most 8 x 256 candidates


def _choice(name: str) -> click.Choice:
    """The click type of an option with choices (matcalc.kinds.FIELDS: the web checks the
    same values)."""
    return click.Choice(FIELDS[name].choices)


def _range(name: str) -> click.ParamType:
    """The click type of a numeric option, its range from matcalc.kinds.FIELDS."""
    f = FIELDS[name]
    if f.integer:
        return click.IntRange(int(f.low), int(f.high))
    return FiniteFloat(f.low, f.high)


class ExprCommand(click.Command):
    """A command whose arguments are expressions that may start with '-' ("-x^2",
    "-sum(y * log(a))"): such a token is not an option unless it is one of this command's
    option names, so it is kept whole as an argument (click would otherwise read "-cos(x)"
    as the flags -c -o ... and take "s(x)" as the value of -o)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names: dict[str, bool] = {}
        for p in self.get_params(ctx):
            if isinstance(p, click.Option):
                for n in (*p.opts, *p.secondary_opts):
                    names[n] = not p.is_flag and not p.count
        out: list[str] = []
        takes_value = False
        for a in args:
            if a == "--":
                out.append(a)
                takes_value = False
                continue
            key = a.split("=", 1)[0]
            looks_like_option = re.fullmatch(r"--[a-z][a-z0-9-]*", key) is not None
            if a.startswith("-") and not looks_like_option and len(a) > 1 \
                    and not takes_value and key not in names:
                out.append(" " + a)               # an expression: the parser skips blanks
                takes_value = False
                continue
            out.append(a)
            takes_value = names.get(a, False) if not takes_value else False
        rest = super().parse_args(ctx, out)
        for key, value in ctx.params.items():     # the argument as typed, without the blank
            if isinstance(value, str) and value.startswith(" -") and value[1:] in args:
                ctx.params[key] = value[1:]
        return rest


def _render(d, fmt: str) -> str:
    if fmt == "text":
        return d.to_text()
    if fmt == "latex":
        return d.to_latex()
    if fmt == "markdown":
        return d.to_markdown()
    if fmt == "json":
        return d.to_json()
    if fmt == "dot":
        return d.to_dot()
    return d.to_numpy()


def _run(action: Callable[[], object], fmt: str, output: str | None,
         write: Callable[[str], None] | None = None, force: bool = False,
         status: Callable[[object], int] | None = None) -> None:
    """Run an API call, print or write its rendering (or hand it to ``write``), and exit
    with the contract's status (``status(d)`` when given: a kind's own exit status). Code
    (``--format numpy``, ``--emit numpy``) that failed the numeric check is not written,
    unless ``force``."""
    startup.loaded()
    try:
        d = action()
        text = _render(d, fmt)
    except MatcalcError as exc:
        click.echo(exc.format(), err=True)
        sys.exit(exc.exit_code)
    except RecursionError:
        click.echo("error: expression is nested too deeply", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        click.echo(f"internal error ({type(exc).__name__}): {exc}. Please report it.", err=True)
        sys.exit(EXIT_INTERNAL)
    v = getattr(d, "verification", None)
    failed = v is not None and v.status == "failed"
    if failed and fmt == "numpy" and not force:
        click.echo(f"error: the NumPy code failed the numeric check, so it is not written "
                   f"(--force writes it anyway): {v.summary()}", err=True)
        sys.exit(1)
    if write is not None:
        write(text)
    elif output:
        _write_text(text, output)
    else:
        click.echo(text)
    if status is not None:
        sys.exit(status(d))
    # "Not verified" (too little evidence: no usable point, float64 and 60 digits unable
    # to resolve f) is stated in the output and is not a failure: exit 0 (issue 18)
    sys.exit(1 if failed else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80})
@click.version_option(__version__, prog_name="matcalc")
def main() -> None:
    """matcalc: derivatives in named, lecture-style steps, checked numerically.

    \b
    Examples:
      matcalc derive "ln(sin(x**3)**2)"
      matcalc derive "3x^2(2y+7)" --wrt y
      matcalc derive "x^x" --format latex --standalone -o xx.tex
      matcalc grad "3x^2(2y+7)" --wrt x,y
      matcalc jacobian "[ln(g1), sin(g2)]" --where "g1 = x^2; g2 = 3x" --wrt x
      matcalc derive "x.T @ A @ x" --shape x:n --shape A:n,n --wrt x
      matcalc derive "x^3 sin(x)" --order 2
      matcalc hessian "x^2 y + y^3" --wrt x,y
      matcalc hessian "log(sum(exp(x)))" --shape x:n
      matcalc jacobian "tanh(x)" --shape x:n --dim n=3
      matcalc graph "3*(a + b*c)" --at a=5,b=3,c=2
      matcalc examples list
      matcalc rules

    \b
    Exit status: 0 done (verified, or not verified for lack of evidence: the
    output says so); 1 the numeric check failed (check: a line is wrong); 2 bad
    input, one line on stderr; 3 no rule applies.
    """
    startup.begin(click.get_current_context())


#: Options shared by the derivation commands (derive, grad, jacobian), in --help order.
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
                             show_default=True, help="Output format.")
SHAPE_OPTION = click.option("--shape", "shape", multiple=True, metavar="NAME:DIMS",
                 help="Declare a vector or matrix: x:n is an n x 1 column, W:m,n an m x n "
                 "matrix (dimensions are integers or names); repeat for each. Undeclared "
                 "names are scalars. Then @ is the matrix product, .T the transpose and "
                 "* / + - act element-wise with broadcasting.")
DIM_OPTION = click.option("--dim", "dim", multiple=True, metavar="NAME=SIZE",
                 help="With --shape: also show the result's components at this size, "
                 "e.g. --dim n=3 (repeatable).")
MATRIX_OPTIONS = (SHAPE_OPTION, DIM_OPTION)
ASSUME_OPTION = click.option(
    "--assume", "assume", multiple=True, metavar="FACT",
    help="A fact the derivation may use (repeatable): symmetric(S), spd(S), sum(y) = 1, "
         "sum(Y, axis=0) = 1, x > 0. Steps that use it say so; the check samples inputs "
         "that satisfy it.")

FROM_OPTION = click.option(
    "--from", "from_", type=_choice("from"), default=FIELDS["from"].default,
    show_default=True, help="The syntax of the expression: latex (\\frac{a}{b}, \\sin x, "
    "x^{2}), plain (matcalc's own), or auto: LaTeX when it has a backslash or a brace.")
DETAIL_OPTION = click.option(
    "--detail", type=_choice("detail"), default=FIELDS["detail"].default, show_default=True,
    help="normal: the chain rule of a linear inner function is one step (d/dx sin(3x) = "
         "3 cos(3x), a = 3); full: every sub-step of every chain.")
TIMEOUT_OPTION = click.option(
    "--timeout", type=_range("timeout"), default=FIELDS["timeout"].default,
    show_default=True,
    help="Seconds after which simplification stops (a safety net: its budget is work, the "
         "same on a busy machine).")

SHARED_OPTIONS = (
    SHAPE_OPTION, DIM_OPTION, FROM_OPTION,
    click.option("--where", metavar="DEFS", help="Named intermediate variables, e.g. "
                 "\"g1 = x^2; g2 = 3x\" (';' or line breaks between them): the derivation "
                 "goes through them (total-derivative or vector chain rule) and substitutes "
                 "back."),
    FORMAT_OPTION,
    click.option("--steps/--no-steps", default=True, show_default=True,
                 help="Show every step, or just the result."),
    DETAIL_OPTION,
    click.option("--verify/--no-verify", default=True, show_default=True,
                 help="Check the result by finite differences at random points."),
    click.option("--simplify/--no-simplify", default=True, show_default=True,
                 help="Finish with a (work-budgeted) simplification step."),
    click.option("--standalone", is_flag=True, help="LaTeX: a complete document for pdflatex."),
    click.option("--points", type=_range("points"), default=FIELDS["points"].default,
                 show_default=True,
                 help="Sample points for the numeric check."),
    click.option("--seed", type=_range("seed"), default=FIELDS["seed"].default,
                 show_default=True,
                 help="Seed for the sample points."),
    TIMEOUT_OPTION,
    ASSUME_OPTION,
    click.option("-o", "--output", type=OUTPUT,
                 help="Write to FILE instead of standard output."),
    click.option("--force", is_flag=True, help="--format numpy: write the NumPy text even "
                 "when it fails the numeric check."),
)


def shared_options(command: Callable, formats: tuple[str, ...] = FORMATS,
                   matrix: bool = True) -> Callable:
    """Apply SHARED_OPTIONS to a command (defined once, listed in this order); ``formats``
    replaces the choices of --format; ``matrix=False`` (graph) leaves out --shape, --dim
    and --detail."""
    for option in reversed(SHARED_OPTIONS):
        if not matrix and (option in MATRIX_OPTIONS or option is DETAIL_OPTION):
            continue
        if option is FORMAT_OPTION and formats != FORMATS:
            option = click.option("--format", "fmt", type=click.Choice(formats),
                                  default="text", show_default=True, help="Output format.")
        command = option(command)
    return command


def _run_shared(action: Callable[..., object], shared: dict,
                write: Callable[[str], None] | None = None) -> None:
    """Build Options from the shared flags, call ``action(options, where)``, print, exit.
    Every simplify step of the command shares the --timeout seconds."""
    def act() -> object:
        from .engine.simplify import simplify_budget
        from .options import Options

        opts = Options(steps=shared["steps"], verify=shared["verify"],
                       simplify=shared["simplify"], standalone=shared["standalone"],
                       points=shared["points"], seed=shared["seed"],
                       simplify_timeout=shared["timeout"], assume=shared["assume"],
                       from_=shared.get("from_", "auto"),
                       detail=shared.get("detail", "normal"))
        with simplify_budget(opts.simplify_timeout):
            return action(opts, shared["where"])

    _run(act, shared["fmt"], shared["output"], write, force=bool(shared.get("force")))


@main.command(cls=ExprCommand)
@click.argument("expr")
@click.option("--wrt", metavar="VAR", help="Variable to differentiate by (may be left out when "
              "the expression has one variable; others are held constant).")
@click.option("--order", type=_range("order"), default=None, metavar="N",
              help="The N-th derivative (0 <= N <= 12), each order derived from the "
                   "previous one with steps.")
@shared_options
def derive(expr: str, wrt: str | None, order: int | None, **shared: object) -> None:
    """Differentiate EXPR step by step.

    \b
    EXPR uses ^ or ** for powers, implicit multiplication (3x^2(2y+7)), ln/log,
    e^x, sqrt, trig and hyperbolic functions, sigmoid, relu, softplus, abs,
    max(a, b) (docs/input-language.md), or LaTeX (\\frac{1}{x}, see --from).
    Multi-letter names stay whole (w1, theta_1, xy). Quote it for the shell.
      matcalc derive "ln(sin(x^3)^2)"
      matcalc derive "3x^2(2y+7)" --wrt y
      matcalc derive "x^3 sin(x)" --order 2
      matcalc derive "\\frac{1}{1 + e^{-x}}" --from latex
      matcalc derive "sin(3x)" --detail full
      matcalc derive "x.T @ A @ x" --shape x:n --shape A:n,n --wrt x
    """
    from .api import derive as api_derive

    _run_shared(lambda opts, where: api_derive(expr, wrt, options=opts, where=where,
                                               shapes=shared["shape"], dims=shared["dim"],
                                               order=order),
                shared)


@main.command(cls=ExprCommand)
@click.argument("expr")
@click.option("--wrt", metavar="VAR[,VAR...]", help="Variables of the gradient, e.g. x,y "
              "(default: every free variable, in natural order: x2 before x10).")
@shared_options
def grad(expr: str, wrt: str | None, **shared: object) -> None:
    """The gradient of EXPR: every partial derivative, with steps.

    \b
    Each partial holds the other variables constant; the last step assembles
    grad f = [df/dx, df/dy, ...].
      matcalc grad "3x^2(2y+7)" --wrt x,y
      matcalc grad "x*u2*y" --where "u1 = x^2*y; u2 = exp(u1)" --wrt x,y
    """
    from .api import gradient

    _run_shared(lambda opts, where: gradient(expr, wrt, options=opts, where=where,
                                                     shapes=shared["shape"], dims=shared["dim"]), shared)


@main.command(cls=ExprCommand)
@click.argument("exprs", metavar="\"[F1, F2, ...]\"")
@click.option("--wrt", metavar="VAR[,VAR...]", help="Variables, one column each, e.g. x,y "
              "(default: every free variable, in natural order: x2 before x10).")
@click.option("--layout", type=_choice("layout"), default=FIELDS["layout"].default,
              show_default=True, help="numerator: J[i, j] = df_i/dx_j (one row per "
              "function); denominator: its transpose.")
@click.option("--form", type=_choice("form"), default=FIELDS["form"].default,
              show_default=True,
              help="With --shape, for a matrix function or a matrix variable: kron, the "
              "Jacobian d vec(F)/d vec(X) in Kronecker products (vec column-major); vjp, "
              "the vector-Jacobian product dL/dX for an upstream gradient G.")
@shared_options
def jacobian(exprs: str, wrt: str | None, layout: str, form: str, **shared: object) -> None:
    """The Jacobian of the functions [F1, F2, ...], entry by entry.

    \b
    Row i holds the partial derivatives of Fi, column j those with respect to the
    j-th variable (numerator layout); --layout denominator transposes it, as a
    named step. With --where, the vector chain rule df/dx = (df/dg)(dg/dx):
      matcalc jacobian "[3x^2(2y+7), 4x + y^2]" --wrt x,y
      matcalc jacobian "[ln(g1), sin(g2)]" --where "g1 = x^2; g2 = 3x" --wrt x
    """
    from .api import jacobian as api_jacobian

    _run_shared(lambda opts, where: api_jacobian(exprs, wrt, layout=layout, options=opts,
                                                 where=where, shapes=shared["shape"],
                                                 dims=shared["dim"],
                                                 form=form if shared["shape"] else None),
                shared)


@main.command(cls=ExprCommand)
@click.argument("expr")
@click.option("--wrt", metavar="VAR[,VAR...]", help="Variables of the Hessian, e.g. x,y "
              "(default: every free variable, in natural order: x2 before x10); with "
              "--shape, one vector or matrix.")
@shared_options
def hessian(expr: str, wrt: str | None, **shared: object) -> None:
    """The Hessian of EXPR: every second partial, with steps.

    \b
    First every partial derivative, then each one differentiated again; the
    mixed partials are derived once (their symmetry is stated and checked).
    With --shape, by the second differential d^2f = dx^T H dx (Magnus and
    Neudecker); for a matrix X the Hessian is over vec(X), column-major.
      matcalc hessian "x^2 y + y^3" --wrt x,y
      matcalc hessian "x.T @ A @ x" --shape x:n --shape A:n,n --wrt x
    """
    from .api import hessian as api_hessian

    _run_shared(lambda opts, where: api_hessian(expr, wrt, options=opts, where=where,
                                                shapes=shared["shape"], dims=shared["dim"]),
                shared)


@main.command(cls=ExprCommand)
@click.argument("program_file", metavar="FILE|-")
@click.option("--wrt", metavar="P[,P...]", help="Parameters, e.g. W1,b1,W2,b2 (default: every "
              "declared input).")
@click.option("--emit", type=click.Choice(("numpy",)), help="Write a runnable Python module "
              "with forward() and backward() built from the derived equations instead.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--steps/--no-steps", default=True, show_default=True,
              help="Show every step, or just the backward-pass equations.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Check every parameter's gradient against finite differences of the "
              "objective at random sizes.")
@click.option("--standalone", is_flag=True, help="LaTeX: a complete document for pdflatex.")
@click.option("--points", type=_range("points"), default=FIELDS["points"].default,
              show_default=True,
              help="Sample points for the numeric check.")
@click.option("--seed", type=_range("seed"), default=FIELDS["seed"].default,
              show_default=True, help="Seed for the sample points.")
@ASSUME_OPTION
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of standard output.")
@click.option("--force", is_flag=True, help="--emit numpy: write the module even when it "
              "fails the numeric check.")
def backprop(program_file: str, wrt: str | None, emit: str | None, fmt: str, steps: bool,
             verify: bool, standalone: bool, points: int, seed: int,
             assume: tuple[str, ...], output: str | None, force: bool) -> None:
    """The backward pass of a forward program, equation by equation.

    \b
    FILE (or - for standard input) declares shapes and assigns, in forward order;
    the last assignment is the scalar objective (see docs/backprop.md):
      X: nx, m
      W1: n1, nx
      b1: n1
      Z1 = W1 @ X + b1
      A1 = tanh(Z1)
      J = sum(A1) / m
    \b
      matcalc backprop mlp.mc --wrt W1,b1,W2,b2
      matcalc backprop mlp.mc --wrt W1,b1,W2,b2 --emit numpy -o mlp_grad.py
    """
    from .api import backprop as api_backprop
    from .options import Options

    from .edge import read_input

    try:
        text = read_input(program_file.strip(), "program")
    except MatcalcError as exc:
        _fail(exc)
    try:
        opts = Options(steps=steps, verify=verify, standalone=standalone, points=points,
                       seed=seed, assume=assume)
    except MatcalcError as exc:
        _fail(exc)

    def act() -> object:
        from .engine.simplify import simplify_budget
        with simplify_budget(opts.simplify_timeout):
            return api_backprop(text, wrt, options=opts)

    _run(act, "numpy" if emit else fmt, output, force=force)


@main.command(cls=ExprCommand)
@click.argument("expr", required=False)
@click.option("--answer", metavar="ANS", help="The answer to check: is it d EXPR / d VAR?")
@click.option("--derivation", "derivation_file", metavar="FILE|-", help="A hand derivation "
              "to check line by line: line 1 d/dx EXPR, then one equality a line (= ... or "
              "&= ...); with --program, the lines dZ2 = ..., dW2 = ... of a backward pass.")
@click.option("--program", "program_file", metavar="FILE", help="A forward program (as for "
              "`matcalc backprop`): --derivation then holds the student's backward pass.")
@click.option("--wrt", metavar="VAR", help="Variable (may be left out when EXPR has one, or "
              "given by d/dVAR on line 1; with --program: the parameters).")
@click.option("--shape", "shape", multiple=True, metavar="NAME:DIMS",
              help="Declare a vector or matrix, as for derive (x:n, A:n,n); repeatable.")
@click.option("--format", "fmt", type=click.Choice(("text", "latex", "markdown", "json")),
              default="text", show_default=True, help="Output format.")
@click.option("--standalone", is_flag=True, help="LaTeX: a complete document for pdflatex.")
@click.option("--seed", type=_range("seed"), default=FIELDS["seed"].default,
              show_default=True,
              help="Seed of matcalc's own numeric check.")
@FROM_OPTION
@DETAIL_OPTION
@TIMEOUT_OPTION
@click.option("-o", "--output", type=OUTPUT, help="Write to FILE instead of standard output.")
def check(expr: str | None, answer: str | None, derivation_file: str | None,
          program_file: str | None, wrt: str | None, shape: tuple[str, ...], fmt: str,
          standalone: bool, seed: int, from_: str, detail: str, timeout: float,
          output: str | None) -> None:
    """Check an answer or a hand derivation, naming the mistake.

    \b
    Every line is compared with matcalc's derivative at random points of the
    domain (several seeds; exactly, where SymPy can prove it) and with the line
    before. The first wrong line gets a diagnosis from the catalogue of common
    mistakes (`matcalc rules`, docs/check.md); lines that follow correctly from
    a wrong one are marked "follows from line N". Exit 0 when everything is
    right, 1 when a line is wrong, 2 for bad input.
      matcalc check "sin(x^2)" --answer "cos(x^2)"
      matcalc check --derivation quotient.txt
      matcalc check "x.T @ A @ x" --shape x:n --shape A:n,n --wrt x \\
          --answer "2*A @ x"
      matcalc check --program mlp.mc --derivation backward.txt
    """
    from .api import check as api_check, check_arguments
    from .edge import read_input
    from .options import Options

    try:
        check_arguments(expr, answer, derivation_file is not None)   # as /api/check
        derivation = (read_input(derivation_file.strip(), "derivation")
                      if derivation_file is not None else None)
        program = read_input(program_file.strip(), "program") if program_file else None
    except MatcalcError as exc:
        _fail(exc)
    opts = Options(seed=seed, standalone=standalone, from_=from_, detail=detail,
                   simplify_timeout=timeout)

    def act() -> object:
        from .engine.simplify import simplify_budget
        with simplify_budget(opts.simplify_timeout):
            return api_check(expr, answer, derivation=derivation, wrt=wrt,
                             shapes=list(shape) or None, program=program, options=opts)

    _run(act, fmt, output, status=lambda d: 0 if d.attachments["check"].correct else 1)


@main.command(cls=ExprCommand)
@click.argument("expr")
@click.option("--at", metavar="NAME=VALUE,...", help="Evaluate the graph at this point, "
              "e.g. a=5,b=3,c=2 (every input needs a value; exact numbers stay exact). "
              "Left out, the derivation is symbolic.")
@click.option("--name", type=NAME, metavar="NAME", help="The output node's name (default: y for one "
              "input, J for several, L when y is an input).")
@lambda command: shared_options(command, GRAPH_FORMATS, matrix=False)
def graph(expr: str, at: str | None, name: str | None, **shared: object) -> None:
    """The computation graph of EXPR: forward and backward pass, paths.

    \b
    One node per elementary operation (u = bc, v = a + u, J = 3v); the forward
    pass evaluates them at --at; the backward pass goes from the output back to
    every input, multiplying local derivatives (summing over the paths where a
    node is used more than once); then every path output -> input with its
    product, and the table of dJ/d(input). --format dot writes Graphviz source;
    -o graph.svg, graph.png or graph.pdf draws the graph with Graphviz's dot
    (when it is installed).
      matcalc graph "3*(a + b*c)" --at a=5,b=3,c=2
      matcalc graph "x*exp(x^2)"
      matcalc graph "-(y*log(a) + (1-y)*log(1-a))" --where "a = sigmoid(w*x + b)"
      matcalc graph "3*(a + b*c)" --at a=5,b=3,c=2 -o graph.svg
    """
    from .api import graph as api_graph

    output = shared["output"]
    write = None
    if isinstance(output, str) and output.lower().endswith(IMAGE_EXTENSIONS):
        if shared["fmt"] not in ("text", "dot"):
            click.echo(f"error: -o {output} draws the graph; it cannot be written in "
                       f"--format {shared['fmt']} (use -o FILE.tex, .md or .json for that)",
                       err=True)
            sys.exit(2)
        write = _draw(output)
        shared = {**shared, "fmt": "dot"}
    _run_shared(lambda opts, where: api_graph(expr, at, where=where, name=name, options=opts),
                shared, write)


def _draw(output: str) -> Callable[[str], None]:
    """A writer that draws DOT source into ``output`` (svg, png or pdf) with Graphviz."""
    import shutil

    exe = shutil.which("dot")
    if exe is None:
        click.echo(f"error: drawing {output} needs Graphviz's 'dot' program, which is not "
                   "installed (install graphviz, or write the source with --format dot "
                   "-o graph.dot)", err=True)
        sys.exit(2)

    def write(source: str) -> None:
        import subprocess
        kind = output.rsplit(".", 1)[-1].lower()
        from .edge import printable, write_output
        try:       # dot writes to a pipe: the file is written (and checked) here
            proc = subprocess.run([exe, f"-T{kind}"], input=source.encode("utf-8"),
                                  capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            click.echo(f"error: dot failed: {exc}", err=True)
            sys.exit(2)
        if proc.returncode != 0 or not proc.stdout:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            click.echo(f"error: dot could not draw {printable(output)}: "
                       f"{printable((message or ['(no output)'])[0])}", err=True)
            sys.exit(2)
        try:
            write_output(output, proc.stdout)
        except MatcalcError as exc:
            _fail(exc)

    return write


@main.command()
@click.option("--format", "fmt", type=click.Choice(("text", "markdown")), default="text",
              show_default=True, help="text: one rule a line; markdown: the table of docs/rules.md.")
def rules(fmt: str) -> None:
    """List the rule catalogue: each rule's name and its identity."""
    from .rules import RULES

    if fmt == "markdown":
        from .render.catalogue import catalogue_markdown
        click.echo(catalogue_markdown())
        return
    width = max(len(r.name) for r in RULES.values())
    for r in RULES.values():
        click.echo(f"{r.name:<{width}}  {r.identity}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; anything but loopback is reachable from other "
              "machines (a warning is printed).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port (0: a free one, printed).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the browser.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: one per core, at least 2).")
@click.option("--time-limit", type=FiniteFloat(0.5, 600), default=10.0, show_default=True,
              help="Seconds one request may compute (past them: 504, worker replaced).")
@click.option("--memory-limit", type=click.IntRange(256, 65536), default=1024,
              show_default=True, help="MiB of address space per worker (RLIMIT_AS).")
@click.option("--max-pending", type=click.IntRange(1, 10000), default=64, show_default=True,
              help="Requests computing or waiting at once (past them: 429).")
def serve(host: str, port: int, open_browser: bool, workers: int | None, time_limit: float,
          memory_limit: int, max_pending: int) -> None:
    """The web app and its JSON API, on this machine.

    \b
    Rendered steps in the browser and POST /api/<kind> answering the CLI's
    JSON (docs/web.md). Needs the web extra: pip install "matcalc[web]".
      matcalc serve
      matcalc serve --port 8000 --open
    """
    try:
        from .web.server import serve as run_server
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        click.echo(f"error: matcalc serve needs the web extra ({exc.name} is missing): "
                   "pip install \"matcalc[web]\"", err=True)
        sys.exit(2)
    try:
        run_server(host, port, open_browser, workers, time_limit, memory_limit * 2 ** 20,
                   max_pending, echo=click.echo)
    except OSError as exc:
        click.echo(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass


# ----------------------------------------------------------------------------- notes

#: Exit status of `matcalc notes` when the document was written but is not all right.
EXIT_INCOMPLETE = 1


def _fail(exc: MatcalcError) -> None:
    click.echo(exc.format(), err=True)
    sys.exit(exc.exit_code)


def _write_text(text: str, output: str) -> None:
    """Write ``text`` to ``output``; exit 2 naming the path unless every byte was written."""
    from .edge import write_output

    try:
        write_output(output, text if text.endswith("\n") else text + "\n")
    except MatcalcError as exc:
        _fail(exc)


def _write_document(tex: str, output: str | None, latex_seconds: float | None = None) -> None:
    """stdout, a .tex file, or (``-o x.pdf``) a PDF compiled by latexmk or pdflatex in at
    most ``latex_seconds`` (default: notes.pdf.LATEX_SECONDS)."""
    if output is None:
        click.echo(tex, nl=not tex.endswith("\n"))
    elif output.lower().endswith(".pdf"):
        from .notes.pdf import LATEX_SECONDS, compile_pdf
        try:
            compile_pdf(tex, output, latex_seconds or LATEX_SECONDS)
        except MatcalcError as exc:
            _fail(exc)
        except OSError as exc:
            click.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
            sys.exit(2)
    else:
        _write_text(tex, output)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=OUTPUT,
              help="Write to FILE: .tex for LaTeX, .pdf to compile it (latexmk or pdflatex); "
                   "default: the LaTeX on standard output.")
@click.option("--keep-going", is_flag=True, help="A derivation that fails is reported and "
              "marked in the document; the others are still written (exit status 1).")
@click.option("--latex-timeout", type=FiniteFloat(1, 3600), default=60, show_default=True,
              help="Seconds pdflatex may take in all for -o FILE.pdf (past them: exit 2).")
@click.option("--solutions", type=OUTPUT, metavar="FILE", help="Write the worked solutions "
              "of the exercises (entries with exercise = true) to FILE (.tex or .pdf) instead "
              "of an appendix of the handout.")
def notes(file: str, output: str | None, keep_going: bool, latex_timeout: float,
          solutions: str | None) -> None:
    """Lecture notes: turn a notes FILE (TOML) into one LaTeX document.

    \b
    The file has a title and sections; each section has prose and derivations
    (derive, grad, jacobian ...) with their options and notation (see
    docs/notes-format.md; `matcalc examples handout` prints a complete sample).
    Derivations are numbered, every step names its rule, every result has a
    verification footnote.
      matcalc notes handout.toml -o handout.tex
      matcalc notes handout.toml -o handout.pdf
      matcalc notes handout.toml --keep-going -o handout.tex

    \b
    Exit status: 0 written and every result verified; 1 written, but a numeric
    check failed or (--keep-going) a derivation failed; 2 a bad notes file (the
    message names file, line and entry) or a derivation with bad input; 3 no rule
    applies to a derivation.
    """
    from .notes import build, load_notes, render_solutions

    try:
        doc = load_notes(file)
        tex, outcomes = build(doc, keep_going=keep_going,
                              separate_solutions=solutions is not None)
    except MatcalcError as exc:
        _fail(exc)
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        click.echo(f"internal error ({type(exc).__name__}): {exc}. Please report it.", err=True)
        sys.exit(EXIT_INTERNAL)
    failed = [o for o in outcomes if o.error is not None]
    for o in failed:
        click.echo(o.error.format(), err=True)
    _write_document(tex, output, latex_timeout)
    if solutions is not None:
        _write_document(render_solutions(doc, outcomes), solutions, latex_timeout)
    unverified = [o for o in outcomes if o.derivation is not None
                  and getattr(o.derivation.verification, "status", "") == "failed"]
    if output:
        n = len(outcomes)
        state = ("all verified numerically" if not failed and not unverified else
                 f"{len(failed)} failed, {len(unverified)} failed the numeric check")
        click.echo(f"wrote {output}: {n} derivation{'s' * (n != 1)} in {len(doc.sections)} "
                   f"section{'s' * (len(doc.sections) != 1)}, {state}")
    sys.exit(EXIT_INCOMPLETE if failed or unverified else 0)


# ----------------------------------------------------------------------------- examples

@main.group()
def examples() -> None:
    """The gallery: every worked example of the source lecture notes.

    \b
      matcalc examples list
      matcalc examples run
      matcalc examples run ln_sin_cube_squared
      matcalc examples render jacobian_f_g --format latex --standalone -o j.tex
      matcalc examples handout -o handout.toml
    """


@examples.command("list")
def examples_list() -> None:
    """List the examples: name, kind and where in the notes it comes from."""
    from .gallery import examples as all_examples

    rows = all_examples()
    width = max(len(e.name) for e in rows)
    kinds = max(len(e.kind) for e in rows)
    for e in rows:
        click.echo(f"{e.name:<{width}}  {e.kind:<{kinds}}  {e.source}")


@examples.command("run")
@click.argument("names", nargs=-1, metavar="[NAME]...")
def examples_run(names: tuple[str, ...]) -> None:
    """Re-derive and re-verify every example (or those named): a table of name, kind,
    verified, whether it agrees with the notes' own answer, and time.

    Exit status 1 when an example fails its numeric check, disagrees with the notes or
    errs."""
    from .gallery import run

    try:
        rows = run(names or None)
    except MatcalcError as exc:
        _fail(exc)
    width = max([len(r.name) for r in rows] + [4])
    click.echo(f"{'name':<{width}}  {'kind':<8}  {'verified':<8}  {'notes':<5}  time")
    for r in rows:
        click.echo(f"{r.name:<{width}}  {r.kind:<8}  {r.verified:<8}  {r.seed:<5}  "
                   f"{r.seconds * 1000:7.1f} ms")
    bad = [r for r in rows if r.verified not in ("passed", "skipped") or r.seed == "no"]
    total = sum(r.seconds for r in rows)
    verified = sum(r.verified == "passed" for r in rows)
    compared = [r for r in rows if r.seed != "-"]
    click.echo(f"{verified} of {len(rows)} verified; {sum(r.seed == 'yes' for r in compared)} "
               f"of {len(compared)} agree with the notes' own answer ({total:.2f} s)")
    for r in bad:
        if r.message:
            click.echo(f"{r.name}: {r.message}", err=True)
    sys.exit(1 if bad else 0)


@examples.command("render")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="latex", show_default=True,
              help="Output format.")
@click.option("--standalone", is_flag=True, help="LaTeX: a complete document for pdflatex "
              "(implied by -o FILE.pdf).")
@click.option("--notation", "notation_items", multiple=True, metavar="KEY=VALUE",
              help="LaTeX notation, e.g. detail=brief, sigmoid=operatorname, partial=true, "
                   "bold_vectors=true, naming=u (may be repeated; see docs/notes-format.md).")
@click.option("-o", "--output", type=OUTPUT,
              help="Write to FILE instead of standard output; FILE.pdf compiles the LaTeX.")
def examples_render(name: str, fmt: str, standalone: bool, notation_items: tuple[str, ...],
                    output: str | None) -> None:
    """Derive one example and print it (LaTeX by default).

    \b
      matcalc examples render ln_sin_cube_squared --notation detail=brief
      matcalc examples render activation_jacobian -o activation.pdf
    """
    from .gallery import derive_example, find
    from .options import Options

    try:
        notation = _notation(notation_items)
        d = derive_example(find(name), options=Options(standalone=standalone))
        if output and output.lower().endswith(".pdf"):
            _write_document(d.to_latex(standalone=True, notation=notation), output)
            return
        text = d.to_latex(notation=notation) if fmt == "latex" else _render(d, fmt)
    except MatcalcError as exc:
        _fail(exc)
    if output:
        _write_text(text, output)
    else:
        click.echo(text)


def _notation(items: tuple[str, ...]):
    """``("detail=brief", "partial=true")`` -> a Notation (InputError for a bad item)."""
    from .errors import InputError
    from .render.notation import CHOICES, Notation

    changes: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in CHOICES:
            raise InputError(f"--notation expects KEY=VALUE with KEY one of "
                             f"{', '.join(CHOICES)}, got {item!r}")
        if isinstance(CHOICES[key][0], bool):
            if value.lower() not in ("true", "false"):
                raise InputError(f"--notation {key} must be true or false, got {value!r}")
            changes[key] = value.lower() == "true"
        else:
            changes[key] = value
    return Notation().updated(changes)


@examples.command("handout")
@click.option("-o", "--output", type=OUTPUT,
              help="Write to FILE instead of standard output.")
def examples_handout(output: str | None) -> None:
    """Print the sample notes file (a complete handout, see docs/notes-format.md)."""
    from .gallery import sample_handout

    text = sample_handout()
    if output:
        _write_text(text, output)
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":
    main()
