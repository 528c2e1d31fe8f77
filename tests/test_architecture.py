"""The layers of every app hold, and no module imports itself in a circle.

Layers (README, "Where things live"), lowest first:

    domain      <app>/domain/, core/errors.py, core/wire.py — pure: no Django, no I/O
    providers   <app>/providers(.py|/) — adapters to outside services: domain only
    models      <app>/models(.py|/), core's model helpers (audit, crypto, pgcopy, …)
    services    <app>/services(.py|/), <app>/selectors(.py|/), core/versioning/services.py
    inputs      <app>/inputs(.py|/), core/inputs.py, core/fastpath.py — input schemas
    files       <app>/files/, core/files/ — what spreadsheet rows mean
    tasks       <app>/tasks.py — django-q2 entry points
    interfaces  <app>/api/, <app>/admin/, urls, management commands, demo data

A module may import its own layer and the layers below it, never one above; imports inside
functions count as imports. The checker is tested on made-up graphs too, so a broken rule fails
here rather than passing silently.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "policies", "partners", "settlements", "payouts", "invoices", "settlement_site")
THIRD_PARTY_FORBIDDEN_IN_DOMAIN = {
    "django",
    "rest_framework",
    "httpx",
    "requests",
    "socket",
    "os",
    "io",
    "pathlib",
    "logging",
}

LAYERS = (
    "domain",
    "providers",
    "models",
    "services",
    "inputs",
    "files",
    "tasks",
    "interfaces",
    "unplaced",
)
RANK = {name: i for i, name in enumerate(LAYERS)}

CORE_LAYERS = {
    "core.errors": "domain",
    "core.wire": "domain",
    "core.models": "models",
    "core.audit": "models",
    "core.crypto": "models",
    "core.perf": "models",
    "core.iterables": "domain",
    "core.pgcopy": "models",
    "core.history_sql": "models",
    "core.bulk_sql": "models",
    "core.versioning": "models",
    "core.versioning.models": "models",
    "core.versioning.services": "services",
    "core.services": "services",
    "core.webhooks": "models",
    "core.inputs": "inputs",
    "core.fastpath": "inputs",
    "core.tasks": "tasks",
    "core.outbound": "models",
    "core.outbound.events": "domain",
    "core.outbound.sender": "providers",
    "core.outbound.models": "models",
    "core.outbound.services": "services",
    "core.outbound.inputs": "inputs",
    "core.outbound.tasks": "tasks",
    "core.health": "interfaces",
}


def layer_of(module: str) -> str:
    """The layer of a dotted module name (see the module docstring)."""
    if module in CORE_LAYERS:
        return CORE_LAYERS[module]
    parts = module.split(".")
    if parts[0] == "settlement_site":
        return "interfaces"
    inner = parts[1:]
    if not inner:
        return "models"  # an app package's own __init__
    head = inner[0]
    if head == "domain":
        return "domain"
    if head == "providers":
        return "providers"
    if head in ("models", "querysets", "migrations"):
        return "models"
    if head in ("services", "selectors"):
        return "services"
    if head == "inputs":
        return "inputs"
    if head == "files":
        return "files"
    if head == "tasks":
        return "tasks"
    if head in INTERFACES:
        return "interfaces"
    return "unplaced"


# What may sit in an app beside the layer packages; anything else has no layer and fails the test.
INTERFACES = {"api", "admin", "urls", "apps", "management", "demo", "portal"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


def imports_of(module: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(project modules, top-level third-party names) that `path` imports anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    project: set[str] = set()
    external: set[str] = set()

    def add(name: str) -> None:
        if name.split(".")[0] in APPS:
            while name and name not in known:  # `from x.y import Class` -> x.y
                name = name.rpartition(".")[0]
            if name and name != module:
                project.add(name)
        else:
            external.add(name.split(".")[0])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                add(candidate if candidate in known else source)
    return project, external


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = project_modules()
    known = set(modules)
    edges, external = {}, {}
    for name, path in modules.items():
        edges[name], external[name] = imports_of(name, path, known)
    return edges, external


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def layer_violations(edges: dict[str, set[str]]) -> list[str]:
    out = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            if RANK[layer_of(target)] > RANK[layer_of(source)]:
                out.append(f"{source} ({layer_of(source)}) imports {target} ({layer_of(target)})")
    return out


def impure_domain(external: dict[str, Iterable[str]]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in sorted(external.items())
        if layer_of(module) == "domain"
        for name in sorted(set(names) & THIRD_PARTY_FORBIDDEN_IN_DOMAIN)
    ]


# --- the real tree -------------------------------------------------------------------------------


def test_no_import_cycles():
    edges, _ = graph()
    assert cycles(edges) == []


def test_no_module_imports_a_layer_above_its_own():
    edges, _ = graph()
    assert layer_violations(edges) == []


def test_every_module_has_a_layer():
    assert sorted(m for m in project_modules() if layer_of(m) == "unplaced") == []


def test_domain_modules_import_no_django_and_no_io():
    _, external = graph()
    assert impure_domain(external) == []


def test_the_tree_has_the_layers_it_claims():
    modules = set(project_modules())
    for expected in (
        "settlements.domain.calculation",
        "settlements.domain.dates",
        "core.api.errors",
        "core.files.columns",
    ):
        assert expected in modules


# --- the checker itself --------------------------------------------------------------------------


def test_checker_finds_a_cycle_through_an_import_inside_a_function():
    edges = {"a.services.x": {"a.services.y"}, "a.services.y": {"a.services.x"}, "a.models": set()}
    assert cycles(edges) == [["a.services.x", "a.services.y"]]


def test_checker_finds_a_service_importing_the_api():
    edges = {"partners.services.create": {"partners.api.outputs"}, "partners.api.outputs": set()}
    assert layer_violations(edges) == [
        "partners.services.create (services) imports partners.api.outputs (interfaces)"
    ]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("settlements.models", "settlements.services.transfers"),
        ("settlements.domain.calculation", "settlements.models"),
        ("settlements.services.transfers", "settlements.inputs"),
        ("partners.providers.banks", "partners.models"),
        ("policies.selectors", "policies.admin"),
    ],
)
def test_checker_refuses_upward_imports(source, target):
    assert layer_violations({source: {target}, target: set()})


def test_checker_finds_django_in_a_domain_module(tmp_path):
    source = tmp_path / "calc.py"
    source.write_text("from django.db import models\n", encoding="utf-8")
    _, external = imports_of("settlements.domain.calc", source, set())
    assert impure_domain({"settlements.domain.calc": external}) == [
        "settlements.domain.calc imports django"
    ]


def test_checker_resolves_relative_and_from_imports(tmp_path):
    source = tmp_path / "x.py"
    source.write_text(
        "from . import y\nfrom settlements.models import Transfer\n"
        "def f():\n    from settlements.services import transfers\n",
        encoding="utf-8",
    )
    known = {"settlements.api.x", "settlements.api.y", "settlements.models"}
    known |= {"settlements.services", "settlements.services.transfers"}
    project, _ = imports_of("settlements.api.x", source, known)
    assert project == {"settlements.api.y", "settlements.models", "settlements.services.transfers"}
