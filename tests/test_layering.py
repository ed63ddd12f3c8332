"""The layering the design promises, read from the source: no import cycle in gateway/, headless packages never
import the screens or Kivy, and the neutral packages import no part of the kiosk or the gateway."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

HEADLESS = ("kiosk", "peripherals", "offline_cache", "config", "catalog", "pdfparts", "secrethash", "masking")
NEUTRAL = ("catalog", "pdfparts", "secrethash", "masking")  # shared by kiosk, screens and gateway: they import none of them
PARTS = ("kiosk", "screens", "gateway", "peripherals", "offline_cache", "config", "kiosk_testkit")
UI = ("screens", "kivy")
# The one place a headless package still reaches the UI: the kiosk process's composition root starts the Kivy app
# (inside functions, only on the UI path). (file, function) pairs; nothing else may.
UI_LAUNCH = {("kiosk/app.py", "run_kiosk"), ("kiosk/app.py", "_run_ui")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: frozenset[str] = frozenset()) -> list[tuple[str, str | None]]:
    """(imported module, enclosing function or None) for every import in a file, at any depth; `from m import n`
    counts as importing m.n where that is one of `modules`, else as importing m."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = ".".join(package[:len(package) - child.level + 1]) if child.level else ""
                module = ".".join(filter(None, [base, child.module]))
                for alias in child.names:
                    submodule = f"{module}.{alias.name}"
                    found.append((submodule if submodule in modules else module, function))
            visit(child, inner)
    visit(tree, None)
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, at any depth (a deferred import is still a cycle)."""
    files = {module_name(p): p for p in (REPO / package).rglob("*.py")}
    modules = frozenset(files)
    return {name: {target for target, _ in imports_of(path, modules) if target in modules} - {name, package}
            for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))
    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(found)


def test_the_cycle_finder_finds_a_cycle_and_passes_a_chain():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_import_reader_sees_deferred_and_relative_imports(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.REPO", tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("from .a import f\n")
    assert cycles(import_graph("pkg")) == [["pkg.a", "pkg.b"]]


def test_the_gateway_has_no_import_cycle():
    assert cycles(import_graph("gateway")) == []


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_packages_never_import_the_screens_or_kivy(package):
    offending = []
    for path in sorted((REPO / package).rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        for target, function in imports_of(path):
            if target.split(".")[0] in UI and (relative, function) not in UI_LAUNCH:
                offending.append(f"{relative}: {target} (in {function or 'the module'})")
    assert offending == []


@pytest.mark.parametrize("package", NEUTRAL)
def test_neutral_packages_import_no_part_of_the_kiosk_or_the_gateway(package):
    offending = sorted({f"{path.relative_to(REPO).as_posix()}: {target}"
                        for path in (REPO / package).rglob("*.py") for target, _ in imports_of(path)
                        if target.split(".")[0] in PARTS})
    assert offending == []
