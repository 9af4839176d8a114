"""Error messages staff and the public see are translatable: parsed with ``ast``, no database.

A ServiceError (or NotFound, RateLimited, or another subclass) raised with a message that is
a plain string literal, an f-string, or a literal joined or formatted with something
(``"Unknown: " + name``, ``"at most %d" % n``, ``"{}".format(x)``) is English for everyone
and never reaches ``make messages``. The message must come from gettext:
``_("Object %(ref)s is not published.") % {"ref": ref}``. A failure names ``file:line``.

PACKAGES lists the packages checked (a parameter of the test, one case each).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "traceobject"

#: The packages whose error messages must be translatable. Not listed: geo, vision and
#: search (Django-free, they raise no ServiceError) and demo (demo data for the demo command;
#: `make messages` does not extract it).
PACKAGES = ("accounts", "api", "audit", "catalog", "clues", "core", "evidence", "exports",
            "internal", "public", "routing", "sync", "tips")
#: The error classes of core.errors; subclasses defined anywhere are found by the parser.
BASE_ERRORS = frozenset({"ServiceError", "NotFound", "RateLimited"})
#: Calls whose result is a translated string.
GETTEXT = frozenset({"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
                     "pgettext_lazy", "npgettext"})


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_words(node: ast.expr) -> bool:
    """A string literal or f-string with letters in its literal text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and any(ch.isalpha() for ch in str(part.value))
                   for part in node.values)
    return False


def untranslated(node: ast.expr) -> bool:
    """Is this message expression English text that gettext never saw?"""
    if _is_words(node):
        return True
    if isinstance(node, ast.BinOp):  # "a" + b, "a %s" % b, _("a") + "b"
        return untranslated(node.left) or untranslated(node.right)
    if isinstance(node, ast.IfExp):
        return untranslated(node.body) or untranslated(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        if _name(func) in GETTEXT:
            return False
        if isinstance(func, ast.Attribute) and func.attr == "format":  # "...{}".format(x)
            return untranslated(func.value)
    return False


def _error_classes(tree: ast.Module, known: frozenset[str]) -> frozenset[str]:
    found = set(known)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(_name(b) in known for b in node.bases):
            found.add(node.name)
    return frozenset(found)


def _message(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    return call.args[1] if len(call.args) >= 2 else None


def offences(source: str, filename: str, known: frozenset[str] = BASE_ERRORS) -> list[str]:
    """``filename:line: message`` for each error raised with an untranslated message."""
    tree = ast.parse(source, filename=filename)
    classes = _error_classes(tree, known)
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in classes:
            calls.append(node)
        if isinstance(node, ast.ClassDef) and node.name in classes:
            calls += [  # super().__init__(code, message) in a subclass
                call for call in ast.walk(node)
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "__init__" and isinstance(call.func.value, ast.Call)
                and _name(call.func.value.func) == "super"
            ]
    bad = []
    for call in calls:
        message = _message(call)
        if message is not None and untranslated(message):
            bad.append(f"{filename}:{call.lineno}: {ast.unparse(message)[:80]}")
    return sorted(set(bad), key=lambda line: int(line.split(":")[1]))


@cache
def _subclasses() -> frozenset[str]:
    """Every subclass of the error classes defined under src/traceobject (GateRefused...)."""
    found = set(BASE_ERRORS)
    for path in ROOT.rglob("*.py"):
        found |= _error_classes(ast.parse(path.read_text(encoding="utf-8")), BASE_ERRORS)
    return frozenset(found)


@pytest.mark.parametrize("package", PACKAGES)
def test_error_messages_are_translatable(package: str) -> None:
    files = sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)
    assert files, f"no modules under {ROOT / package}"
    bad = [line for path in files for line in offences(
        path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parents[1])),
        _subclasses())]
    assert not bad, ("error messages that gettext never sees (wrap them: "
                     "_(\"... %(name)s ...\") % {\"name\": value}):\n  " + "\n  ".join(bad))


def test_the_checker_finds_each_kind_of_untranslated_message() -> None:
    source = '''
from django.utils.translation import gettext as _
class Refused(ServiceError):
    def __init__(self, kinds):
        super().__init__("refused", f"Refused: {kinds}.")
def f(x, n):
    raise ServiceError("a", "Plain text.")
    raise NotFound("b", f"No {x}.")
    raise ServiceError("c", "At most %d." % n)
    raise ServiceError("d", "Closed: " + x)
    raise ServiceError("e", _("Fine.") + " And more.")
    raise ServiceError("f", "{} is wrong".format(x))
    raise ServiceError("g", message="Keyword.")
    raise ServiceError("h", _("Fine %(x)s.") % {"x": x} if n else "Not fine.")
    raise Refused(x)
    raise ServiceError("ok", _("Fine %(x)s.") % {"x": x})
    raise ServiceError("ok", x)
    raise ServiceError("ok", " ".join(x))
    raise ServiceError("ok", str(x) % {"state": n})
    raise ValueError("not a service error")
'''
    bad = offences(source, "example.py")
    lines = [int(line.split(":")[1]) for line in bad]
    assert lines == [5, 7, 8, 9, 10, 11, 12, 13, 14], bad
    assert bad[0].startswith("example.py:5: f'Refused")
