"""The library's front door: one function per command of the ``truce`` command line,
each taking the same kinds of arguments and returning data.

- ``run`` -> ``Results`` (rows, a DataFrame, the distributions as data)
- ``open_results`` -> ``Results`` or ``SweepResults`` from a directory
- ``sweep`` -> ``SweepResults``
- ``compare`` -> ``Comparison``
- ``sensitivity`` -> the ranking as data
- ``trace`` -> ``Trace``
- ``plot`` -> a matplotlib ``Figure``

A scenario is a path to a TOML file or a ``Scenario``; overrides are ``"PATH=VALUE"``
strings or a mapping of paths to values. A run stopped by Ctrl-C raises ``Interrupted``,
which carries the results that finished.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import (
    CalibrationInterrupted,
    InputError,
    OutputFailed,
    RunFailed,
    TruceWarning,
)
from sim.experiments import draws as draws_files
from sim.experiments import sensitivity as sensitivity_analysis
from sim.experiments.chunks import Chunk, chunk_size, failure_text
from sim.experiments.designs import (
    DESIGNS,
    Factor,
    parse_factors,
    point_scenario,
    resolve_wholeness,
)
from sim.experiments.draws import Draws
from sim.experiments.executors import CONNECT_TIMEOUT, Backend, choose_backend, open_executor
from sim.experiments.experiment_files import Experiment, is_experiment_file, load_experiment
from sim.experiments.precision import Precision
from sim.experiments.runs import MAX_RUNS, Campaign, Sink, run_on
from sim.experiments.sweeps import SweepProgress, run_sweep
from sim.model import Budget, simulate
from sim.model.budget import MAX_EVENTS, MAX_MEMORY_MB
from sim.model.catalogue import check_columns, find_series, outcome_fields, series_at
from sim.model.catalogue import days as daily_days
from sim.model.episodes import run_episodes
from sim.outputs import daily_pictures, pictures
from sim.outputs.manifests import writable, write_json
from sim.outputs.results import Results, RunInfo, SweepResults, open_results
from sim.outputs.results_dir import ResultsDir
from sim.outputs.rows import RowWriter, check_target, is_row_file, write_provenance
from sim.outputs.sinks import MemorySink
from sim.outputs.sweep_dir import SweepDir
from sim.outputs.timelines import Trace
from sim.scenario import (
    Overrides,
    Scenario,
    build_scenario,
    load_scenario,
    read_toml,
    to_overrides,
)
from sim.scenario.dump import differences, scenario_to_data
from sim.statistics.comparisons import Comparison, Divergence, Side, diverge, zero_in_both
from sim.statistics.comparisons import compare as compare_sides
from sim.statistics.daily import DailySummary
from sim.statistics.episodes import EpisodeSummary, summarize_episodes
from sim.statistics.estimators import check_confidence, import_meanwhile

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.calibration.calibrate import Calibration
    from sim.discovery.discover import Discovery

ScenarioLike = Scenario | str | Path
Progress = Callable[[int, int], None]  # (replications just finished, replications aimed at)

__all__ = [
    "CalibrationInterrupted",
    "Interrupted",
    "compare",
    "discover",
    "open_results",
    "plot",
    "run",
    "sensitivity",
    "sweep",
    "trace",
]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run or a sweep; ``results`` holds every replication that
    finished (``None`` if none could be kept), ``done`` of ``target``."""

    def __init__(self, results: Results | SweepResults | None, done: int, target: int) -> None:
        super().__init__(f"interrupted after {done} of {target} replications")
        self.results = results
        self.done = done
        self.target = target


def scenario_of(source: ScenarioLike, overrides: Overrides = ()) -> tuple[Scenario, str]:
    """The scenario (with overrides) and where it came from, checked whole: its values,
    and outcome columns that its actor ids keep apart."""
    if isinstance(source, Scenario):
        origin = source.name
        loaded = (
            build_scenario(scenario_to_data(source), origin, overrides) if overrides else source
        )
    else:
        origin = str(source)
        loaded = load_scenario(source, overrides)
    check_columns(loaded, origin)
    return loaded, origin


def _raw(source: ScenarioLike) -> tuple[dict[str, Any], str]:
    if isinstance(source, Scenario):
        return scenario_to_data(source), source.name
    return read_toml(source), str(source)


def _call(name: str, origin: str, **shown: Any) -> list[str]:
    """A library call as the manifest records it (the command line records argv)."""
    given = ", ".join(f"{key}={value!r}" for key, value in shown.items())
    return [f"sim.{name}({origin!r}, {given})"]


