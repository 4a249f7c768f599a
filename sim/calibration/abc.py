"""ABC-SMC with pyabc, on the project's executors and under its seed discipline.

Each particle is a point of the varied parameters; the model runs ``replications``
replications of the scenario there and returns every target's statistic. The
observation model is the one a target file states: the observed statistic is the
model's plus a normal error of the target's ``sd``. pyabc's stochastic acceptor with a
normal kernel and a temperature schedule samples the posterior of that model exactly
(Wilkinson 2013; Schaelte and Hasenauer 2020) once the temperature reaches 1; the
Monte Carlo error of ``replications`` runs is part of the model, so fewer replications
give a wider, not a wrong, posterior.

Seeds: every population is sampled as ``particles`` tasks, task ``i`` of sampling round
``r`` seeded from ``SeedSequence(seed, spawn_key=(r, i))``; a task proposes and
simulates until one particle is accepted, drawing each model run's seed from its own
generator. The tasks run on any ``concurrent.futures`` executor (serial, a process pool,
Dask) and are gathered in task order, so the posterior never depends on the workers.
Each finished task is kept (``sim.calibration.tasks``), so a rerun replays it.

A particle whose replications fail (outrun the event budget or the memory budget, or
raise) is rejected and counted; a task that proposes ``PROPOSALS`` particles without
accepting one stops the calibration with a message, rather than running for ever after
targets the varied ranges cannot reach.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibration.targets import Target, needs_daily, simulated
from sim.calibration.tasks import TaskStore
from sim.experiments.chunks import DEFAULT_BUDGET, run_chunk
from sim.experiments.designs import Factor, point_scenario
from sim.model import Budget
from sim.optional import require
from sim.scenario import Override

PROPOSALS = 1000  # per task, before a calibration is stopped as out of reach
FAILED = "failed"  # the statistic that counts a particle's failed replications


def parameter_names(factors: Sequence[Factor]) -> list[str]:
    """pyabc's parameter names: p0, p1, ... (a dotted path is not a safe name)."""
    return [f"p{i}" for i in range(len(factors))]


def target_keys(targets: Sequence[Target]) -> list[str]:
    return [f"t{i}" for i in range(len(targets))]


@dataclass(frozen=True)
class Model:
    """The simulator pyabc calls: a parameter point in, the targets' statistics out.
    A statistic no replication defines (an answer that never came) is infinitely far
    from any observation, so the particle is rejected; so is a particle with a failed
    replication, whose ``failed`` statistic counts them."""

    raw: Mapping[str, Any]
    origin: str
    base: tuple[Override, ...]
    factors: tuple[Factor, ...]
    targets: tuple[Target, ...]
    replications: int
    budget: Budget = DEFAULT_BUDGET

    def point(self, parameters: Mapping[str, float]) -> dict[str, float]:
        found = {}
        for name, factor in zip(parameter_names(self.factors), self.factors, strict=True):
            value = float(parameters[name])
            found[factor.path] = round(value) if factor.whole else value
        return found

    def statistics(self, point: Mapping[str, float], seed: int) -> dict[str, float]:
        scenario = point_scenario(self.raw, self.origin, self.base, point)
        chunk = run_chunk(
            scenario, seed, 0, self.replications, self.budget, needs_daily(self.targets)
        )
        if chunk.failures:
            failed = {key: math.inf for key in target_keys(self.targets)}
            return {**failed, FAILED: float(len(chunk.failures))}
        found = {FAILED: 0.0}
        for key, target in zip(target_keys(self.targets), self.targets, strict=True):
            value = simulated(target, scenario, chunk.columns, chunk.daily)
            found[key] = math.inf if math.isnan(value) else value
        return found

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))  # the task's seeded generator
        return self.statistics(self.point(parameters), seed)


def _until_accepted(simulate_one: bytes, seed: int) -> list[Any]:
    """One task: propose and simulate until a particle is accepted, or ``PROPOSALS``
    were rejected."""
    import random

    import cloudpickle

    run = cloudpickle.loads(simulate_one)
    saved = np.random.get_state(), random.getstate()  # a serial task runs in the caller
    np.random.seed(seed)
    random.seed(seed)
    particles: list[Any] = []
    try:
        while len(particles) < PROPOSALS:
            particle = run()
            particles.append(particle)
            if particle.accepted:
                break
        return particles
    finally:
        np.random.set_state(saved[0])
        random.setstate(saved[1])


class OutOfReach(Exception):
    """A task proposed ``PROPOSALS`` particles and accepted none."""


