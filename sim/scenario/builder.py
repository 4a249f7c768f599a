"""Building a ``Scenario`` from parsed TOML: every table and key checked once, with
one-line errors that name the origin, the key path and what was expected."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.scenario import distributions as dist
from sim.scenario.reader import DISPERSION, Table, show
from sim.scenario.spec import (
    ARMED,
    Actor,
    Asset,
    Capability,
    Claims,
    Commitment,
    Embedded,
    Ladder,
    Mediator,
    Negotiation,
    Observer,
    Opening,
    Restoration,
    Restraint,
    Retaliation,
    Role,
    Routine,
    Scenario,
    StrainWeights,
    Truce,
)

MAX_HORIZON = 36_500.0  # days: a century; longer runs are refused rather than left to run


def origin_of(table: Table) -> str:
    """The file the scenario came from (not an override)."""
    return table.source.file


class Builder:
    def __init__(self, root: Table) -> None:
        self.root = root
        self.roles: dict[str, Role] = {}

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

        mediator = self.single(actor_tables, Role.MEDIATOR, self.mediator)
        observer = self.single(actor_tables, Role.OBSERVER, self.observer)
        truce = self.truce(root.table("truce"))
        negotiation_table = root.table("negotiation")
        if negotiation_table is not None and truce is None:
            root.fail("negotiation", "needs a [truce] for the guarantors to negotiate")
        negotiation = self.negotiation(negotiation_table)
        openings = tuple(self.opening(t, actors, horizon) for t in root.array_of_tables("openings"))
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
        )

    # actors -------------------------------------------------------------------------

    def reference(self, table: Table, key: str, roles: Sequence[Role], default: Any = None) -> str:
        """An actor id of one of ``roles``."""
        candidates = [a for a, r in self.roles.items() if r in roles]
        kinds = " or ".join(r.value for r in roles)
        value = table.string(key, default) if default is not None or table.has(key) else None
        if value is None:
            table.fail(key, f"missing; expected the id of a {kinds} ({', '.join(candidates)})")
        if value not in candidates:
            table.fail(
                key, f"expected the id of a {kinds} ({', '.join(candidates)}), got {show(value)}"
            )
        return value

    def actor(self, actor_id: str, table: Table) -> Actor:
        role = self.roles[actor_id]
        name = table.string("name", actor_id)
        if role in (Role.MEDIATOR, Role.OBSERVER):
            return Actor(id=actor_id, name=name, role=role)  # their keys are read by their builders
        patron = None
        if role is Role.CLIENT and table.has("patron"):
            patron = self.reference(table, "patron", [Role.GUARANTOR])
        enemy = self.reference(table, "enemy", ARMED)
        if enemy == actor_id:
            table.fail("enemy", f"expected another actor than {actor_id} itself")
        assets = tuple(self.asset(n, t) for n, t in table.named_tables("assets", required=True))
        if not assets:
            table.fail("assets", "expected at least one asset table")
        capabilities = tuple(self.capability(n, t) for n, t in table.named_tables("capabilities"))
        names = [c.name for c in capabilities]
        routine = self.routine(table.table("routine"), names)
        retaliation = self.retaliation(table.table("retaliation"), names)
        commitment = self.commitment(table.table("commitment"))
        claims = self.claims(table.table("claims"))
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
            enemy=enemy,
            assets=assets,
            capabilities=capabilities,
            routine=routine,
            retaliation=retaliation,
            commitment=commitment,
            claims=claims,
            embedded=embedded,
            restraint=restraint,
        )

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

    def capability_name(self, t: Table, names: Sequence[str]) -> str:
        if not names:
            t.fail("capability", "the actor has no [capabilities] to strike with")
        default = names[0] if len(names) == 1 else None
        if default is None and not t.has("capability"):
            t.fail("capability", f"missing; expected one of {', '.join(names)}")
        return t.string("capability", default, choices=names)

    def routine(self, t: Table | None, names: Sequence[str]) -> Routine | None:
        if t is None:
            return None
        rate = t.non_negative("rate", unit="strikes per day")
        routine = Routine(
            rate=rate,
            rate_collapsed=t.non_negative("rate_collapsed", rate, unit="strikes per day"),
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
        )
        t.close("retaliation")
        return retaliation

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
        restraint = Restraint(
            strength=t.probability("strength"),
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

    # truce and negotiation ------------------------------------------------------------

    def truce(self, t: Table | None) -> Truce | None:
        if t is None:
            return None
        guarantors = t.strings("guarantors")
        valid = [a for a, r in self.roles.items() if r is Role.GUARANTOR]
        if len(guarantors) != 2 or len(set(guarantors)) != 2 or not set(guarantors) <= set(valid):
            wrong = [
                f"{g} is a {self.roles[g].value}" if g in self.roles else f"{g} is not an actor"
                for g in dict.fromkeys(guarantors)
                if g not in valid
            ]
            t.fail(
                "guarantors",
                f"expected two different guarantor ids ({', '.join(valid)}), "
                f"got {show(list(guarantors))}" + (f": {'; '.join(wrong)}" if wrong else ""),
            )
        strained_at = t.positive("strained_at")
        weights_table = t.table("weights", required=True)
        assert weights_table is not None
        weights = StrainWeights(
            violation=weights_table.non_negative("violation"),
            death=weights_table.non_negative("death"),
            deadliest=weights_table.non_negative("deadliest", 0.0),
            personnel=weights_table.non_negative("personnel", 0.0),
            claim_credibility=weights_table.probability("claim_credibility", 0.0),
        )
        weights_table.close("strain weights")
        collapse_at = t.number(
            "collapse_at",
            low=strained_at,
            low_open=True,
            what=f"a number above truce.strained_at ({strained_at:g})",
        )
        if t.has("relaxed_at") and t.number("relaxed_at") >= strained_at:
            t.fail("relaxed_at", f"expected a number below truce.strained_at ({strained_at:g})")
        truce = Truce(
            guarantors=(guarantors[0], guarantors[1]),
            initial_strain=t.non_negative("initial_strain"),
            half_life=t.positive("half_life", unit="days"),
            drift=t.non_negative("drift", 0.0, unit="strain per day"),
            strained_at=strained_at,
            relaxed_at=t.number(
                "relaxed_at",
                0.8 * strained_at,
                low=0.0,
                high=strained_at,
                what=f"a number from 0 to below truce.strained_at ({strained_at:g})",
            ),
            collapse_at=collapse_at,
            deadliest_before=t.non_negative("deadliest_before", 0.0, unit="deaths"),
            personnel_limit=t.integer("personnel_limit", low=1),
            collapse_on_direct_action=t.boolean("collapse_on_direct_action", True),
            weights=weights,
            restoration=self.restoration(t.table("restoration"), collapse_at),
        )
        t.close("the truce")
        return truce

    def at_least(self, t: Table, key: str, probability: float, where: str) -> float:
        """A maximum probability, from the base ``probability`` (its default) to 1."""
        what = f"a probability from {where}.probability ({probability:g}) to 1"
        return t.number(key, probability, low=probability, high=1.0, what=what)

    def restored_strain(self, t: Table, collapse_at: float) -> float:
        expected = f"a number below truce.collapse_at ({collapse_at:g})"
        strain = t.number("strain", low=0.0, what=f"{expected} and >= 0")
        if strain >= collapse_at:
            t.fail(
                "strain",
                f"expected {expected}, got {show(t.data['strain'])} "
                "(a restored truce would collapse at once)",
            )
        return strain

    def restoration(self, t: Table | None, collapse_at: float) -> Restoration | None:
        if t is None:
            return None
        probability = t.probability("probability")
        restoration = Restoration(
            interval=t.distribution("interval", unit="days"),
            probability=probability,
            max_probability=self.at_least(t, "max_probability", probability, "restoration"),
            half_losses=t.positive("half_losses", 100.0, unit="deaths"),
            strain=self.restored_strain(t, collapse_at),
        )
        t.close("restoration talks")
        return restoration

    def negotiation(self, t: Table | None) -> Negotiation | None:
        if t is None:
            return None
        negotiation = Negotiation(
            major_deaths=t.positive("major_deaths", unit="deaths"),
            delay=t.distribution("delay", unit="days"),
            min_interval=t.non_negative("min_interval", 0.0, unit="days"),
            strain_relief=t.non_negative("strain_relief"),
            crowded_out=t.probability("crowded_out", 0.0),
            shared=t.probability("shared", 0.0),
            shared_effect=t.probability("shared_effect", 1.0),
        )
        if negotiation.crowded_out >= 1.0:
            t.fail("crowded_out", "expected a probability below 1 (every call would be postponed)")
        t.close("negotiation")
        return negotiation

    # openings and ladder --------------------------------------------------------------

    def opening(self, t: Table, actors: Sequence[Actor], horizon: float) -> Opening:
        by_id = {a.id: a for a in actors}
        day = t.number("day", low=0.0, what=f"a day from 0 to before the horizon ({horizon:g})")
        if day >= horizon:
            t.fail("day", f"expected a day before the horizon ({horizon:g}), got {day:g}")
        attacker = by_id[self.reference(t, "attacker", ARMED)]
        target = by_id[self.reference(t, "target", ARMED, attacker.enemy)]
        if target.id == attacker.id:
            t.fail("target", f"expected another actor than the attacker {attacker.id}")
        capability = self.capability_name(t, [c.name for c in attacker.capabilities])
        asset = None
        if t.has("asset"):
            asset = t.string("asset", choices=[a.name for a in target.assets])
        deaths = t.integer("deaths", low=0) if t.has("deaths") else None
        opening = Opening(
            day=day,
            attacker=attacker.id,
            target=target.id,
            capability=capability,
            asset=asset,
            intensity=t.positive("intensity", 1.0),
            deaths=deaths,
        )
        t.close("an opening strike")
        return opening

    def ladder(self, t: Table | None) -> Ladder:
        if t is None:
            return Ladder(mass_casualty=20, cycle=3)
        ladder = Ladder(
            mass_casualty=t.integer("mass_casualty", 20, low=1),
            cycle=t.integer("cycle", 3, low=2),
        )
        t.close("the ladder")
        return ladder
