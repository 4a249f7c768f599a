"""Building what the scenario scripts: the opening strikes, the losses remembered from
before day 0, and the thresholds of the escalation ladder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.scenario.links import Links
from sim.scenario.reader import Table, show
from sim.scenario.spec import ARMED, Actor, Ladder, Loss, Opening, Suspect


class ScriptBuilder(Links):
    def opening(self, t: Table, actors: Mapping[str, Actor], horizon: float) -> Opening:
        day = t.number("day", low=0.0, what=f"a day from 0 to before the horizon ({horizon:g})")
        if day >= horizon:
            t.fail("day", f"expected a day before the horizon ({horizon:g}), got {day:g}")
        suspects = self.suspects(t, actors)
        first = actors[suspects[0].actor]
        target = actors[self.reference(t, "target", ARMED, first.enemy)]
        if any(s.actor == target.id for s in suspects):
            t.fail("target", f"expected another actor than the attacker {target.id}")
        asset = None
        if t.has("asset"):
            asset = t.string("asset", choices=[a.name for a in target.assets])
        deaths = t.integer("deaths", low=0) if t.has("deaths") else None
        personnel = None
        if t.has("personnel"):
            hosts = [a for a in actors.values() if a.embedded and a.embedded.host == target.id]
            if not hosts:
                t.fail("personnel", f"{target.id} hosts no guarantor's embedded personnel")
            personnel = t.integer("personnel", low=0)
        opening = Opening(
            day=day,
            suspects=suspects,
            target=target.id,
            asset=asset,
            intensity=t.positive("intensity", 1.0),
            deaths=deaths,
            personnel=personnel,
            blamed=self.blamed(t, actors),
        )
        t.close("an opening strike")
        return opening

    def suspects(self, t: Table, actors: Mapping[str, Actor]) -> tuple[Suspect, ...]:
        """Who struck: one attacker, or several with the chance of each (``weights``)."""
        value = t.data.get("attacker")
        t.has("attacker")
        ids = value if isinstance(value, list) else [value]
        names = [self.actor_id(t, "attacker", a, ARMED) for a in ids]
        if len(set(names)) != len(names):
            t.fail("attacker", f"expected different actors, got {show(value)}")
        weights = [1.0] * len(names)
        if t.has("weights"):
            raw = t.data["weights"]
            numeric = isinstance(raw, list) and all(
                isinstance(w, int | float) and not isinstance(w, bool) and 0 <= w < 1e6 for w in raw
            )
            if not numeric or len(raw) != len(names) or not any(raw):
                t.fail(
                    "weights",
                    f"expected {len(names)} non-negative numbers, one per attacker, not all 0",
                )
            weights = [float(w) for w in raw]
        capabilities = self.suspect_capabilities(t, [actors[n] for n in names])
        return tuple(Suspect(n, w, c) for n, w, c in zip(names, weights, capabilities, strict=True))

    def suspect_capabilities(self, t: Table, suspects: Sequence[Actor]) -> list[str]:
        """Each suspect's capability: ``capability`` names one (or one per suspect)."""
        raw: Any = t.data.get("capability")
        if isinstance(raw, list):
            t.has("capability")
            if len(raw) != len(suspects):
                t.fail("capability", f"expected {len(suspects)} names, one per attacker")
            chosen = []
            for actor, name in zip(suspects, raw, strict=True):
                names = [c.name for c in actor.capabilities]
                if name not in names:
                    t.fail("capability", f"expected one of {actor.id}'s ({', '.join(names)})")
                chosen.append(str(name))
            return chosen
        return [self.capability_name(t, [c.name for c in a.capabilities]) for a in suspects]

    def blamed(self, t: Table, actors: Mapping[str, Actor]) -> tuple[tuple[str, str], ...]:
        """Whom each named actor blames for the strike."""
        table = t.table("blamed")
        if table is None:
            return ()
        armed = [a for a, r in self.roles.items() if r in ARMED]
        pairs = []
        for actor in table.data:
            if actor not in armed:
                table.fail(actor, f"expected the id of an armed actor ({', '.join(armed)})")
            pairs.append((actor, self.reference(table, actor, ARMED)))
        return tuple(pairs)

    def loss(self, t: Table, actors: Mapping[str, Actor]) -> Loss:
        day = t.number("day", high=-1e-9, low=-36_500.0, what="a day before 0 (negative)")
        attacker = self.reference(t, "attacker", ARMED)
        target = self.reference(t, "target", ARMED)
        if attacker == target:
            t.fail("target", f"expected another actor than the attacker {attacker}")
        personnel = t.integer("personnel", 0, low=0)
        if personnel:
            hosts = [a for a in actors.values() if a.embedded and a.embedded.host == target]
            if not hosts:
                t.fail("personnel", f"{target} hosts no guarantor's embedded personnel")
        loss = Loss(day, attacker, target, t.integer("deaths", 0, low=0), personnel)
        t.close("a remembered loss")
        return loss

    def ladder(self, t: Table | None) -> Ladder:
        if t is None:
            return Ladder(mass_casualty=20, cycle=3)
        ladder = Ladder(
            mass_casualty=t.integer("mass_casualty", 20, low=1),
            cycle=t.integer("cycle", 3, low=2),
        )
        t.close("the ladder")
        return ladder
