"""Building the actors of a scenario: armed actors (assets, capabilities, targets,
routine fire, retaliation, memory, claims, embedded personnel, restraint), the
mediator and the observer."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.scenario import distributions as dist
from sim.scenario.links import Links
from sim.scenario.reader import DISPERSION, Table
from sim.scenario.spec import (
    ARMED,
    Actor,
    Aim,
    Asset,
    Capability,
    Claims,
    Commitment,
    Embedded,
    Mediator,
    Memory,
    Observer,
    Restraint,
    Retaliation,
    Role,
    Routine,
    Target,
)


class ActorBuilder(Links):
    def actor(self, actor_id: str, table: Table) -> Actor:
        role = self.roles[actor_id]
        name = table.string("name", actor_id)
        if role in (Role.MEDIATOR, Role.OBSERVER):
            return Actor(id=actor_id, name=name, role=role)  # their keys are read by their builders
        patron = None
        if role is Role.CLIENT and table.has("patron"):
            patron = self.reference(table, "patron", [Role.GUARANTOR])
        targets = self.targets(actor_id, table)
        assets = tuple(self.asset(n, t) for n, t in table.named_tables("assets", required=True))
        if not assets:
            table.fail("assets", "expected at least one asset table")
        capabilities = tuple(self.capability(n, t) for n, t in table.named_tables("capabilities"))
        names = [c.name for c in capabilities]
        routine = self.routine(table.table("routine"), names)
        retaliation = self.retaliation(table.table("retaliation"), names)
        commitment = self.commitment(table.table("commitment"))
        claims = self.claims(table.table("claims"))
        memory = self.memory(table.table("memory"))
        embedded = restraint = None
        if role is Role.GUARANTOR:
            embedded = self.embedded(table.table("embedded"))
            restraint = self.restraint(table.table("restraint"))
        table.close(f"a {role.value}")
        return Actor(
            id=actor_id,
            name=name,
            role=role,
            patron=patron,
            targets=targets,
            assets=assets,
            capabilities=capabilities,
            routine=routine,
            retaliation=retaliation,
            commitment=commitment,
            claims=claims,
            embedded=embedded,
            restraint=restraint,
            memory=memory,
        )

    def targets(self, actor_id: str, table: Table) -> tuple[Target, ...]:
        """Whom routine fire is aimed at: one ``enemy``, or ``targets`` with weights."""
        others = [a for a, r in self.roles.items() if r in ARMED and a != actor_id]
        if table.has("targets"):
            if table.has("enemy"):
                table.fail("enemy", "expected either enemy or targets, not both")
            weights = self.weights(table, "targets", others, "ids of other armed actors")
            return tuple(Target(a, w) for a, w in weights.items())
        enemy = self.reference(table, "enemy", ARMED)
        if enemy == actor_id:
            table.fail("enemy", f"expected another actor than {actor_id} itself")
        return (Target(enemy, 1.0),)

    def asset(self, name: str, t: Table) -> Asset:
        asset = Asset(name, t.integer("count", low=1), t.integer("personnel", low=0))
        t.close("an asset")
        return asset

    def capability(self, name: str, t: Table) -> Capability:
        capability = Capability(
            name=name,
            lethality=t.non_negative("lethality", unit="deaths per unit of intensity"),
            dispersion=t.number(
                "dispersion",
                1.0,
                low=DISPERSION[0],
                high=DISPERSION[1],
                what=f"a negative binomial shape from {DISPERSION[0]:g} to {DISPERSION[1]:g}",
            ),
            max_intensity=t.positive("max_intensity", math.inf, infinite=True),
        )
        t.close("a capability")
        return capability

    def routine(self, t: Table | None, names: Sequence[str]) -> Routine | None:
        if t is None:
            return None
        rate = t.non_negative("rate", unit="strikes per day")
        routine = Routine(
            rate=rate,
            rate_strained=t.non_negative("rate_strained", rate, unit="strikes per day"),
            rate_collapsed=t.non_negative("rate_collapsed", rate, unit="strikes per day"),
            rate_restored=t.non_negative("rate_restored", rate, unit="strikes per day"),
            capability=self.capability_name(t, names),
            intensity=t.distribution("intensity", dist.Fixed(1.0)),
        )
        t.close("routine violations")
        return routine

    def retaliation(self, t: Table | None, names: Sequence[str]) -> Retaliation | None:
        if t is None:
            return None
        probability = t.probability("probability")
        retaliation = Retaliation(
            probability=probability,
            max_probability=self.at_least(t, "max_probability", probability, "retaliation"),
            half_severity=t.positive("half_severity", 10.0, unit="deaths"),
            lag=t.distribution("lag", unit="days"),
            proportionality=t.non_negative("proportionality", 1.0),
            noise=t.cv("noise", 0.0, zero=True),
            min_intensity=t.non_negative("min_intensity", 1.0),
            capability=self.capability_name(t, names),
            at=Aim(t.string("at", Aim.TARGETS.value, choices=[a.value for a in Aim])),
        )
        t.close("retaliation")
        return retaliation

    def memory(self, t: Table | None) -> Memory | None:
        if t is None:
            return None
        memory = Memory(
            half_life=t.positive("half_life", unit="days"),
            per_strike=t.non_negative("per_strike", 0.0, unit="deaths"),
            size=t.non_negative("size", 0.0),
        )
        t.close("memory")
        return memory

    def commitment(self, t: Table | None) -> Commitment | None:
        if t is None:
            return None
        commitment = Commitment(
            min_deaths=t.non_negative("min_deaths", unit="deaths"),
            probability=t.probability("probability"),
            boost=t.probability("boost"),
        )
        t.close("a commitment")
        return commitment

    def claims(self, t: Table | None) -> Claims | None:
        if t is None:
            return None
        claims = Claims(
            inflation=t.positive("inflation", 1.0),
            noise=t.cv("noise", 0.0, zero=True),
            false_personnel=t.probability("false_personnel", 0.0),
        )
        t.close("claims")
        return claims

    def embedded(self, t: Table | None) -> Embedded | None:
        if t is None:
            return None
        embedded = Embedded(
            host=self.reference(t, "host", [Role.CLIENT]),
            probability=t.probability("probability"),
            killed=t.distribution("killed", unit="people"),
        )
        t.close("embedded personnel")
        return embedded

    def restraint(self, t: Table | None) -> Restraint | None:
        if t is None:
            return None
        strength = t.probability("strength")
        restraint = Restraint(
            strength=strength,
            strength_strained=t.number(
                "strength_strained", strength, low=0.0, high=1.0, what="a probability"
            ),
            strength_restored=t.number(
                "strength_restored", strength, low=0.0, high=1.0, what="a probability"
            ),
            duration=t.non_negative("duration", unit="days"),
            unleash=t.non_negative("unleash", 1.0),
        )
        t.close("restraint")
        return restraint

    def check_actor_links(self, actors: Sequence[Actor], tables: Mapping[str, Table]) -> None:
        hosts: dict[str, str] = {}
        for actor in actors:
            table = tables[actor.id]
            if actor.embedded is not None:
                host = actor.embedded.host
                if host in hosts:
                    table.fail("embedded.host", f"{host} already hosts personnel of {hosts[host]}")
                hosts[host] = actor.id

    def single(self, tables: Sequence[tuple[str, Table]], role: Role, build: Any) -> Any:
        found = [(i, t) for i, t in tables if self.roles[i] is role]
        if len(found) > 1:
            found[1][1].fail("role", f"expected at most one {role.value}, found {len(found)}")
        return build(*found[0]) if found else None

    def mediator(self, actor_id: str, t: Table) -> Mediator:
        mediator = Mediator(
            actor=actor_id,
            window=t.positive("window", unit="days"),
            threshold=t.positive("threshold", unit="reported deaths"),
            cooldown=t.non_negative("cooldown", unit="days"),
            effect=t.probability("effect"),
            effect_days=t.non_negative("effect_days", unit="days"),
            strain_relief=t.non_negative("strain_relief", 0.0),
        )
        t.close("a mediator")
        return mediator

    def observer(self, actor_id: str, t: Table) -> Observer:
        observer = Observer(
            actor=actor_id,
            delay=t.distribution("delay", unit="days"),
            detection=t.probability("detection"),
        )
        t.close("an observer")
        return observer
