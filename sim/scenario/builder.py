"""Building a ``Scenario`` from parsed TOML: every table and key checked once, with
one-line errors that name the origin, the key path and what was expected. The actors,
the truce with its diplomacy, and the scripted strikes each have a builder of their
own; this one reads the file's head and puts them together."""

from __future__ import annotations

from typing import NoReturn

from sim.scenario.actor_builder import ActorBuilder
from sim.scenario.reader import Table
from sim.scenario.script_builder import ScriptBuilder
from sim.scenario.spec import Role, Scenario
from sim.scenario.truce_builder import TruceBuilder

MAX_HORIZON = 36_500.0  # days: a century; longer runs are refused rather than left to run


def origin_of(table: Table) -> str:
    """The file the scenario came from (not an override)."""
    return table.source.file


class Builder(ActorBuilder, TruceBuilder, ScriptBuilder):
    def __init__(self, root: Table) -> None:
        super().__init__()
        self.root = root

    def root_fail(self, key: str, expected: str) -> NoReturn:
        self.root.fail(key, expected)

    def scenario(self) -> Scenario:
        root = self.root
        head = root.table("scenario", required=True)
        assert head is not None
        name = head.string("name")
        description = head.string("description", "")
        horizon = head.positive("horizon", unit="days", high=MAX_HORIZON)
        start_date = head.date("start_date")
        head.close()

        actor_tables = root.named_tables("actors", required=True)
        if not actor_tables:
            root.fail("actors", "expected at least one actor table")
        named = [
            i for i, table in actor_tables if table.source.origin(table.path) == origin_of(root)
        ]
        for actor_id, table in actor_tables:
            if "role" not in table.data and actor_id not in named:
                # an override that names an actor the file does not have
                table.fail("", f"no actor is named {actor_id}; the actors are {', '.join(named)}")
            self.roles[actor_id] = Role(table.string("role", choices=[r.value for r in Role]))
        actors = tuple(self.actor(actor_id, table) for actor_id, table in actor_tables)
        self.check_actor_links(actors, dict(actor_tables))
        by_id = {a.id: a for a in actors}

        mediator = self.single(actor_tables, Role.MEDIATOR, self.mediator)
        observer = self.single(actor_tables, Role.OBSERVER, self.observer)
        truce = self.truce(root.table("truce"))
        negotiation_table = root.table("negotiation")
        if negotiation_table is not None and truce is None:
            root.fail("negotiation", "needs a [truce] for the guarantors to negotiate")
        negotiation = self.negotiation(negotiation_table)
        talks = self.talks(root.table("talks"), truce)
        summits = self.summits(root.array_of_tables("summits"), talks, horizon)
        openings = tuple(self.opening(t, by_id, horizon) for t in root.array_of_tables("openings"))
        history = tuple(self.loss(t, by_id) for t in root.array_of_tables("history"))
        ladder = self.ladder(root.table("ladder"))
        root.close()
        return Scenario(
            name=name,
            description=description,
            horizon=horizon,
            start_date=start_date,
            actors=actors,
            openings=openings,
            ladder=ladder,
            truce=truce,
            negotiation=negotiation,
            mediator=mediator,
            observer=observer,
            history=tuple(sorted(history, key=lambda loss: loss.day)),
            talks=talks,
            summits=summits,
        )
