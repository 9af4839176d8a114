"""Which packages may import which: every module under src/traceobject, parsed with ``ast``.

Every import counts, wherever it is in the file (module level, inside a function, under
``if TYPE_CHECKING``): an import inside a function is still code that runs in some process.
A failure names the offending import as ``file:line``. To change a rule, change the tables
below; a deliberate exception goes into EXCEPTIONS with the reason it is safe.

The rules (see README, "For whoever carries the project on"):

1. ALLOWED: what each package may import from traceobject (anything not listed fails).
2. DJANGO_FREE: vision/, search/ and geo/ import nothing from Django (nor Django add-ons),
   so workers, the CLI and the benchmarks use them directly and their tests need no database.
   core.countries (the one country list, which geo reads) is Django-free too, and a LEAF:
   it imports nothing of traceobject, so reading it brings nothing else along.
3. MODELS: an app's models.py imports only other apps' models and core, never services,
   selectors, tasks or views.
4. EDGE: everything the edge's modules import, followed through every import, stays clear of
   the core's code (evidence, triage, routing, clues, back office, audit, exports, accounts,
   the core half of sync). tests/sync/test_role_boundary.py checks the same at run time in a
   real edge process; this test checks the code paths that run seldom too.
5. Nothing under src/ imports tests/ or bench/ (the benchmarks, and the tools that build
   data files and evaluate the estimate at development time, live in bench/).
6. CYCLES: no two packages import each other, directly or round a longer cycle (the
   package-level graph has no cycle), and vision/, search/ and geo/ have no import cycle
   between their modules either. A package that must tell one above it that something
   happened sends a Django signal the other connects (evidence.signals, tips.signals).

No database: this test reads files only.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "traceobject"

# --------------------------------------------------------------------------- the tables

#: package (or top-level module) -> traceobject modules it may import (prefixes; a package's
#: own modules are always allowed).
ALLOWED: dict[str, tuple[str, ...]] = {
    # Django-free libraries: each only itself (search reads PDQ hashes from vision.hashing,
    # and verifies same-object candidates on the local features of vision.features).
    "vision": (),
    "search": ("vision.hashing", "vision.features"),
    # geo reads the one country list (a Django-free leaf, see LEAVES) that the apps check.
    "geo": ("core.countries",),
    # Shared ground: env, crypto, errors, reference data, page cache, the scheduler.
    "core": (),
    # Apps.
    "accounts": ("core", "audit.services", "routing.models"),
    "audit": ("core", "accounts.roles"),
    "catalog": ("core", "accounts.roles", "audit.services", "vision.decode",
                "vision.gate_context"),
    "tips": ("core", "catalog.models", "catalog.selectors", "accounts.roles",
             "audit.services", "routing.models", "geo"),
    "routing": ("core", "accounts.roles", "audit.services", "catalog", "tips"),
    "evidence": ("core", "accounts.roles", "audit.services", "catalog", "vision", "search"),
    "clues": ("core", "accounts.roles", "audit.services", "catalog.models", "evidence.models",
              "evidence.crops", "evidence.signals", "tips.models", "tips.signals", "geo",
              "vision"),
    "exports": ("core", "accounts.roles", "audit.services", "catalog.models", "tips.models"),
    "sync": ("core", "audit.services", "catalog.models", "catalog.selectors", "tips.models",
             "tips.intake", "tips.once"),
    # The web layers (tips.once: the one-time keys of the public side's posts).
    # sync.selectors: an edge's privacy notice states its cores' retention periods.
    "public": ("core", "catalog.models", "catalog.selectors", "tips.intake", "tips.once",
               "sync.selectors"),
    "api": ("core", "accounts.roles", "accounts.tokens", "audit.services", "catalog",
            "clues.selectors", "evidence.models", "routing", "tips"),
    "internal": ("core", "accounts", "audit", "catalog", "clues", "evidence", "exports",
                 "routing", "sync.selectors", "sync.services", "tips"),
    # Demo data is loaded through the services, like a user would.
    "demo": ("core", "accounts", "catalog", "evidence", "routing", "tips"),
    # Entry points.
    "settings": ("core",),
    "urls": ("urls_core", "urls_edge"),  # role all: made of the two roles' pieces
    "urls_core": ("core.views", "public", "api.internal", "urls_edge"),
    "urls_edge": ("core.views", "public", "api.urls", "sync.views"),
    "wsgi": ("core",),
    "cli": ("core", "accounts.services", "audit.services", "demo", "evidence", "geo", "sync",
            "vision"),
}

DJANGO_FREE = ("vision", "search", "geo", "core.countries", "core.translation")
#: Modules that import nothing of traceobject (the Django-free packages may read them).
#: core.translation: the tip translation engine (a local model; the worker and the CLI).
LEAVES = ("core.countries", "core.translation")
DJANGO_PACKAGES = ("django", "ninja", "django_otp", "django_tasks", "django_tasks_db", "csp",
                   "storages", "whitenoise")

#: The edge's own modules (README, "Deployment: edge and core"); rule 4 starts from these.
EDGE_ROOTS = ("urls_edge", "public", "api.public", "api.urls", "tips.intake",
              "catalog.selectors", "sync.edge", "sync.views", "settings", "wsgi")
#: What the edge must never reach (tests/sync/test_role_boundary.py's list).
EDGE_FORBIDDEN = (
    "evidence", "routing", "clues", "geo", "internal", "accounts", "audit", "exports",
    "vision", "search", "demo", "tips.services", "tips.analysis", "tips.tasks",
    "tips.clustering", "tips.retention", "tips.selectors", "catalog.services",
    "catalog.staff_selectors", "sync.core", "sync.loop", "sync.tasks", "api.internal", "cli",
)

#: (importing module, imported module) -> why this import is allowed although a rule says no
#: (an import listed here is left out of the package graph of rule 6 too).
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("core.checks", "sync.config"):
        "`manage check --deploy` validates the peers file of an edge or a core; sync.config "
        "is the edge's own peers reader (no core code), imported inside the check.",
    ("settings", "evidence.storage_settings"):
        "imported under `if not EDGE`: the evidence store is configured on a core only.",
    ("tips.intake", "tips.tasks"):
        "imported inside schedule_opening(), which _opening_after_commit() calls only "
        "where `not settings.EDGE` (the edge never opens tips; its core pulls them).",
    # Rule 6: the role names are shared ground. accounts.roles holds them and has_role over
    # Django groups and imports no other app; every app checks roles with it.
    ("audit.services", "accounts.roles"):
        "audit_verify_record checks that an auditor or administrator asks (inside the "
        "function); accounts records its events through audit.services like every app.",
    ("accounts.services", "routing.models"):
        "a liaison officer is bound to one Authority (StaffProfile.authority): creating "
        "staff and setting roles check it; routing itself imports only accounts.roles.",
    ("accounts.selectors", "routing.models"):
        "the staff pages list the Authorities a liaison officer may be bound to (as "
        "accounts.services).",
    ("tips.services", "routing.models"):
        "an off-topic report is referred to the referral channel an Authority publishes "
        "(referral_authorities, inside the function), while routing forwards tips through "
        "tips.services. To tidy: move tip_refer and referral_authorities to routing.services.",
}

# --------------------------------------------------------------------------- the parser


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, without "traceobject."
    target: str  # the imported module (full dotted name)
    path: Path
    line: int

    def __str__(self) -> str:
        where = self.path.relative_to(SRC.parent)
        return f"{where}:{self.line}: {self.module} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _module_files() -> dict[str, Path]:
    """Every module under src/traceobject (migrations too: they import models)."""
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_module(dotted: str) -> bool:
    """Is traceobject's ``dotted`` (without "traceobject.") a module or package?"""
    return dotted in _module_files()


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = ["traceobject", *module.split(".")] if module else ["traceobject"]
    if not is_package:
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    """Every import in ``module``'s file, anywhere in it; ``from a import b`` where a.b is
    a module counts as importing a.b."""
    path = _module_files()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, path, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, path.name == "__init__.py")
            for alias in node.names:
                full = f"{base}.{alias.name}"
                inner = full.removeprefix("traceobject.")
                target = full if full.startswith("traceobject.") and _is_module(inner) else base
                found.append(Import(module, target, path, node.lineno))
    return tuple(sorted(set(found), key=lambda i: (i.line, i.target)))