def _whole(value: int | None, option: str, low: int) -> None:
    """The checks click makes on the command line, made for library callers too."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
        raise InputError(option, str(value), f"expected a whole number >= {low}")


def _fraction(value: float, option: str, low: float, high: float) -> None:
    if not (isinstance(value, int | float) and low <= value <= high):
        raise InputError(option, str(value), f"expected a number from {low:g} to {high:g}")


def _choice(value: str | None, option: str, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        raise InputError(option, str(value), f"expected one of {', '.join(choices)}")


def is_row_output(output: str | Path) -> bool:
    """Whether ``--output`` names a row file (.csv or .json) rather than a directory."""
    return bool(Path(output).suffix) and not Path(output).is_dir()


def _label(origin: str, overrides: Overrides) -> str:
    """A run's name: its scenario and the overrides it was run with."""
    given = to_overrides(overrides)
    if not given:
        return origin
    return f"{origin} with " + ", ".join(f"{o.path}={o.value!r}" for o in given)


def run(
    scenario: ScenarioLike,
    *,
    runs: int = 1000,
    seed: int = 1,
    overrides: Overrides = (),
    jobs: int | None = None,
    cluster: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    chunk: int | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
    until_ci: str | tuple[str, float] | None = None,
    max_runs: int = 100_000,
    confidence: float = 0.95,
    max_events: int = MAX_EVENTS,
    max_memory: int = MAX_MEMORY_MB,
    daily: bool | None = None,
    posterior: str | Path | None = None,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
) -> Results:
    """Run ``runs`` replications of ``scenario`` under ``seed``.

    ``jobs`` local worker processes (all cores by default; 1 runs here), or a Dask
    ``cluster`` (``tcp://HOST:PORT`` or ``local:N``). ``output`` is a ``.csv`` or
    ``.json`` file of rows (written in replication order, with a provenance file
    beside it; an existing file of another run is replaced only with ``overwrite``),
    or a results directory (resumed if it holds this run).
    ``until_ci="METRIC=WIDTH"`` adds replications until METRIC's interval half-width
    is at most WIDTH, or ``max_runs``. The numbers never depend on ``jobs``,
    ``cluster`` or ``chunk``. A replication stops, and is reported as failed, past
    ``max_events`` SimPy events or ``max_memory`` megabytes of memory growth; if the
    first ten replications all fail, the run stops with ``RunFailed``.
    ``daily`` keeps each replication's daily series (``Results.daily``): by default in
    memory and in a new results directory (an existing one keeps what it was made
    with), not beside a row file, which holds outcomes only.
    """
    for value, option, low in ((runs, "--runs", 1), (seed, "--seed", 0), (chunk, "--chunk", 1)):
        _whole(value, option, low)
    _whole(max_runs, "--max-runs", 1)
    _at_most(runs, "--runs", MAX_RUNS)
    _at_most(max_runs, "--max-runs", MAX_RUNS)
    budget = _budget(max_events, max_memory)
    check_confidence(confidence)
    loaded, origin = scenario_of(scenario, overrides)
    draws = None
    if posterior is not None:
        raw, _ = _raw(scenario)
        draws = Draws.open(posterior, raw, origin, tuple(to_overrides(overrides)))
    backend = _workers(choose_backend(jobs, cluster, connect_timeout), runs, chunk)
    precision = Precision.parse(until_ci, loaded, max_runs) if until_ci else None
    names = outcome_fields(loaded)
    stored: ResultsDir | None = None
    memory: MemorySink | None = None
    sink: Sink
    shown = command or _call("run", origin, runs=runs, seed=seed)
    aim: dict[str, Any] = {
        "runs": runs,
        "until_ci": until_ci,
        "max_runs": max_runs if until_ci else None,
    }
    if draws is not None:
        aim["posterior"] = draws.describe()
    if output is not None and is_row_output(output):
        check_target(output, loaded, seed, aim, overwrite)
        writer = RowWriter(output, names)  # a file: .csv or .json
        sink = memory = MemorySink(names, writer, daily=bool(daily))
    elif output is not None:
        sink = stored = ResultsDir.create_or_resume(
            output,
            loaded,
            origin,
            seed,
            daily=daily,
            posterior=draws.describe() if draws is not None else None,
        )
        stored.begin(shown, backend.describe(), runs)
    else:
        sink = memory = MemorySink(names, daily=daily is not False)
    campaign = Campaign()
    interrupted = False
    outcome = "finished"
    try:
        with open_executor(backend) as (executor, workers):
            run_on(
                executor,
                workers,
                loaded,
                seed,
                runs,
                sink,
                chunk=chunk,
                precision=precision,
                confidence=confidence,
                on_chunk=_meanwhile(backend, progress),
                campaign=campaign,
                budget=budget,
                draws=draws,
            )
    except KeyboardInterrupt:
        interrupted, outcome = True, "interrupted"
    except RunFailed as error:
        outcome = f"failed: {error}"
        raise
    except OSError as error:  # a full or read-only disk, once work began
        outcome = f"failed: {error.strerror}"
        raise _no_room(output, error, campaign.replications) from None
    finally:
        if memory is not None:
            _as_far_as_possible(memory.close)
            if output is not None and memory.writer is not None:
                given = to_overrides(overrides)
                rows = memory.rows_written
                _as_far_as_possible(
                    lambda: write_provenance(
                        output, loaded, origin, given, seed, aim, rows, outcome, shown
                    )
                )
        if stored is not None:
            note = {"failures": len(campaign.failures), "replications_added": campaign.added}
            try:
                _as_far_as_possible(lambda: stored.end(campaign.seconds, outcome, note))
            finally:
                stored.close()
    info = RunInfo.of(campaign, precision, interrupted)
    results = Results(
        loaded,
        seed,
        sink,
        label=str(stored.path) if stored is not None else _label(origin, overrides),
        directory=stored.path if stored is not None else None,
        failures=campaign.failures,
        info=info,
    )
    if interrupted:
        raise Interrupted(results, campaign.replications, campaign.target)
    if campaign.failures and not len(results):
        first = campaign.failures[0].describe()
        raise RunFailed(f"every replication failed; the first: {first}")
    return results