def seeded_sampler(executor: cf.Executor, seed: int, store: TaskStore) -> Any:
    """A pyabc sampler whose populations depend on ``seed`` alone (see the module).
    It keeps each finished task in ``store`` as it finishes, and replays a kept task
    instead of running it again. ``tasks`` counts the tasks of every round, ``failed``
    the particles rejected for failed replications."""
    require("pyabc", "truce calibrate", "", "calibration (ABC-SMC)")
    import cloudpickle
    from pyabc.sampler import Sampler

    class SeededSampler(Sampler):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.rounds = 0
            self.tasks = 0
            self.failed = 0

        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Callable[[], Any],
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Any:
            blob = cloudpickle.dumps(simulate_one)
            round_ = self.rounds
            sequence = np.random.SeedSequence(seed, spawn_key=(round_,))
            self.rounds += 1
            seeds = sequence.generate_state(n, dtype=np.uint32)
            found: list[list[Any] | None] = []
            for task in range(n):
                kept = store.get(round_, task)
                found.append(None if kept is None else cloudpickle.loads(kept))
            pending: dict[cf.Future[list[Any]], int] = {}

            def keep(future: cf.Future[list[Any]], task: int) -> None:
                particles = future.result()
                store.put(round_, task, cloudpickle.dumps(particles))
                found[task] = particles

            try:
                for task in range(n):
                    if found[task] is None:
                        future = executor.submit(_until_accepted, blob, int(seeds[task]))
                        if future.done():  # ran at once (serial): keep it before the next
                            keep(future, task)
                        else:
                            pending[future] = task
                while pending:
                    done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        keep(future, pending.pop(future))
            finally:
                for future in pending:
                    future.cancel()
            sample = self._create_empty_sample()
            evaluations = 0
            for kept_particles in found:
                assert kept_particles is not None
                particles = kept_particles
                if not particles[-1].accepted:
                    raise OutOfReach(
                        f"population {t} accepted no particle in {PROPOSALS} proposals"
                    )
                evaluations += len(particles)
                self.failed += sum(p.sum_stat.get(FAILED, 0.0) > 0 for p in particles)
                for particle in particles:
                    sample.append(particle)
            self.tasks += n
            self.nr_evaluations_ = evaluations
            return sample

    return SeededSampler()


@dataclass
class Fit:
    """What an ABC-SMC run gives: the last population (``points``, one row of the
    varied parameters' values per particle, and their normalised ``weights``), and the
    run's history per population."""

    points: np.ndarray[Any, Any]
    weights: np.ndarray[Any, Any]
    populations: list[dict[str, Any]]
    final_temperature: float
    evaluations: int
    tasks: int  # the sampling tasks of every round, the prior's calibration sample too
    failed: int  # particles rejected for failed replications


def quiet_pyabc() -> None:
    for name in ("ABC", "pyabc", "Sampler", "History", "Epsilon", "Acceptor", "Distance"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("ABC").propagate = False


def fit(
    model: Model,
    *,
    particles: int,
    generations: int,
    seed: int,
    executor: cf.Executor,
    database: str,
    store: TaskStore,
) -> Fit:
    """Run ABC-SMC until the temperature reaches 1 or ``generations`` populations."""
    require("pyabc", "truce calibrate", "", "calibration (ABC-SMC)")
    import pyabc

    quiet_pyabc()
    prior = pyabc.Distribution(
        **{
            name: pyabc.RV("uniform", f.low, f.high - f.low)
            for name, f in zip(parameter_names(model.factors), model.factors, strict=True)
        }
    )
    keys = target_keys(model.targets)
    kernel = pyabc.IndependentNormalKernel(var=[t.sd**2 for t in model.targets], keys=keys)
    abc = pyabc.ABCSMC(
        model,
        prior,
        kernel,
        population_size=particles,
        eps=pyabc.Temperature(),
        acceptor=pyabc.StochasticAcceptor(),
        sampler=(sampler := seeded_sampler(executor, seed, store)),
    )
    abc.new(database, {k: t.observed for k, t in zip(keys, model.targets, strict=True)})
    history = abc.run(max_nr_populations=generations)
    frame, weights = history.get_distribution()
    names = parameter_names(model.factors)
    points = frame[names].to_numpy(dtype=float)
    table = history.get_all_populations()
    populations = [
        {
            "population": int(row.t),
            "temperature": float(row.epsilon),
            "evaluations": int(row.samples),
        }
        for row in table.itertuples()
        if row.t >= 0
    ]
    total = int(history.total_nr_simulations)
    return Fit(
        points,
        np.asarray(weights, dtype=float) / float(np.sum(weights)),
        populations,
        populations[-1]["temperature"] if populations else math.inf,
        total,
        sampler.tasks,
        sampler.failed,
    )
