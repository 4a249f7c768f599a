"""Building the truce and the diplomacy around it: strain and thresholds, restoration
talks, the guarantors' calls and their levels, convened talks and summits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from sim.scenario import distributions as dist
from sim.scenario.links import Links
from sim.scenario.reader import MISSING, MOST_PEOPLE, Table, show
from sim.scenario.spec import (
    ARMED,
    ConvenedTalks,
    Level,
    Negotiation,
    Restoration,
    Role,
    StrainWeights,
    Summit,
    Truce,
)


class TruceBuilder(Links):
    def root_fail(self, key: str, expected: str) -> NoReturn:
        raise NotImplementedError  # the Builder's root table says where

    def truce(self, t: Table | None) -> Truce | None:
        if t is None:
            return None
        if t.has("parties"):
            if t.has("guarantors"):
                t.fail("parties", "expected either guarantors or parties, not both")
            parties = self.pair(t, "parties", ARMED)
            guarantors: tuple[str, ...] = ()
        else:
            parties = self.pair(t, "guarantors", [Role.GUARANTOR])
            guarantors = parties
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
            guarantors=guarantors,
            parties=parties,
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
            personnel_limit=t.integer(
                "personnel_limit", MOST_PEOPLE if not guarantors else MISSING, low=1
            ),
            collapse_on_direct_action=t.boolean("collapse_on_direct_action", True),
            weights=weights,
            restoration=self.restoration(t.table("restoration"), collapse_at),
        )
        t.close("the truce")
        return truce

    def pair(self, t: Table, key: str, roles: Sequence[Role]) -> tuple[str, str]:
        """Two different actors of ``roles``."""
        ids = t.strings(key)
        valid = [a for a, r in self.roles.items() if r in roles]
        if len(ids) != 2 or len(set(ids)) != 2 or not set(ids) <= set(valid):
            wrong = [
                f"{g} is a {self.roles[g].value}" if g in self.roles else f"{g} is not an actor"
                for g in dict.fromkeys(ids)
                if g not in valid
            ]
            kinds = " or ".join(r.value for r in roles)
            t.fail(
                key,
                f"expected two different {kinds} ids ({', '.join(valid)}), "
                f"got {show(list(ids))}" + (f": {'; '.join(wrong)}" if wrong else ""),
            )
        return ids[0], ids[1]

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
            levels=self.levels(t),
            escalate_within=t.non_negative("escalate_within", 0.0, unit="days"),
        )
        if negotiation.crowded_out >= 1.0:
            t.fail("crowded_out", "expected a probability below 1 (every call would be postponed)")
        t.close("negotiation")
        return negotiation

    def levels(self, t: Table) -> tuple[Level, ...]:
        tables = t.array_of_tables("levels")
        levels = []
        for table in tables:
            levels.append(
                Level(
                    name=table.string("name"),
                    effect=table.non_negative("effect", 1.0),
                    convene=table.probability("convene", 0.0),
                )
            )
            table.close("a level of calls")
        names = [level.name for level in levels]
        if len(set(names)) != len(names):
            t.fail("levels", f"expected levels with different names, got {show(names)}")
        return tuple(levels) or (Level("call", 1.0, 0.0),)

    def talks(self, t: Table | None, truce: Truce | None) -> ConvenedTalks | None:
        if t is None:
            return None
        if truce is None:
            self.root_fail("talks", "needs a [truce] for the parties to negotiate")
        probability = t.probability("probability")
        collapse_at = truce.collapse_at
        talks = ConvenedTalks(
            delay=t.distribution("delay", dist.Fixed(0.0), unit="days"),
            cooldown=t.non_negative("cooldown", 0.0, unit="days"),
            after_collapse=t.probability("after_collapse", 0.0),
            probability=probability,
            max_probability=self.at_least(t, "max_probability", probability, "talks"),
            half_losses=t.positive("half_losses", 100.0, unit="deaths"),
            personnel_cost=t.non_negative("personnel_cost", 10.0, unit="deaths"),
            strain_penalty=t.probability("strain_penalty", 0.0),
            strain=self.restored_strain(t, collapse_at),
        )
        t.close("talks")
        return talks

    def summits(
        self, tables: Sequence[Table], talks: ConvenedTalks | None, horizon: float
    ) -> tuple[Summit, ...]:
        summits = []
        for index, t in enumerate(tables):
            if talks is None:
                self.root_fail("summits", "needs a [talks] table: how talks succeed")
            day = t.number("day", low=0.0, what=f"a day from 0 to before the horizon ({horizon:g})")
            if day >= horizon:
                t.fail("day", f"expected a day before the horizon ({horizon:g}), got {day:g}")
            summits.append(
                Summit(
                    day=day,
                    name=t.string("name", f"summit {index + 1}"),
                    bonus=t.number("bonus", 0.0, low=-1.0, high=1.0, what="a number from -1 to 1"),
                )
            )
            t.close("a summit")
        return tuple(sorted(summits, key=lambda s: s.day))
