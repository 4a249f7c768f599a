"""The theatre of one replication: resolves strikes and routes their consequences.

A strike's toll is drawn, recorded, weighed by the truce, handed to the observer, and
then the struck parties decide whether to answer: the target on its own losses, and a
guarantor whose embedded personnel were killed on those.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.model import combatants
from sim.model.combatants import Combatant
from sim.model.diplomacy import Channel, restoration_talks
from sim.model.information import Monitor, Watch
from sim.model.records import Commitment, Decision, Record, Report, Strike, StrikeKind
from sim.model.streams import Concept, Streams
from sim.model.truce import TruceLedger
from sim.scenario.spec import Capability, Mediator, Opening, Scenario


class Theatre:
    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        streams: Streams,
        record: Callable[[Record], None],
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.streams = streams
        self.record = record
        self.collapsed = False
        self.reported_total = 0
        self.mediator_until = -1.0
        self.mediator_effect = 0.0
        self._next_id = 1
        self.combatants = {a.id: Combatant(a, streams) for a in scenario.armed}
        for combatant in self.combatants.values():
            spec = combatant.spec
            combatant.enemy = self.combatants[spec.enemy or ""]
            if spec.patron is not None:
                combatant.patron = self.combatants[spec.patron]
                combatant.patron.clients.append(combatant)
            if spec.embedded is not None:
                self.combatants[spec.embedded.host].hosted = combatant
        self.monitor = Monitor(env, scenario.observer, streams(Concept.REPORTS), self.publish)
        self.watch = Watch(scenario.mediator, self, record) if scenario.mediator else None
        self.channel = (
            Channel(env, scenario.negotiation, self, streams(Concept.DIPLOMACY), record)
            if scenario.negotiation
            else None
        )
        self.truce = TruceLedger(env, scenario.truce, self, record) if scenario.truce else None
        if self.truce is not None:
            self.truce.start()
        for combatant in self.combatants.values():
            if combatant.spec.routine is not None:
                combatant.routine_process = env.process(
                    combatants.routine_violations(env, self, combatant)
                )
        if scenario.openings:
            env.process(self.openings(scenario.openings))

    def openings(self, openings: tuple[Opening, ...]) -> Generator[simpy.Event, Any, None]:
        """The scripted strikes that open the scenario."""
        for opening in sorted(openings, key=lambda o: o.day):
            if opening.day > self.env.now:
                yield self.env.timeout(opening.day - self.env.now)
            attacker = self.combatants[opening.attacker]
            target = self.combatants[opening.target]
            self.strike(
                attacker,
                attacker.spec.capability(opening.capability),
                opening.intensity,
                StrikeKind.OPENING,
                target=target,
                asset=opening.asset,
                deaths=opening.deaths,
            )

    # strikes ---------------------------------------------------------------------------

    def strike(
        self,
        attacker: Combatant,
        capability: Capability,
        intensity: float,
        kind: StrikeKind,
        cause: int | None = None,
        overt: bool = False,
        target: Combatant | None = None,
        asset: str | None = None,
        deaths: int | None = None,
    ) -> Strike:
        """Resolve a strike now: its toll, the record, and everyone's reaction."""
        if target is None:
            target = attacker.enemy
        rng = attacker.strikes
        hit = target.spec.asset(asset) if asset is not None else target.pick_asset(rng)
        if intensity > capability.max_intensity:
            intensity = capability.max_intensity
        if deaths is None:
            deaths = rng.negative_binomial(intensity * capability.lethality, capability.dispersion)
        if deaths > hit.strength:
            deaths = hit.strength
        personnel = 0
        claimed_personnel = 0
        guarantor = target.hosted
        if guarantor is not None:
            embedded = guarantor.spec.embedded
            assert embedded is not None
            if rng.uniform() < embedded.probability:
                personnel = claimed_personnel = max(1, round(embedded.killed.sample(rng)))
            elif (
                attacker.spec.claims is not None
                and rng.uniform() < attacker.spec.claims.false_personnel
            ):
                claimed_personnel = max(1, round(embedded.killed.sample(rng)))
        claimed = round(deaths * attacker.claim_factor.sample(rng)) if deaths else 0
        strike_id = self._next_id
        self._next_id += 1
        now = self.env.now
        strike = Strike(
            strike_id,
            now,
            attacker.id,
            target.id,
            kind,
            capability.name,
            hit.name,
            intensity,
            deaths,
            personnel,
            guarantor.id if personnel and guarantor is not None else None,
            cause,
            overt,
            claimed,
            claimed_personnel,
        )
        self.record(strike)
        if self.truce is not None:
            self.truce.on_strike(strike)
        self.monitor.observe(strike)
        self.react(target, strike, deaths, now)
        if personnel and guarantor is not None:
            self.react(guarantor, strike, personnel, now)
        return strike

    def react(self, actor: Combatant, strike: Strike, perceived: int, now: float) -> None:
        """``actor`` decides now whether to answer ``strike``, on the losses it perceived."""
        spec = actor.spec.retaliation
        if spec is None:
            return
        rng = actor.decisions
        probability = spec.probability
        if perceived:
            probability += actor.severity_gain * perceived / (perceived + spec.half_severity)
        commitment = actor.spec.commitment
        if commitment is not None:
            committed = rng.uniform() < commitment.probability
            if committed and perceived >= commitment.min_deaths:
                probability += commitment.boost * (1.0 - probability)
                self.record(Commitment(now, actor.id, strike.id))
        patron = actor.patron
        if self.collapsed and patron is not None and patron.spec.restraint is not None:
            probability = min(1.0, probability * patron.spec.restraint.unleash)
        if now < actor.restrained_until:
            probability *= 1.0 - actor.restraint_strength
        if now < self.mediator_until:
            probability *= 1.0 - self.mediator_effect
        retaliates = rng.uniform() < probability
        self.record(Decision(now, actor.id, strike.id, perceived, probability, retaliates))
        if retaliates:
            self.env.process(combatants.retaliation(self.env, self, actor, strike.id, perceived))

    # information ---------------------------------------------------------------------

    def publish(self, strike: Strike, reported: int) -> None:
        """The observer's count of ``strike`` becomes public."""
        now = self.env.now
        self.record(Report(now, strike.id, strike.target, reported))
        self.reported_total += reported
        if self.truce is not None:
            perceived = self.truce.on_report(strike, reported)
            negotiation = self.scenario.negotiation
            if negotiation is not None and perceived >= negotiation.major_deaths:
                self.request_consultation()
        if self.watch is not None:
            self.watch.on_report(now, reported)

    def after_mediator_call(self, spec: Mediator) -> None:
        self.mediator_until = self.env.now + spec.effect_days
        self.mediator_effect = spec.effect
        if spec.strain_relief and self.truce is not None:
            self.truce.add(-spec.strain_relief, "mediator's call")

    # diplomacy ------------------------------------------------------------------------

    def request_consultation(self) -> None:
        if self.channel is not None and not self.collapsed:
            self.channel.request()

    def after_call(self, relief: float, effect: float) -> None:
        """A consultation was held: strain relieved, clients restrained."""
        now = self.env.now
        assert self.truce is not None
        for guarantor_id in self.truce.spec.guarantors:
            guarantor = self.combatants[guarantor_id]
            restraint = guarantor.spec.restraint
            if restraint is None:
                continue
            for client in guarantor.clients:
                client.restrained_until = now + restraint.duration
                client.restraint_strength = restraint.strength * effect
        if relief:
            self.truce.add(-relief, "consultation")

    def on_collapse(self) -> None:
        self.collapsed = True
        for combatant in self.combatants.values():
            combatant.restrained_until = -1.0
        self._rates_changed()
        restoration = self.scenario.truce.restoration if self.scenario.truce else None
        if restoration is not None:
            self.env.process(
                restoration_talks(
                    self.env,
                    self,
                    restoration,
                    self.streams(Concept.DIPLOMACY, "talks"),
                    self.record,
                )
            )

    def restore(self, strain: float) -> None:
        assert self.truce is not None
        self.truce.restore(strain)

    def on_restore(self) -> None:
        self.collapsed = False
        self._rates_changed()

    def _rates_changed(self) -> None:
        """Routine violation processes redraw their waits at the new rates."""
        active = self.env.active_process
        for combatant in self.combatants.values():
            process = combatant.routine_process
            if process is not None and process is not active and process.is_alive:
                process.interrupt("truce changed")
