"""What every part of the scenario builder shares: the actors' roles, and references
from one table to an actor or to one of its capabilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.scenario.reader import Table, show
from sim.scenario.spec import Role


class Links:
    """The actors' ids and roles, once the actor tables have been read."""

    def __init__(self) -> None:
        self.roles: dict[str, Role] = {}

    def reference(self, table: Table, key: str, roles: Sequence[Role], default: Any = None) -> str:
        """An actor id of one of ``roles``."""
        value = table.string(key, default) if default is not None or table.has(key) else None
        return self.actor_id(table, key, value, roles)

    def actor_id(self, table: Table, key: str, value: Any, roles: Sequence[Role]) -> str:
        """``value`` (read from ``key``) as the id of an actor of one of ``roles``."""
        candidates = [a for a, r in self.roles.items() if r in roles]
        kinds = " or ".join(r.value for r in roles)
        if value is None:
            table.fail(key, f"missing; expected the id of a {kinds} ({', '.join(candidates)})")
        if value not in candidates:
            table.fail(
                key, f"expected the id of a {kinds} ({', '.join(candidates)}), got {show(value)}"
            )
        return str(value)

    def capability_name(self, t: Table, names: Sequence[str], key: str = "capability") -> str:
        if not names:
            t.fail(key, "the actor has no [capabilities] to strike with")
        default = names[0] if len(names) == 1 else None
        if default is None and not t.has(key):
            t.fail(key, f"missing; expected one of {', '.join(names)}")
        return t.string(key, default, choices=names)

    def at_least(self, t: Table, key: str, probability: float, where: str) -> float:
        """A maximum probability, from the base ``probability`` (its default) to 1."""
        what = f"a probability from {where}.probability ({probability:g}) to 1"
        return t.number(key, probability, low=probability, high=1.0, what=what)

    def weights(self, t: Table, key: str, names: Sequence[str], what: str) -> dict[str, float]:
        """A table of non-negative weights keyed by ``names`` (not all zero)."""
        table = t.table(key)
        assert table is not None
        found = {}
        for name in table.data:
            if name not in names:
                table.fail(name, f"expected {what} ({', '.join(names)})")
            found[name] = table.non_negative(name, unit="relative weight")
        if not found or not any(found.values()):
            t.fail(key, f"expected a table of {what} with weights, not all 0")
        return found
