"""The package's layers, as docs/architecture.md states them, checked against the code.

Imports are read from the source (module level and inside functions, but not under
``if TYPE_CHECKING:``), so a function-local import cannot hide a cycle.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "matcalc"

#: The one documented lazy delegate: Derivation.to_* -> the format table.
DELEGATES = {("matcalc.derivation", "matcalc.render")}
#: Layer -> module prefixes it must never import.
FORBIDDEN = {
    "matcalc.engine": ("matcalc.render", "matcalc.api", "matcalc.kinds", "matcalc.pipeline",
                       "matcalc.derivation", "matcalc.cli", "matcalc.notes",
                       "matcalc.gallery", "matcalc.rules", "matcalc.matrix"),
    "matcalc.rules": ("matcalc.render", "matcalc.api", "matcalc.kinds", "matcalc.pipeline",
                      "matcalc.derivation", "matcalc.cli", "matcalc.notes", "matcalc.gallery"),
    "matcalc.render": ("matcalc.api", "matcalc.kinds", "matcalc.pipeline", "matcalc.cli",
                       "matcalc.notes", "matcalc.gallery"),
    "matcalc.verify": ("matcalc.render.text", "matcalc.render.latex", "matcalc.api",
                       "matcalc.kinds", "matcalc.pipeline", "matcalc.cli"),
    "matcalc.ops": ("matcalc.render", "matcalc.parse", "matcalc.api", "matcalc.kinds",
                    "matcalc.rules", "matcalc.engine", "matcalc.verify"),
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the matcalc modules it imports (anywhere but under TYPE_CHECKING)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in modules.items():
        tree = ast.parse(path.read_text())
        hidden = {id(n) for node in ast.walk(tree)
                  if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                  for n in ast.walk(node)}
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")
                if node.level:
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                names = [f"{target}.{a.name}" for a in node.names]
                candidates = [n for n in names if n in modules] or [target]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            for c in candidates:
                while c and c not in modules:
                    c = c.rpartition(".")[0]
                if c and c != mod:
                    graph[mod].add(c)
    return graph


MODULES = _modules()
GRAPH = _imports(MODULES)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in sorted(MODULES):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycle_beyond_the_documented_delegate() -> None:
    graph = {m: {t for t in targets
                 if not any(m == a and t.startswith(b) for a, b in DELEGATES)}
             for m, targets in GRAPH.items()}
    graph = defaultdict(set, graph)
    assert _cycles(graph) == []


def test_the_delegate_is_the_only_way_from_the_record_to_the_renderers() -> None:
    assert {t for t in GRAPH["matcalc.derivation"] if t.startswith("matcalc.")} <= {
        "matcalc.engine.step", "matcalc.options", "matcalc.render"}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_downward_only(layer: str) -> None:
    bad = sorted((m, t) for m, targets in GRAPH.items()
                 if m == layer or m.startswith(layer + ".")
                 for t in targets if t.startswith(FORBIDDEN[layer]))
    assert bad == []


def test_the_web_layer_sits_on_top() -> None:
    """matcalc.web is a layer over the API: nothing below imports it (only the CLI's
    serve command), and it imports no CLI."""
    up = sorted((m, t) for m, targets in GRAPH.items()
                if not m.startswith("matcalc.web") and m != "matcalc.cli"
                for t in targets if t.startswith("matcalc.web"))
    assert up == []
    cli = sorted((m, t) for m, targets in GRAPH.items() if m.startswith("matcalc.web")
                 for t in targets if t.startswith("matcalc.cli"))
    assert cli == []


def test_a_kind_is_a_plugin_in_the_registry() -> None:
    from matcalc.kinds import EXTRA_PLUGINS, KINDS, plugin
    from matcalc.pipeline import Plugin
    for name in [*KINDS, *EXTRA_PLUGINS]:
        p = plugin(name)
        assert isinstance(p, Plugin) and callable(p.read) and callable(p.build)
    # every module of kinds/ but the registry and the request resolver is a kind
    kind_modules = {m.rpartition(".")[2] for m in MODULES if m.startswith("matcalc.kinds.")}
    used = {v.partition(":")[0].rpartition(".")[2]
            for v in [*(k.plugin for k in KINDS.values()), *EXTRA_PLUGINS.values()]}
    assert kind_modules - {"request"} == used


def test_architecture_doc_lists_every_module() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    listed = set(re.findall(r"^\| `(matcalc/[\w/]+\.(?:py|toml))` \|", text, re.M))
    actual = {str(p.relative_to(ROOT)) for p in MODULES.values()}
    actual |= {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.toml")}
    assert sorted(actual - listed) == [], "modules missing from docs/architecture.md"
    assert sorted(listed - actual) == [], "docs/architecture.md lists modules that are gone"