def _internal(target: str) -> str | None:
    """traceobject.x.y -> "x.y"; None for other packages (and for "traceobject" itself)."""
    if not target.startswith("traceobject."):
        return None
    return target.removeprefix("traceobject.")


def _under(name: str, prefixes: tuple[str, ...] | list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _package(module: str) -> str:
    return module.split(".")[0]


def _excepted(imp: Import, target: str) -> bool:
    return any(imp.module == src and _under(target, (dst,)) for src, dst in EXCEPTIONS)


def _report(title: str, bad: list[str]) -> str:
    return f"{title}:\n  " + "\n  ".join(bad)


# --------------------------------------------------------------------------- the rules


def test_every_module_parses_and_every_package_has_a_rule() -> None:
    modules = _module_files()
    assert len(modules) > 100, f"found only {len(modules)} modules under {ROOT}"
    for module in modules:
        imports_of(module)  # a syntax error fails here, naming the file
    packages = {_package(m) for m in modules if m and "migrations" not in m.split(".")}
    missing = sorted(packages - set(ALLOWED) - {"locale"})
    assert not missing, f"no import rule for {missing}: add them to ALLOWED in {__file__}"


def test_each_package_imports_only_what_its_rule_allows() -> None:
    bad = []
    for module in _module_files():
        if not module or "migrations" in module.split("."):
            continue
        package = _package(module)
        allowed = (package, *ALLOWED.get(package, ()))
        for imp in imports_of(module):
            target = _internal(imp.target)
            if target is None or _under(target, allowed) or _excepted(imp, target):
                continue
            bad.append(f"{imp}  (ALLOWED[{package!r}] = {ALLOWED.get(package, ())})")
    assert not bad, _report("imports that the table does not allow", bad)


def test_django_free_packages_import_no_django() -> None:
    bad = [
        str(imp)
        for module in _module_files()
        if _under(module, DJANGO_FREE)
        for imp in imports_of(module)
        if _under(imp.target, DJANGO_PACKAGES)
    ]
    assert not bad, _report(f"{', '.join(DJANGO_FREE)} must not import Django", bad)


def test_leaves_import_nothing_of_traceobject() -> None:
    assert all(_is_module(leaf) for leaf in LEAVES), LEAVES
    bad = [str(imp) for leaf in LEAVES for imp in imports_of(leaf) if _internal(imp.target)]
    assert not bad, _report(f"{', '.join(LEAVES)} must import nothing of traceobject", bad)


def test_models_import_only_models_and_core() -> None:
    bad = []
    for module in _module_files():
        if not (module.endswith(".models") or ".models." in module):
            continue
        for imp in imports_of(module):
            target = _internal(imp.target)
            if target is None or _excepted(imp, target):
                continue
            if not (target.endswith(".models") or _under(target, ("core",))):
                bad.append(str(imp))
    assert not bad, _report("models may import only models and core", bad)


def _edge_reach() -> dict[str, Import | None]:
    """Every traceobject module the edge's modules import, transitively, through every
    import not in EXCEPTIONS -> the import that first reached it (None for a root)."""
    roots = [m for m in _module_files() if _under(m, EDGE_ROOTS)]
    reached: dict[str, Import | None] = dict.fromkeys(roots)
    queue = list(roots)
    while queue:
        module = queue.pop()
        for imp in imports_of(module):
            target = _internal(imp.target)
            if target is None or _excepted(imp, target):
                continue
            # importing a.b.c runs a/__init__.py and a/b/__init__.py too
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                name = ".".join(parts[:i])
                if _is_module(name) and name not in reached:
                    reached[name] = imp
                    queue.append(name)
    return reached


def _chain(reached: dict[str, Import | None], module: str) -> str:
    steps = []
    imp = reached[module]
    while imp is not None:
        steps.append(str(imp))
        imp = reached[imp.module]
    return "\n    via ".join(steps)


def test_the_edge_reaches_no_core_code() -> None:
    reached = _edge_reach()
    assert "tips.intake" in reached and "sync.edge" in reached
    bad = list(dict.fromkeys(
        _chain(reached, m) for m in sorted(reached) if _under(m, EDGE_FORBIDDEN)))
    assert not bad, _report("the edge's modules reach core code", bad)


def test_the_edge_reaches_no_core_only_library() -> None:
    """django_otp (staff second factor) and django_tasks (the worker) are core apps."""
    reached = _edge_reach()
    bad = [
        f"{imp}\n    via {_chain(reached, imp.module)}" if reached[imp.module] else str(imp)
        for module in sorted(reached)
        for imp in imports_of(module)
        if _under(imp.target, ("django_otp", "django_tasks", "django_tasks_db"))
        and not _excepted(imp, imp.target)
    ]
    assert not bad, _report("the edge imports core-only libraries", bad)


def test_nothing_in_src_imports_tests_or_bench() -> None:
    bad = [
        str(imp)
        for module in _module_files()
        for imp in imports_of(module)
        if _under(imp.target, ("tests", "bench"))
    ]
    assert not bad, _report("runtime code must not import test or benchmark code", bad)


def test_every_exception_is_still_needed() -> None:
    """An exception whose import is gone must leave the table (it would hide a new one)."""
    used = {
        (imp.module, key[1])
        for module in _module_files()
        for imp in imports_of(module)
        for key in EXCEPTIONS
        if imp.module == key[0]
        and _under(_internal(imp.target) or imp.target, (key[1],))
    }
    stale = sorted(set(EXCEPTIONS) - used)
    assert not stale, f"EXCEPTIONS no longer needed (remove them): {stale}"


def _cycle(graph: dict[str, dict[str, Import]], nodes: set[str]) -> list[str]:
    """A shortest cycle through the first of ``nodes`` (a strongly connected set)."""
    start = min(nodes)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph.get(node, {})):
            if target == start:
                return paths[node] + [start]
            if target in nodes and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    raise AssertionError(f"{sorted(nodes)} is not strongly connected")


