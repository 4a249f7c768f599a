"""Scenarios: frozen parameters loaded from TOML files."""

from sim.compiled import package_path

__path__ = package_path(__path__, "scenario")  # the compiled build first, when in use


from sim.scenario.load import build_scenario, load_scenario, read_toml
from sim.scenario.overrides import Override, Overrides, parse_override, to_overrides
from sim.scenario.spec import Actor, Role, Scenario

__all__ = [
    "Actor",
    "Override",
    "Overrides",
    "Role",
    "Scenario",
    "build_scenario",
    "load_scenario",
    "parse_override",
    "read_toml",
    "to_overrides",
]