def _meanwhile(
    backend: Backend, progress: Progress | None
) -> Callable[[Chunk, Campaign], None] | None:
    """What a run does as each chunk arrives: report progress, and once the first is
    in (every worker started), import the statistics the summary needs, unless the
    run is in this process."""
    started = backend.kind == "serial"
    if started and progress is None:
        return None

    def arrived(done: Chunk, state: Campaign) -> None:
        nonlocal started
        if not started:
            started = True
            import_meanwhile()
        if progress is not None:
            progress(done.count, state.target)

    return arrived


def _no_room(output: str | Path | None, error: OSError, kept: int) -> OutputFailed:
    """The one line for a disk that refused a write once work began."""
    return OutputFailed(
        f"writing {output} failed ({error.strerror}); the {kept} replications finished "
        "before are kept (run the same command again to resume, once there is room)"
    )


def _as_far_as_possible(step: Callable[[], object]) -> None:
    """A closing step after a failed write: it may fail the same way, and must not
    hide the first failure (the directory's lock, released next, lets readers see a
    manifest left 'running' as a run that stopped)."""
    with contextlib.suppress(OSError):
        step()


def _at_most(value: int | None, option: str, most: int) -> None:
    if value is not None and value > most:
        raise InputError(option, str(value), f"expected at most {most}")


def _budget(max_events: int, max_memory: int) -> Budget:
    _whole(max_events, "--max-events", 1)
    _whole(max_memory, "--max-memory", 1)
    return Budget(max_events, max_memory)


