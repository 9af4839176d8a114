"""House rules that hold for the whole code base, checked on the source with `ast` (no
database). Each rule is its own test function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "traceobject"


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
