"""The layout's arrows point inward (docs/architecture.md), read from the source.

Every import counts: module level, inside functions, under ``TYPE_CHECKING``, and
``importlib.import_module("…")`` with a literal name. A module may import its own layer
and the layers below it; the simulator stands apart (it plays WeCom, which knows nothing
of us) and only the demo, tests and benchmarks may use it; there is no cycle among
product modules.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("wecom_app", "callbacks", "sidebar")

# Lowest first. The first prefix that matches a module names its layer (longest wins).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("protocol", ("wecom_app.protocol",)),
    (
        "foundation",
        (
            "wecom_app.config",
            "wecom_app.logs",
            "wecom_app.metrics",
            "wecom_app.secretbox",
            "wecom_app.signals",
            "wecom_app.kv",
            "wecom_app.store",
            "wecom_app.wecom",
        ),
    ),
    ("core", ("wecom_app",)),
    (
        "faces",
        (
            "callbacks",
            "sidebar",
            "wecom_app.consoles",
            "wecom_app.jobs",
            "wecom_app.commands",
            "wecom_app.path_ids",
        ),
    ),
    ("roots", ("wecom_app.app", "wecom_app.cli", "wecom_app.demo", "wecom_app.runtime")),
)
SIMULATOR = "wecom_app.simulator"
SIMULATOR_USERS = ("wecom_app.demo",)
"""Product modules allowed to import the simulator (the demo command)."""
SIMULATOR_MAY_USE = ("protocol",)
"""Layers the simulator may import: WeCom's formats, nothing of our product."""

# Capabilities that react to one another's events register as listeners at the root
# instead of importing each other (DESIGN: "search listens to archive").
FORBIDDEN: tuple[tuple[str, str], ...] = (
    ("wecom_app.archive", "wecom_app.search"),
    ("wecom_app.directory", "wecom_app.sync"),
    ("wecom_app.store", "wecom_app.services"),
)


def _is_within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = module_files(root)
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _imported_names(tree, module, path.name == "__init__.py"):
            # "from pkg import name" names a submodule when one exists, else the package;
            # a module's own ancestors are already imported when it runs.
            target = _resolve(name, modules)
            if target and not _is_within(module, target):
                edges[module].add(target)
    for module in modules:
        edges.setdefault(module, set())
    return dict(edges)


def layer_of(module: str) -> str:
    if _is_within(module, SIMULATOR):
        return "simulator"
    best, best_len = "", -1
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if _is_within(module, prefix) and len(prefix) > best_len:
                best, best_len = name, len(prefix)
    return best


RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}


def violations(edges: Mapping[str, set[str]]) -> list[str]:
    found: list[str] = []
    for module, targets in sorted(edges.items()):
        source = layer_of(module)
        for target in sorted(targets):
            aim = layer_of(target)
            if aim == "simulator":
                if source != "simulator" and not any(
                    _is_within(module, user) for user in SIMULATOR_USERS
                ):
                    found.append(f"{module} -> {target}: only the demo may use the simulator")
                continue
            if source == "simulator":
                if aim not in SIMULATOR_MAY_USE:
                    found.append(f"{module} -> {target}: the simulator may use only the protocol")
                continue
            if RANK[aim] > RANK[source]:
                found.append(f"{module} ({source}) -> {target} ({aim}): points outward")
            for low, high in FORBIDDEN:
                if _is_within(module, low) and _is_within(target, high):
                    found.append(f"{module} -> {target}: {low} must not know {high}")
    return found


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in module_files() if not layer_of(m)]
    assert unplaced == []


def test_arrows_point_inward() -> None:
    found = violations(import_graph())
    assert not found, "\n".join(found)


def test_no_cycles_among_product_modules() -> None:
    found = cycles(import_graph())
    assert not found, "\n".join(" <-> ".join(c) for c in found)


def test_the_checks_catch_what_they_are_for() -> None:
    """The rules themselves, on a made-up graph: each kind of wrong arrow is reported."""
    edges = {
        "wecom_app.protocol.xml": {"wecom_app.config"},
        "wecom_app.store.models": {"wecom_app.services"},
        "wecom_app.archive.writer": {"wecom_app.search.ingest"},
        "wecom_app.search.ingest": set(),
        "wecom_app.config": set(),
        "wecom_app.services": set(),
        "callbacks.worker": {"wecom_app.app"},
        "wecom_app.app": set(),
        "sidebar.preview": {"wecom_app.simulator.state"},
        "wecom_app.simulator.state": {"wecom_app.store.models"},
        "wecom_app.demo": {"wecom_app.simulator.state"},
    }
    found = "\n".join(violations(edges))
    assert "wecom_app.protocol.xml (protocol) -> wecom_app.config" in found
    assert "wecom_app.store.models (foundation) -> wecom_app.services (core)" in found
    assert "wecom_app.archive must not know wecom_app.search" in found
    assert "callbacks.worker (faces) -> wecom_app.app (roots)" in found
    assert "sidebar.preview -> wecom_app.simulator.state: only the demo" in found
    assert "wecom_app.simulator.state -> wecom_app.store.models" in found
    assert "wecom_app.demo ->" not in found
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_graph_sees_local_and_type_checking_imports(tmp_path: Path) -> None:
    package = tmp_path / "wecom_app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from wecom_app import b\n"
        "def f():\n    from wecom_app.c import thing\n"
        "def g():\n    import importlib\n    importlib.import_module('wecom_app.d')\n"
    )
    for name in ("b", "c", "d"):
        (package / f"{name}.py").write_text("thing = 1\n")
    for other in ("callbacks", "sidebar"):
        (tmp_path / other).mkdir()
    assert import_graph(tmp_path)["wecom_app.a"] == {"wecom_app.b", "wecom_app.c", "wecom_app.d"}
