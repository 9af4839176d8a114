"""Environment helpers fail loudly on bad values (traceobject.core.env)."""

from __future__ import annotations

import pytest

from traceobject.core import env
from traceobject.core.env import ConfigError

NAME = "TRACEOBJECT_TEST_VALUE"


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False),
])
def test_env_bool(monkeypatch, raw, expected) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env.env_bool(NAME, not expected) is expected


def test_env_bool_default(monkeypatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env.env_bool(NAME, True) is True
    assert env.env_bool(NAME, False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s", "nein"])
def test_env_bool_refuses_anything_else(monkeypatch, raw) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ConfigError) as info:
        env.env_bool(NAME)
    assert NAME in str(info.value) and repr(raw) in str(info.value)


def test_env_int(monkeypatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env.env_int(NAME, 7) == 7
    monkeypatch.setenv(NAME, "  ")
    assert env.env_int(NAME, 7) == 7
    monkeypatch.setenv(NAME, " 42 ")
    assert env.env_int(NAME, 7, minimum=1) == 42


@pytest.mark.parametrize("raw", ["abc", "4.5", "10k", "0x10"])
def test_env_int_refuses_non_numbers(monkeypatch, raw) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ConfigError, match=f"{NAME} must be a whole number"):
        env.env_int(NAME, 1)


def test_env_int_refuses_values_below_minimum(monkeypatch) -> None:
    monkeypatch.setenv(NAME, "-1")
    with pytest.raises(ConfigError, match=f"{NAME} must be at least 0"):
        env.env_int(NAME, 1, minimum=0)


def test_env_int_refuses_values_above_maximum(monkeypatch) -> None:
    monkeypatch.setenv(NAME, "169")
    with pytest.raises(ConfigError, match=f"{NAME} must be at most 168; got 169"):
        env.env_int(NAME, 24, minimum=1, maximum=168)
    monkeypatch.setenv(NAME, "168")
    assert env.env_int(NAME, 24, minimum=1, maximum=168) == 168


def test_env_list(monkeypatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env.env_list(NAME, ["a"]) == ["a"]
    monkeypatch.setenv(NAME, " tips.example.org, ,api.example.org ,")
    assert env.env_list(NAME) == ["tips.example.org", "api.example.org"]
    monkeypatch.setenv(NAME, "")
    assert env.env_list(NAME, ["a"]) == []


def test_env_choice(monkeypatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env.env_choice(NAME, ("embedded", "production"), "embedded") == "embedded"
    monkeypatch.setenv(NAME, " Production ")
    assert env.env_choice(NAME, ("embedded", "production"), "embedded") == "production"
    monkeypatch.setenv(NAME, "prod")
    with pytest.raises(ConfigError, match="must be one of embedded, production; got 'prod'"):
        env.env_choice(NAME, ("embedded", "production"), "embedded")


def test_home_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TRACEOBJECT_HOME", str(tmp_path / "home"))
    assert env.home_dir() == (tmp_path / "home").resolve()