def _workers(backend: Backend, runs: int, chunk: int | None) -> Backend:
    """No more local workers than chunks to give them, and a warning when there are
    more than cores (they would only share them)."""
    if backend.kind != "local":
        return backend
    cores = os.cpu_count() or 1
    if backend.workers > cores:
        warnings.warn(
            f"--jobs {backend.workers} is more than the {cores} cores here; "
            "the extra workers only share them",
            TruceWarning,
            stacklevel=3,
        )
    size = chunk or chunk_size(runs, backend.workers)
    return dataclasses.replace(backend, workers=min(backend.workers, -(-runs // size)))


def _experiment(source: ScenarioLike) -> Experiment:
    if not isinstance(source, Scenario) and is_experiment_file(source):
        return load_experiment(source)
    raw, origin = _raw(source)
    return Experiment(origin, raw)


def sweep(
    source: ScenarioLike,
    *,
    vary: Mapping[str, Any] | Sequence[str | Factor] = (),
    overrides: Overrides = (),
    runs: int | None = None,
    seed: int | None = None,
    design: str | None = None,
    points: int | None = None,
    output: str | Path | None = None,
    metrics: Sequence[str] = (),
    jobs: int | None = None,
    cluster: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    chunk: int | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
    max_events: int = MAX_EVENTS,
    max_memory: int = MAX_MEMORY_MB,
    daily: bool | None = None,
) -> SweepResults:
    """Run a design of points over scenario parameters into the sweep directory
    ``output``, resuming it point by point; write and return its tidy summary.

    ``source`` is a scenario or an experiment file (whose settings the arguments
    given here override). ``vary`` maps paths to SPECs (``"0.1:0.9:5"``, a list of
    values) or lists ``"PATH=SPEC"`` strings. ``design`` is grid (default), lhs or
    sobol (with ``points``). Every point shares the seed (common random numbers).
    Each replication has the budget of ``run``; ``daily`` keeps each point's daily
    series, as ``run`` does in a results directory.
    """
    _choice(design, "--design", DESIGNS)
    budget = _budget(max_events, max_memory)
    for value, option, low in ((runs, "--runs", 1), (seed, "--seed", 0), (points, "--points", 1)):
        _whole(value, option, low)
    _whole(chunk, "--chunk", 1)
    check_confidence(confidence)
    experiment = (
        _experiment(source)
        .merged(
            overrides=to_overrides(overrides),
            factors=parse_factors(vary),
            runs=runs,
            seed=seed,
            design=design,
            points=points,
            output=str(output) if output is not None else None,
            metrics=metrics,
        )
        .finished()
    )
    assert experiment.output is not None and experiment.seed is not None
    kept = SweepDir.kept_daily(experiment.output)
    if kept is None and SweepDir.holds(experiment.output):
        kept = False  # made before daily series were kept: its points have none
    if daily is not None and kept is not None and daily != kept:
        raise InputError(
            "--daily",
            "on" if daily else "off",
            f"{experiment.output} was run with --daily {'on' if kept else 'off'}, and a sweep "
            "keeps daily series for all of its points or none; rerun without --daily, or "
            "choose another directory",
        )
    daily = daily if daily is not None else (kept if kept is not None else True)
    if not daily:
        base = experiment.base()
        for name in experiment.metrics:
            if series_at(base, name, "--metric") is not None:
                raise InputError("--metric", name, "a daily series needs --daily on")
    scenarios = experiment.point_scenarios()  # every point is checked before anything is written
    backend = choose_backend(jobs, cluster, connect_timeout)
    state = SweepProgress()
    shown = command or _call("sweep", experiment.scenario_file, output=experiment.output)
    stored = SweepDir.create_or_resume(
        experiment.output,
        experiment.identity(),
        experiment.scenario_file,
        experiment.runs or 0,
        experiment.metrics,
        shown,
        daily,
    )
    seed, origin = experiment.seed, experiment.scenario_file

    def open_point(index: int, scenario: Scenario, point: Mapping[str, float | int]) -> ResultsDir:
        constants = {"point": index, **point}
        return ResultsDir.create_or_resume(
            stored.point_path(index), scenario, origin, seed, constants=constants, daily=daily
        )

    outcome = "interrupted"
    try:
        run_sweep(
            experiment,
            scenarios,
            open_point,
            backend,
            shown,
            chunk=chunk,
            on_chunk=(lambda done, p: progress(done.count, p.target)) if progress else None,
            progress=state,
            budget=budget,
        )
        outcome = "finished"
    except KeyboardInterrupt:
        raise Interrupted(SweepResults(stored, state.failures), state.done, state.target) from None
    except RunFailed as error:
        outcome = f"failed: {error}"
        raise
    except OSError as error:  # a full or read-only disk, once work began
        outcome = f"failed: {error.strerror}"
        raise _no_room(experiment.output, error, state.done) from None
    finally:
        if outcome == "finished":
            stored.finish(outcome)
        else:
            _as_far_as_possible(lambda: stored.finish(outcome))
    results = SweepResults(stored, state.failures)
    try:
        stored.write_summary(results.summary(confidence=confidence))
    except OSError as error:
        raise OutputFailed(
            f"writing the summary of {experiment.output} failed ({error.strerror}); every "
            "point is kept (run the same command again, once there is room, to write it)"
        ) from None
    return results


def _opened(given: Results | ScenarioLike, option: str) -> Results | None:
    """Results given, or in the directory or row file given; None for a scenario to run."""
    if isinstance(given, Results):
        return given
    if not isinstance(given, Scenario) and (Path(given).is_dir() or is_row_file(given)):
        opened = open_results(given, option)
        if isinstance(opened, SweepResults):
            raise InputError(
                option,
                str(given),
                "is a sweep; compare two of its points (its points/NNNN directories)",
            )
        return opened
    return None


def compare(
    a: Results | ScenarioLike,
    b: Results | ScenarioLike,
    *,
    runs: int | None = None,
    seed: int | None = None,
    overrides_a: Overrides = (),
    overrides_b: Overrides = (),
    jobs: int | None = None,
    cluster: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    confidence: float = 0.95,
    alpha: float = 0.05,
    max_events: int = MAX_EVENTS,
    max_memory: int = MAX_MEMORY_MB,
    series: str = "cumulative_deaths",
) -> Comparison:
    """Compare B with A outcome by outcome. Each is a run's ``Results``, a results
    directory, or a scenario run here; a scenario compared with a run takes the run's
    seed and replication count, so the two are paired by replication. A scenario run
    here has the replication budget of ``run``. Where both runs kept their daily
    series, daily ``series`` is compared day by day too: from which day do they
    differ (``Comparison.divergence``)?"""
    _budget(max_events, max_memory)
    _whole(runs, "--runs", 1)
    _whole(seed, "--seed", 0)
    check_confidence(confidence)
    _fraction(alpha, "--alpha", 0.0001, 0.5)
    given = [(a, "A", overrides_a), (b, "B", overrides_b)]
    opened = [_opened(source, option) for source, option, _ in given]
    for results, (source, option, extra) in zip(opened, given, strict=True):
        if results is not None and to_overrides(extra):
            raise InputError(
                f"--set-{option.lower()}",
                str(source),
                f"{option} is a finished run; overrides apply to a scenario run here",
            )
    if all(r is not None for r in opened) and (runs is not None or seed is not None):
        raise InputError(
            "--runs" if runs is not None else "--seed",
            str(runs if runs is not None else seed),
            "A and B are finished runs; --runs and --seed apply to a scenario run here",
        )
    reference = next((r for r in opened if r is not None), None)
    for results, (source, _, extra) in zip(opened, given, strict=True):
        if results is None:
            assert not isinstance(source, Results)
            results_scenario = scenario_of(source, extra)[0]
        else:
            results_scenario = results.scenario
        if find_series(results_scenario, series, "--series").kind is str:  # before any run
            raise InputError("--series", series, "expected a numeric daily series (a state)")
    seed = seed if seed is not None else (reference.seed if reference is not None else 1)
    runs = runs or (len(reference) if reference is not None else 1000)
    sides: list[Results] = []
    for (source, _, extra), results in zip(given, opened, strict=True):
        if results is None:
            assert not isinstance(source, Results)
            results = run(
                source,
                runs=runs,
                seed=seed,
                overrides=extra,
                jobs=jobs,
                cluster=cluster,
                connect_timeout=connect_timeout,
                max_events=max_events,
                max_memory=max_memory,
            )
        sides.append(results)
    horizons = [r.scenario.horizon for r in sides]
    if horizons[0] != horizons[1]:
        raise InputError(
            "compare",
            f"{sides[0].label} and {sides[1].label}",
            f"A and B run to different horizons ({horizons[0]:g} and {horizons[1]:g} days), "
            "so their outcomes do not measure the same thing",
        )
    found = [Side(r.label, r.scenario, r.seed, r.summary_columns()) for r in sides]
    rows = compare_sides(found[0], found[1], confidence, alpha)
    changes = differences(sides[0].scenario, sides[1].scenario)
    held = (len(found[0].columns["replication"]), len(found[1].columns["replication"]))
    both = len(set(found[0].columns["replication"]) & set(found[1].columns["replication"]))
    compared = (both, both) if sides[0].seed == sides[1].seed and both > 1 else held
    zero = zero_in_both(found[0], found[1])
    divergence = _divergence(sides, series, confidence, alpha)
    return Comparison(
        sides[0].label, sides[1].label, rows, alpha, changes, zero, held, compared, divergence
    )


def _divergence(
    sides: list[Results], name: str, confidence: float, alpha: float
) -> Divergence | None:
    """From which day daily series ``name`` of the two runs differs, where both kept
    their daily series (None otherwise); replications paired under a shared seed."""
    entry = find_series(sides[0].scenario, name, "--series")
    if not all(r.keeps_daily for r in sides):  # nothing to compare day by day
        return None
    data = [r.daily_arrays([name]) for r in sides]
    n_days = daily_days(sides[0].scenario)
    reps = [d["replication"].reshape(-1, n_days)[:, 0] for d in data]
    values = [d[name].reshape(-1, n_days) for d in data]
    if len(reps[0]) < 2 or len(reps[1]) < 2:
        return None
    paired = sides[0].seed == sides[1].seed
    if paired:
        common = np.intersect1d(reps[0], reps[1])
        paired = len(common) > 1
        if paired:
            values = [v[np.isin(r, common)] for v, r in zip(values, reps, strict=True)]
    return diverge(name, entry.label, values[0], values[1], paired, confidence, alpha)


def sensitivity(
    scenario: ScenarioLike,
    *,
    vary: Mapping[str, Any] | Sequence[str | Factor],
    metric: str,
    method: str = "morris",
    samples: int = 16,
    runs: int = 100,
    seed: int = 1,
    overrides: Overrides = (),
    jobs: int | None = None,
    cluster: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    confidence: float = 0.95,
    output: str | Path | None = None,
    progress: Progress | None = None,
    max_events: int = MAX_EVENTS,
    max_memory: int = MAX_MEMORY_MB,
) -> dict[str, Any]:
    """Rank the varied parameters (ranges ``"LOW:HIGH"``) by how much they move
    ``metric``, with SALib's Morris or Sobol method. ``output`` keeps the design and
    the outputs as JSON. Each replication has the budget of ``run``; failed ones are
    left out of their point's mean, with a warning."""
    _choice(method, "--method", sensitivity_analysis.METHODS)
    budget = _budget(max_events, max_memory)
    for value, option, low in ((samples, "--samples", 2), (runs, "--runs", 1), (seed, "--seed", 0)):
        _whole(value, option, low)
    check_confidence(confidence)
    raw, origin = _raw(scenario)
    factors = resolve_wholeness(parse_factors(vary), raw)
    if output is not None:
        writable(output, "--output")  # before the computation, not after
    result = sensitivity_analysis.sensitivity(
        raw,
        origin,
        to_overrides(overrides),
        factors,
        metric,
        method=method,
        samples=samples,
        runs=runs,
        seed=seed,
        backend=choose_backend(jobs, cluster, connect_timeout),
        confidence=confidence,
        on_point=(lambda done, total: progress(1, total)) if progress else None,
        budget=budget,
    )
    if output is not None:
        try:
            write_json(Path(output), result)
        except OSError as error:
            raise OutputFailed(
                f"writing {output} failed ({error.strerror}); the ranking is printed"
            ) from None
    return result


def episodes(
    scenario: ScenarioLike,
    *,
    runs: int = 1000,
    seed: int = 1,
    overrides: Overrides = (),
    jobs: int | None = None,
    cluster: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    standing: bool = False,
    confidence: float = 0.95,
    max_events: int = MAX_EVENTS,
    max_memory: int = MAX_MEMORY_MB,
    progress: Progress | None = None,
) -> EpisodeSummary:
    """The episodes of ``runs`` replications (each unprovoked strike and the answers it
    set off) and their regularities beside the literature: the branching ratio, the
    share of one-sided episodes, and the runs of answers in two-sided ones. With
    ``standing``, only the episodes and strikes while the truce stood. The numbers never
    depend on ``jobs`` or ``cluster``."""
    for value, option, low in ((runs, "--runs", 1), (seed, "--seed", 0)):
        _whole(value, option, low)
    _at_most(runs, "--runs", MAX_RUNS)
    budget = _budget(max_events, max_memory)
    check_confidence(confidence)
    loaded, _ = scenario_of(scenario, overrides)
    backend = _workers(choose_backend(jobs, cluster, connect_timeout), runs, None)
    size = chunk_size(runs, backend.workers)
    found: dict[int, list[Any]] = {}
    with open_executor(backend) as (executor, _):
        futures = {
            executor.submit(
                run_episodes, loaded, seed, first, min(size, runs - first), budget
            ): first
            for first in range(0, runs, size)
        }
        for future in cf.as_completed(futures):
            try:
                found[futures[future]] = future.result()
            except Exception as error:
                raise RunFailed(f"the episodes could not be run: {failure_text(error)}") from None
            if progress is not None:
                progress(len(found[futures[future]]), runs)
    ordered = [item for first in sorted(found) for item in found[first]]
    return summarize_episodes(loaded.name, seed, ordered, standing, confidence)


def calibrate(
    scenario: ScenarioLike,
    *,
    targets: str | Path | Mapping[str, Any],
    vary: Mapping[str, Any] | Sequence[str | Factor],
    output: str | Path,
    events: str | Path | None = None,
    particles: int = 200,
    replications: int = 100,
    generations: int = 10,
    seed: int = 1,
    overrides: Overrides = (),
    jobs: int | None = None,
    cluster: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    max_events: int = MAX_EVENTS,
    max_memory: int = MAX_MEMORY_MB,
) -> Calibration:
    """Fit the varied parameters (ranges ``"LOW:HIGH"``, uniform priors) to the
    ``targets`` by ABC-SMC (pyabc): ``particles`` per population, each particle
    ``replications`` replications, at most ``generations`` populations. The posterior
    and a summary go to the folder ``output``. The result never depends on ``jobs`` or
    ``cluster``. ``events`` names an event table (ACLED's columns) that the target
    file's ``[events]`` table maps onto the scenario's actors, adding targets.
    Interrupted (``CalibrationInterrupted``), it keeps every finished
    particle's simulations in ``output``, and the same call resumes from them."""
    from sim.calibration import calibrate as calibration_run
    from sim.calibration.abc import Model
    from sim.calibration.targets import read_targets

    for value, option, low in (
        (particles, "--particles", 10),
        (replications, "--replications", 1),
        (generations, "--generations", 1),
        (seed, "--seed", 0),
    ):
        _whole(value, option, low)
    _at_most(replications, "--replications", MAX_RUNS)
    budget = _budget(max_events, max_memory)
    raw, origin = _raw(scenario)
    base = tuple(to_overrides(overrides))
    loaded = build_scenario(raw, origin, base)
    factors = resolve_wholeness(parse_factors(vary), raw)
    if not factors:
        raise InputError("--vary", "", "missing; expected at least one PATH=LOW:HIGH to fit")
    for factor in factors:
        if not factor.is_range:
            raise InputError(
                "--vary", factor.path, "expected a range LOW:HIGH (a uniform prior), not a list"
            )
        point_scenario(raw, origin, base, {factor.path: factor.low})  # a path that exists
    found = read_targets(targets, loaded, events)
    directory = Path(output)
    if (directory / draws_files.SUMMARY).exists():
        raise InputError("--output", str(output), "holds a calibration already; name a new folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError("--output", str(output), f"cannot be made ({error.strerror})") from None
    model = Model(raw, origin, base, tuple(factors), tuple(found), replications, budget)
    return calibration_run.calibrate(
        model,
        loaded.name,
        factors,
        particles=particles,
        generations=generations,
        seed=seed,
        backend=choose_backend(jobs, cluster, connect_timeout),
        directory=directory,
        targets_file="" if isinstance(targets, Mapping) else str(targets),
    )


def discover(
    sweep: SweepResults | str | Path,
    *,
    metric: str,
    threshold: float | None = None,
    per: str = "point",
    min_coverage: float = 0.5,
    max_qp: float | None = 0.05,
    max_depth: int = 3,
    output: str | Path | None = None,
) -> Discovery:
    """Where in a sweep's parameters ``metric`` is high: PRIM's box (the cases of
    interest are points whose estimate is above ``threshold``, or with ``per`` =
    ``replication`` replications where a true/false outcome holds or a number is above
    ``threshold``), chosen as ``sim.discovery.prim`` says, and a classification tree
    of depth ``max_depth`` beside it. ``output`` names a folder for the pictures of the
    coverage / density trade-off and of the box."""
    from sim.discovery import find_box, frame, grow_tree
    from sim.discovery import pictures as discovery_pictures
    from sim.discovery.discover import PICTURES, Discovery

    opened = sweep if isinstance(sweep, SweepResults) else open_results(sweep)
    if not isinstance(opened, SweepResults):
        raise InputError("DIR", str(sweep), "expected a sweep directory (truce sweep --output)")
    _whole(max_depth, "--max-depth", 1)
    rows = frame(opened, metric, per=per, threshold=threshold)
    prim = find_box(rows, min_coverage=min_coverage, max_qp=max_qp)
    found = Discovery(rows, prim, grow_tree(rows, max_depth=max_depth))
    if output is not None:
        folder = Path(output)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(
                "--output", str(output), f"cannot be made ({error.strerror})"
            ) from None
        tradeoff, box = PICTURES
        found.pictures = [
            pictures.save(
                discovery_pictures.trajectory_figure(prim), folder / tradeoff, "--output"
            ),
            pictures.save(discovery_pictures.box_figure(prim), folder / box, "--output"),
        ]
    return found


def trace(
    scenario: ScenarioLike, *, seed: int = 1, replication: int = 0, overrides: Overrides = ()
) -> Trace:
    """Replication ``replication`` of ``seed`` (row ``replication`` of the same run),
    with its records and timeline."""
    loaded, _ = scenario_of(scenario, overrides)
    return Trace(loaded, seed, simulate(loaded, seed, replication))


def plot(
    *sources: Results | SweepResults | str | Path,
    metric: str | None = None,
    series: str | None = None,
    confidence: float = 0.95,
    log: bool = False,
) -> Figure:
    """A picture of one run, two runs overlaid (named by what differs between them),
    or a sweep.

    ``metric``: an outcome's histogram (``log`` draws it on a log axis), ``survival``
    for the truce's Kaplan-Meier curve, ``incidence`` for the cumulative incidence of
    collapse; a sweep draws the metric against one parameter, or over two.
    ``series``: a daily series as a fan chart (median, 50% and 90% bands; a sweep's
    points overlaid), or ``state`` for the truce's state by day."""
    check_confidence(confidence)
    if (metric is None) == (series is None):
        raise InputError("--metric/--series", "", "expected one of them")
    if log and series is not None:
        raise InputError("--log", "", "a log axis is for an outcome's histogram (--metric)")
    if not 1 <= len(sources) <= 2:
        raise InputError("DIR", " ".join(map(str, sources)), "expected one or two directories")
    opened = [s if isinstance(s, Results | SweepResults) else open_results(s) for s in sources]
    sweeps = [s for s in opened if isinstance(s, SweepResults)]
    if sweeps:
        if len(opened) > 1:
            raise InputError("DIR", " ".join(map(str, sources)), "a sweep is drawn alone")
        if series is not None:
            return daily_pictures.sweep_fan_figure(sweeps[0], series, confidence)
        if metric in (pictures.SURVIVAL, pictures.INCIDENCE):
            raise InputError(
                "--metric",
                str(metric),
                f"{metric} curves are drawn for runs; a sweep draws an outcome",
            )
        return pictures.sweep_figure(sweeps[0], str(metric), confidence)
    runs = [s for s in opened if isinstance(s, Results)]
    if series == daily_pictures.STATE:
        if len(runs) > 1:
            raise InputError("--series", series, "the truce's state is drawn for one run")
        return daily_pictures.states_figure(runs[0], confidence)
    if series is not None:
        return daily_pictures.fan_figure(runs, series, confidence)
    if metric == pictures.INCIDENCE:
        return pictures.survival_figure(runs, confidence, incidence=True)
    return pictures.runs_figure(runs, str(metric), confidence, log)


# the series `truce summary --daily` shows unless told which
DEFAULT_SERIES = ("deaths", "cumulative_deaths", "cumulative_reported", "strikes", "strain")
DEFAULT_DAYS = (0, 1, 7, 14, 30)


def daily_summary(
    source: Results | str | Path,
    *,
    series: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> DailySummary:
    """How a run unfolds, day by day: each daily series' mean (with its interval) and
    quantile bands, the probability of each state of the truce, and the cumulative
    incidence of collapse (``series`` limits the series; the state is one of them)."""
    opened = source if isinstance(source, Results) else open_results(source)
    if isinstance(opened, SweepResults):
        raise InputError(
            "DIR",
            str(source),
            "is a sweep: its tidy table carries series on days (sweep_days, or "
            "--metric SERIES@DAY), and each point is a results directory",
        )
    return opened.daily_summary(confidence, series)


def days_shown(scenario: Scenario, text: str | Sequence[int] | None) -> list[int]:
    """The days of a daily table: ``"0,7,30"`` (or a list), each from 0 to the last
    day; by default 0, 1, 7, 14, 30 and the last."""
    last = daily_days(scenario) - 1
    if text is None:
        return sorted({d for d in DEFAULT_DAYS if d <= last} | {last})
    parts = text.split(",") if isinstance(text, str) else [str(d) for d in text]
    found = []
    for part in parts:
        part = part.strip()
        if not (part.isascii() and part.isdigit() and int(part) <= last):
            raise InputError(
                "--days", str(text), f"expected days from 0 to {last}, separated by commas"
            )
        found.append(int(part))
    return sorted(set(found))


def sweep_days(
    sweep: SweepResults | str | Path,
    *,
    series: Sequence[str] = (),
    days: str | Sequence[int] | None = None,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """A sweep's tidy table of daily series on chosen days: a row per point, series
    and day (metric ``SERIES@DAY``), with the mean over replications and its interval.
    By default cumulative deaths on the days ``days_shown`` picks."""
    opened = sweep if isinstance(sweep, SweepResults) else SweepResults.open(sweep)
    started = [r for r in (opened.point(i) for i in range(len(opened.points))) if r is not None]
    if not started:
        raise InputError("DIR", str(opened.directory), "no point has started yet")
    chosen = list(series) or ["cumulative_deaths"]
    for name in chosen:
        if find_series(started[0].scenario, name, "--series").kind is str:
            raise InputError("--series", name, "expected a numeric daily series (a state)")
    # the days every point has (a sweep may vary the horizon)
    shortest = min((r.scenario for r in started), key=daily_days)
    shown = days_shown(shortest, days)
    return opened.summary([f"{n}@{d}" for n in chosen for d in shown], confidence)


def report(
    *sources: Results | SweepResults | str | Path,
    output: str | Path,
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> Path:
    """Write a self-contained HTML report to ``output``: of a run (a results directory
    or ``Results``), of a sweep, or of two runs compared (A and B). The same results
    always give the same bytes."""
    check_confidence(confidence)
    _fraction(alpha, "--alpha", 0.0001, 0.5)
    from sim.outputs import report as report_pages

    report_pages.check_output(output)  # before any work
    if not 1 <= len(sources) <= 2:
        raise InputError("DIR", " ".join(map(str, sources)), "expected one or two directories")
    opened = [s if isinstance(s, Results | SweepResults) else open_results(s) for s in sources]
    html = ""
    if len(opened) == 2:
        a, b = opened
        if not (isinstance(a, Results) and isinstance(b, Results)):
            raise InputError("DIR", " ".join(map(str, sources)), "a sweep is reported alone")
        found = compare(a, b, confidence=confidence, alpha=alpha)
        html = report_pages.comparison_report(a, b, found, confidence)
    elif isinstance(opened[0], SweepResults):
        html = report_pages.sweep_report(opened[0], confidence)
    else:
        html = report_pages.run_report(opened[0], confidence)
    return report_pages.write(html, output)
