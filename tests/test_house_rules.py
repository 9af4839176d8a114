"""House rules that hold for the whole code base, checked on the source with `ast` (no
database). Each rule is its own test function."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "traceobject"


def _public_functions(source: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The module-level functions whose name does not start with `_`."""
    return [node for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and not node.name.startswith("_")]


# --------------------------------------------------------------------------- the acting user

#: (module, function) -> why it may name a parameter `actor`.
ACTOR_ALLOWED = {
    ("audit/services.py", "audit_record"):
        "writes the audit log's `actor` column; the system (None) records events too",
}


def _service_modules() -> list[Path]:
    """services.py, selectors.py and *_selectors.py, also inside packages of that name."""
    return sorted(
        path for path in ROOT.rglob("*.py") if "migrations" not in path.parts
        and (path.name.endswith(("services.py", "selectors.py"))
             or {"services", "selectors"} & set(path.relative_to(ROOT).parts[:-1])))


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = node.args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def test_services_and_selectors_call_the_acting_user_user() -> None:
    """One name for who acts: services and selectors take `user` (a service acting on another
    account names that one `account`), never `actor`."""
    modules = _service_modules()
    assert ROOT / "accounts" / "services.py" in modules  # the search finds them
    assert ROOT / "catalog" / "staff_selectors.py" in modules
    bad, used = [], set()
    for path in modules:
        name = path.relative_to(ROOT).as_posix()
        for function in _public_functions(path.read_text(encoding="utf-8")):
            if "actor" not in _parameters(function):
                continue
            if (name, function.name) in ACTOR_ALLOWED:
                used.add((name, function.name))
            else:
                bad.append(f"src/traceobject/{name}:{function.lineno} {function.name}")
    assert not bad, "take `user`, not `actor`:\n" + "\n".join(bad)
    assert used == set(ACTOR_ALLOWED), f"no longer needed: {set(ACTOR_ALLOWED) - used}"


def test_the_acting_user_check_sees_a_parameter_named_actor() -> None:
    """The checker itself: a keyword-only `actor` is found, `_private` functions are not
    looked at."""
    source = ("def a(*, actor): pass\ndef _b(actor): pass\nasync def c(x, /, actor=None): "
              "pass\ndef d(*, user): pass\nclass E:\n    def f(self, actor): pass\n")
    functions = _public_functions(source)
    assert [f.name for f in functions] == ["a", "c", "d"]
    assert ["actor" in _parameters(f) for f in functions] == [True, True, False]


# --------------------------------------------------------------------------- class names

# Each class name exists once under src/traceobject: "Clue" meaning either the stored row or
# the geo concept made the code ambiguous to read and to search. The geo dataclasses are the
# domain's (geo.Clue, geo.CountryEstimate); the rows that store them are ClueRecord and
# EstimateRecord. Left out: migrations (every one has its Migration) and classes nested in a
# class body (Django's Meta, ninja's Config, an admin's Media: they belong to their class).


def _classes(tree: ast.AST) -> list[ast.ClassDef]:
    """Every class in ``tree`` that is not nested directly in another class's body."""
    found: list[ast.ClassDef] = []

    def visit(node: ast.AST, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                if not in_class:
                    found.append(child)
                visit(child, True)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, False)
            else:
                visit(child, in_class)

    visit(tree, False)
    return found


def class_names(root: Path = ROOT) -> dict[str, list[str]]:
    """Class name -> where it is defined ("file:line"), over every module but migrations."""
    names: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _classes(tree):
            names[node.name].append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return names


def test_each_class_name_exists_once() -> None:
    names = class_names()
    assert len(names) > 100, f"found only {len(names)} class names under {ROOT}"
    assert {"ClueRecord", "EstimateRecord", "Clue", "CountryEstimate", "Case"} <= set(names)
    twice = [f"{name}: {', '.join(where)}" for name, where in sorted(names.items())
             if len(where) > 1]
    assert not twice, "class names defined more than once (rename one):\n  " + \
        "\n  ".join(twice)


def test_the_check_sees_duplicates_and_leaves_inner_classes_out(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "migrations").mkdir(parents=True)
    (package / "a.py").write_text(
        "class Clue:\n    class Meta: ...\n\ndef f():\n    class Local: ...\n")
    (package / "b.py").write_text("class Clue:\n    class Meta: ...\nclass Local: ...\n")
    (package / "migrations" / "0001_x.py").write_text("class Migration: ...\n")
    (package / "migrations" / "0002_y.py").write_text("class Migration: ...\n")
    names = class_names(package)
    assert names == {"Clue": ["pkg/a.py:1", "pkg/b.py:1"],
                     "Local": ["pkg/a.py:5", "pkg/b.py:3"]}