def _cycles(graph: dict[str, dict[str, Import]]) -> list[str]:
    """One cycle per strongly connected set of ``graph`` (Tarjan), each as
    "a -> b -> a" with the import that makes each step."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = set()
            while True:
                member = stack.pop()
                members.add(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(members)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    out = []
    for members in found:
        cycle = _cycle(graph, members)
        steps = "\n    ".join(str(graph[a][b]) for a, b in zip(cycle, cycle[1:], strict=False))
        out.append(f"{' -> '.join(cycle)}\n    {steps}")
    return sorted(out)


def _graph(node_of: Callable[[str], str | None]) -> dict[str, dict[str, Import]]:
    """node -> {node it imports: the first import that does}, over every module (not
    migrations) and every import not in EXCEPTIONS; ``node_of`` names a module's node
    (None: left out)."""
    graph: dict[str, dict[str, Import]] = {}
    for module in _module_files():
        source = node_of(module) if module and "migrations" not in module.split(".") else None
        if source is None:
            continue
        for imp in imports_of(module):
            target = _internal(imp.target)
            if target is None or _excepted(imp, target):
                continue
            node = node_of(target)
            if node is not None and node != source:
                graph.setdefault(source, {}).setdefault(node, imp)
    return graph


def test_no_two_packages_import_each_other() -> None:
    """The package graph has no cycle (evidence sends signals the clues app connects, ...)."""
    graph = _graph(_package)
    assert {"clues", "evidence", "tips", "catalog"} <= set(graph)
    cycles = _cycles(graph)
    assert not cycles, _report("packages that import each other (round a cycle)", cycles)


def test_no_import_cycle_inside_the_django_free_packages() -> None:
    """vision/, search/ and geo/ are libraries: their modules import each other one way."""
    def node(module: str) -> str | None:
        return module if _package(module) in DJANGO_FREE and _is_module(module) else None

    cycles = _cycles(_graph(node))
    assert not cycles, _report("modules of a Django-free package in an import cycle", cycles)


def test_the_cycle_finder_names_the_cycle() -> None:
    """A cycle is found and reported with its steps; a graph without one gives nothing."""
    path = ROOT / "x.py"
    edge = {(a, b): Import(a, f"traceobject.{b}", path, 1)
            for a, b in (("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"))}
    graph: dict[str, dict[str, Import]] = {}
    for (a, b), imp in edge.items():
        graph.setdefault(a, {})[b] = imp
    cycles = _cycles(graph)
    assert len(cycles) == 1 and cycles[0].startswith("a -> b -> c -> a\n"), cycles
    assert "a imports traceobject.b" in cycles[0] and "c imports traceobject.a" in cycles[0]
    del graph["c"]["a"]
    assert _cycles(graph) == []


# --------------------------------------------------------------------------- the checker


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    """The parser finds function-level and relative imports and names file and line."""
    module = "sync.views"
    found = {(imp.target, imp.line) for imp in imports_of(module)}
    text = (ROOT / "sync" / "views.py").read_text().splitlines()
    line = next(n for n, ln in enumerate(text, 1) if ln.startswith("from traceobject.sync import"))
    assert ("traceobject.sync.edge", line) in found  # `from traceobject.sync import ... edge`
    lazy = [imp for imp in imports_of("tips.intake") if imp.target == "traceobject.tips.tasks"]
    assert lazy and lazy[0].line > 100, lazy  # the import inside schedule_opening()
    tree = ast.parse("from . import models\nfrom ..core import errors\n")
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert _resolve(nodes[0], "tips.services", False) == "traceobject.tips"
    assert _resolve(nodes[1], "tips.services", False) == "traceobject.core"
    assert str(lazy[0]).startswith("src/traceobject/tips/intake.py:")
