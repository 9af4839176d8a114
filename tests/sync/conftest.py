from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.nodes import Node


@pytest.fixture
def make_node(tmp_path: Path) -> Iterator[Callable[..., Node]]:
    """make_node(role, name, **env): a node with its own home and database; stopped (and its
    PostgreSQL database dropped) after the test."""
    made: list[Node] = []

    def make(role: str, name: str, **env: Any) -> Node:
        node = Node(role=role, name=name, home=tmp_path / name,
                    extra_env={k: str(v) for k, v in env.items()})
        made.append(node)
        return node

    yield make
    for node in made:
        node.drop()
