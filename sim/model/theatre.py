"""The theatre of one replication: wires the collaborators, and resolves strikes.

A strike's toll is drawn, recorded, weighed by the truce, handed to the observer, and
then the struck parties decide whether to answer: the target on its own losses, and a
guarantor whose embedded personnel were killed on those.

The theatre is the composition root. Each collaborator gets only what it uses: the
truce's ``Phase``, the record, callables (``strike``, ``consult``, ``relieve``,
``restore``) and small protocols (``Calm``, ``Restrainer``, ``Losses``); none reads or
writes the theatre's fields.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import Timeout

from sim.model import combatants
from sim.model.combatants import Combatant
from sim.model.diplomacy import Channel, Conference, RestorationTalks
from sim.model.information import Calm, Monitor, Watch
from sim.model.memo import by_identity
from sim.model.phase import Phase
from sim.model.records import Keep, Record, Strike, StrikeKind
from sim.model.streams import Concept, Streams, by_weight, running_weights
from sim.model.timers import urgent
from sim.model.truce import TruceLedger
from sim.scenario.spec import Actor, Capability, Opening, Scenario, Suspect


def _nothing(*args: object) -> None:
    """What a missing collaborator does."""


@by_identity
def armed(scenario: Scenario) -> tuple[Actor, ...]:
    return scenario.armed


@by_identity
def in_order(scenario: Scenario) -> tuple[Opening, ...]:
    """The scripted openings by day (in file order within a day)."""
    return tuple(sorted(scenario.openings, key=lambda o: o.day))


@by_identity
def follows_strain(scenario: Scenario) -> bool:
    """Whether some routine rate changes when the truce is strained."""
    return any(
        a.routine is not None and a.routine.rate_strained != a.routine.rate for a in scenario.armed
    )


class Theatre:
    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        streams: Streams,
        record: Callable[[Record], None],
        keep: Keep = Keep.ALL,
    ) -> None:
        self.env = env
        self.record = record
        self.streams = streams
        self._next_id = 1
        self.phase = phase = Phase(env)
        truce, negotiation = scenario.truce, scenario.negotiation
        self.truce = (
            TruceLedger(
                env,
                truce,
                phase,
                record,
                consult=_nothing,  # connected to the channel below, once it exists
                consult_at=negotiation.major_deaths if negotiation is not None else float("inf"),
                keep=keep,
            )
            if truce is not None
            else None
        )
        relieve = self.truce.relieve if self.truce is not None else _nothing
        watch = Watch(env, scenario.mediator, record, relieve) if scenario.mediator else None
        calm = watch.calm if watch is not None else Calm()
        self.combatants = {
            a.id: Combatant(a, streams, env, phase, calm, self.strike, record, keep is Keep.ALL)
            for a in armed(scenario)
        }
        self.personnel = dict.fromkeys(self.combatants, 0)  # each guarantor's, known at once
        for combatant in self.combatants.values():
            spec = combatant.spec
            combatant.aim_at([(self.combatants[t.actor], t.weight) for t in spec.targets])
            if spec.patron is not None:
                combatant.patron = self.combatants[spec.patron]
                combatant.patron.clients.append(combatant)
            if spec.embedded is not None:
                self.combatants[spec.embedded.host].hosted = combatant
        listeners = [self.truce.on_report] if self.truce is not None else []
        if watch is not None:
            listeners.append(watch.on_report)
        self.monitor = Monitor(env, scenario.observer, streams(Concept.REPORTS), record, listeners)
        conference = None
        if self.truce is not None and truce is not None and scenario.talks is not None:
            conference = Conference(
                env,
                scenario.talks,
                scenario.summits,
                phase,
                streams(Concept.DIPLOMACY, "convened"),
                record,
                self.truce,
                self.side_losses(truce.parties, scenario.talks.personnel_cost),
            )
        if self.truce is not None and truce is not None and negotiation is not None:
            channel = Channel(
                env,
                negotiation,
                phase,
                streams(Concept.DIPLOMACY),
                record,
                relieve,
                [self.combatants[p] for p in truce.parties],
                conference.convene if conference is not None else None,
                streams(Concept.DIPLOMACY, "convening"),
            )
            self.truce.consult = channel.request
        self.remember(scenario)
        if self.truce is not None:
            if truce is not None and truce.restoration is not None:
                RestorationTalks(
                    env,
                    truce.restoration,
                    phase,
                    streams(Concept.DIPLOMACY, "talks"),
                    record,
                    self.monitor,
                    self.truce.restore,
                )
            self.truce.start()
        phase.follow_strain = follows_strain(scenario)
        for combatant in self.combatants.values():
            if combatant.spec.routine is not None:
                phase.follow(combatants.RoutineViolations(env, combatant))
        self._openings = in_order(scenario)
        self._next_opening = 0
        if self._openings:  # from the start of the run, as a process would start
            urgent(env, self._open)

    def peak_strain(self) -> float | None:
        """The highest strain at a change, when the changes were not recorded."""
        if self.truce is None or self.truce.every_record:
            return None
        return self.truce.peak

    def strain_changes(self) -> tuple[list[float], list[float]] | None:
        """The strain's changes (days, levels), when kept as numbers."""
        return self.truce.changes if self.truce is not None else None

    def final_strain(self, day: float) -> float | None:
        """The truce's strain at ``day`` (None without a truce, or once collapsed)."""
        if self.truce is None or self.phase.collapsed:
            return None
        return self.truce.strain(day)

    def side_losses(
        self, parties: tuple[str, str], personnel_cost: float
    ) -> Callable[[], tuple[float, float]]:
        """Both parties' sides' losses so far, as the talks weigh them: the deaths the
        observer reported among their people, and their guarantors' personnel killed
        at ``personnel_cost`` deaths each."""
        sides = [self.combatants[p].side for p in parties]
        members = [[c for c in self.combatants.values() if c.side == side] for side in sides]
        reported = self.monitor.reported_of

        def losses() -> tuple[float, float]:
            a, b = (
                sum(reported.get(c.id, 0) + personnel_cost * self.personnel[c.id] for c in side)
                for side in members
            )
            return a, b

        return losses

    def remember(self, scenario: Scenario) -> None:
        """The losses before day 0: in the victims' grievances, and a guarantor's
        personnel towards the truce's limit."""
        for loss in scenario.history:
            target = self.combatants[loss.target]
            target.remember(loss.deaths, loss.day)
            guarantor = target.hosted
            if loss.personnel and guarantor is not None:
                guarantor.remember(loss.personnel, loss.day)
                if self.truce is not None:
                    self.truce.lose_personnel(guarantor.id, loss.personnel)

    def suspect(self, opening: Opening) -> Suspect:
        """Who struck: drawn by weight when the opening has several suspects."""
        stream = self.streams(Concept.STRIKES, "openings")
        return by_weight(stream, running_weights((s, s.weight) for s in opening.suspects))

    def _open(self, event: simpy.Event) -> None:
        """Strike the openings due now, in their order, and set a timer for the next.
        The opening a timer waited for strikes when it fires, at whatever day the
        wait's arithmetic gives (0.2 + 0.7 is just under 0.9)."""
        openings = self._openings
        if event.value is not None:  # the timer of opening ``event.value``
            self._next_opening += 1
            self.open(openings[event.value])
        now = self.env.now
        while self._next_opening < len(openings):
            opening = openings[self._next_opening]
            if opening.day > now:
                wait = Timeout(self.env, opening.day - now, self._next_opening)
                wait.callbacks.append(self._open)
                return
            self._next_opening += 1
            self.open(opening)

    def open(self, opening: Opening) -> None:
        """A scripted strike that opens the scenario."""
        suspect = self.suspect(opening)
        attacker = self.combatants[suspect.actor]
        self.strike(
            attacker,
            attacker.spec.capability(suspect.capability),
            opening.intensity,
            StrikeKind.OPENING,
            target=self.combatants[opening.target],
            asset=opening.asset,
            deaths=opening.deaths,
            personnel=opening.personnel,
            blamed=dict(opening.blamed),
        )

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
        personnel: int | None = None,
        blamed: dict[str, str] | None = None,
    ) -> Strike:
        """Resolve a strike now: its toll, the record, and everyone's reaction. An
        opening may fix ``deaths`` and ``personnel``, and say whom each actor blames
        (``blamed``: others blame the attacker)."""
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
        claimed_personnel = 0
        guarantor = target.hosted
        if personnel is not None:  # a fact of the opening
            claimed_personnel = personnel
        elif guarantor is not None:
            personnel = 0
            embedded = guarantor.spec.embedded
            assert embedded is not None
            if rng.uniform() < embedded.probability:
                personnel = claimed_personnel = max(1, round(embedded.killed.sample(rng)))
            elif (
                attacker.spec.claims is not None
                and rng.uniform() < attacker.spec.claims.false_personnel
            ):
                claimed_personnel = max(1, round(embedded.killed.sample(rng)))
        else:
            personnel = 0
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
        combatants = self.combatants
        if blamed is None:
            target.react(strike_id, deaths, now, attacker)
        else:
            target.react(strike_id, deaths, now, combatants[blamed.get(target.id, attacker.id)])
        if personnel and guarantor is not None:
            self.personnel[guarantor.id] += personnel
            blames = (
                attacker if blamed is None else combatants[blamed.get(guarantor.id, attacker.id)]
            )
            guarantor.react(strike_id, personnel, now, blames)
        return strike
