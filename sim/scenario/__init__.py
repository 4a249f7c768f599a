"""Scenarios: frozen parameters loaded from TOML files."""

from sim.scenario.load import (
    Override,
    apply_overrides,
    build_scenario,
    load_scenario,
    parse_override,
    read_toml,
)
from sim.scenario.spec import Actor, Role, Scenario

__all__ = [
    "Actor",
    "Override",
    "Role",
    "Scenario",
    "apply_overrides",
    "build_scenario",
    "load_scenario",
    "parse_override",
    "read_toml",
]
