"""The ``truce`` command line: parses options, makes one call of the library
(``sim.api``), and prints. No model logic lives here."""

from __future__ import annotations

import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import click

import sim
from sim import api
from sim.errors import InputError, RunFailed, TruceWarning
from sim.experiments.chunks import Failure
from sim.experiments.designs import DESIGNS
from sim.experiments.executors import CONNECT_TIMEOUT
from sim.experiments.sensitivity import METHODS
from sim.model.budget import MAX_EVENTS, MAX_MEMORY_MB
from sim.outputs import pictures, tables
from sim.outputs.results import Results, SweepResults
from sim.scenario import Override, to_overrides

INTERRUPTED = 130


class TruceGroup(click.Group):
    """Turns bad input into one line on standard error and exit status 2, a run that
    failed into one line and exit status 1, and the library's warnings into
    ``warning:`` lines."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", TruceWarning)
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except InputError as error:
                _fail(ctx, str(error))
            except RunFailed as error:
                _fail(ctx, str(error), status=1)
            except OSError as error:  # the system refused a read or write not foreseen
                where = f"{error.filename}: " if error.filename else ""
                _fail(ctx, f"{where}{error.strerror or error}", status=1)
            except click.UsageError as error:
                if error.ctx is not None and error.ctx.command is not self:
                    _fail(ctx, f"{error.ctx.command_path}: {error.format_message()}")
                raise


def _fail(ctx: click.Context, message: str, status: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    ctx.exit(status)


class FiniteRange(click.FloatRange):
    """A ``click.FloatRange`` that also refuses NaN (which every comparison lets by)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    click.echo(f"warning: {message}", err=True)


def _overrides(sets: Sequence[str], horizon: float | None) -> list[Override]:
    """``--set PATH=VALUE`` options, and ``--horizon DAYS`` as ``scenario.horizon``."""
    found = to_overrides(sets)
    if horizon is not None:
        found.append(Override("scenario.horizon", horizon, f"--horizon {horizon:g}"))
    return found


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2)


scenario_argument = click.argument("scenario", metavar="SCENARIO")
set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value by dotted path: actors.nfl.retaliation.probability=0.4.",
)
horizon_option = click.option(
    "--horizon", type=float, help="Days to simulate (overrides the scenario)."
)
jobs_option = click.option(
    "--jobs", type=click.IntRange(min=1), help="Local worker processes [default: all cores]."
)


def cluster_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--cluster, and --connect-timeout for a scheduler reached at its address."""
    command = click.option(
        "--connect-timeout",
        type=FiniteRange(min=0, max=3600, min_open=True),
        default=CONNECT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="How long to wait for a scheduler at tcp://HOST:PORT to answer.",
    )(command)
    return click.option(
        "--cluster",
        metavar="ADDRESS",
        help="A Dask cluster: tcp://HOST:PORT, or local:N to start one.",
    )(command)


quiet_option = click.option("--quiet", is_flag=True, help="No progress bar.")


def budget_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--max-events and --max-memory: each replication's budget."""
    command = click.option(
        "--max-memory",
        type=click.IntRange(min=1),
        default=MAX_MEMORY_MB,
        show_default=True,
        help="A replication's memory growth in MB before it is stopped as failed.",
    )(command)
    return click.option(
        "--max-events",
        type=click.IntRange(min=1),
        default=MAX_EVENTS,
        show_default=True,
        help="A replication's SimPy events before it is stopped as failed.",
    )(command)


confidence_option = click.option(
    "--confidence", type=FiniteRange(0.5, 0.999), default=0.95, show_default=True
)
# a sweep's intervals may be set wider, for checks across many points
wide_confidence_option = click.option(
    "--confidence", type=FiniteRange(0.5, 0.9999), default=0.95, show_default=True
)
daily_option = click.option(
    "--daily",
    type=click.Choice(["on", "off"]),
    help="Keep each replication's daily series in the results directory "
    "[default: on, or as the directory already does].",
)


def _switch(value: str | None) -> bool | None:
    return None if value is None else value == "on"


format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


class _Progress:
    """Replications done, rate and time left, on standard error when it is a terminal."""

    def __init__(self, enabled: bool, label: str = "replications") -> None:
        self.enabled = enabled
        self.label = label
        self.bar: Any = None
        self.added = 0
        self.start = time.perf_counter()

    def update(self, count: int, target: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=target,
                label=self.label,
                file=sys.stderr,
                show_pos=True,
                show_eta=True,
                item_show_func=lambda text: text,
            )
            self.bar.__enter__()
        self.added += count
        self.bar.length = target
        rate = self.added / max(1e-9, time.perf_counter() - self.start)
        self.bar.update(count, f"{rate:,.0f}/s")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def _progress(quiet: bool, label: str = "replications") -> Iterator[Callable[[int, int], None]]:
    """A progress callback for a long command, closed however the command ends."""
    progress = _Progress(enabled=not quiet and sys.stderr.isatty(), label=label)
    try:
        yield progress.update
    finally:
        progress.close()


def _stopped(stopped: api.Interrupted, kept_in: str | None, resumable: bool) -> NoReturn:
    """Say what an interrupted command kept, and exit 130."""
    kept = f"; kept in {kept_in}" if kept_in else ""
    again = " (run the same command again to resume)" if resumable else ""
    click.echo(
        f"interrupted after {stopped.done} of {stopped.target} replications{kept}{again}",
        err=True,
    )
    sys.exit(INTERRUPTED)


def _warn_failures(failures: Sequence[Failure], directory: str | None) -> None:
    shown = 5
    for failure in failures[:shown]:
        click.echo(f"warning: {failure.describe()}", err=True)
    if failures:
        more = len(failures) - shown
        click.echo(
            f"warning: {len(failures)} replication(s) failed and are left out"
            + (f" ({more} more not shown)" if more > 0 else "")
            + (f"; all are listed in {directory}/_failures.jsonl" if directory else ""),
            err=True,
        )


def _show_version(context: click.Context, _: click.Parameter, asked: bool) -> None:
    if asked and not context.resilient_parsing:
        click.echo(f"truce, version {sim.__version__}")
        context.exit()


@click.group(cls=TruceGroup)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def truce() -> None:
    """Simulate retaliation cycles under a truce and report outcome distributions."""


@truce.command()
@scenario_argument
@click.option(
    "--runs", type=click.IntRange(min=1), default=1000, show_default=True, help="Replications."
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Root seed.")
@horizon_option
@set_option
@click.option(
    "--output", help="A .csv or .json file of rows, or a results directory (Parquet, resumable)."
)
@click.option("--overwrite", is_flag=True, help="Replace a row file that holds another run's rows.")
@format_option
@jobs_option
@cluster_option
@click.option(
    "--chunk",
    type=click.IntRange(min=1),
    help="Replications per task [default: from runs, workers].",
)
@click.option(
    "--until-ci",
    metavar="METRIC=WIDTH",
    help="Add replications until METRIC's interval half-width is at most WIDTH.",
)
@click.option("--max-runs", type=click.IntRange(min=1), default=100_000, show_default=True)
@click.option(
    "--posterior",
    metavar="DIR",
    help="A folder `truce calibrate` wrote: each replication runs at its own posterior draw.",
)
@confidence_option
@budget_options
@daily_option
@quiet_option
def run(
    scenario: str,
    runs: int,
    seed: int,
    horizon: float | None,
    sets: tuple[str, ...],
    output: str | None,
    overwrite: bool,
    fmt: str,
    jobs: int | None,
    cluster: str | None,
    connect_timeout: float,
    chunk: int | None,
    until_ci: str | None,
    max_runs: int,
    posterior: str | None,
    confidence: float,
    max_events: int,
    max_memory: int,
    daily: str | None,
    quiet: bool,
) -> None:
    """Run SCENARIO many times and print the outcome distributions."""
    if daily == "on" and (output is None or api.is_row_output(output)):
        raise InputError(
            "--daily", "on", "daily series are kept in a results directory: add --output DIR"
        )
    stopped: api.Interrupted | None = None
    with _progress(quiet) as progress:
        try:
            results = api.run(
                scenario,
                runs=runs,
                seed=seed,
                overrides=_overrides(sets, horizon),
                jobs=jobs,
                cluster=cluster,
                connect_timeout=connect_timeout,
                chunk=chunk,
                output=output,
                overwrite=overwrite,
                until_ci=until_ci,
                max_runs=max_runs,
                confidence=confidence,
                max_events=max_events,
                max_memory=max_memory,
                # printed here, the daily series would be computed for nothing
                daily=_switch(daily) if output is not None else False,
                posterior=posterior,
                progress=progress,
                command=sys.argv,
            )
        except api.Interrupted as interrupt:
            stopped = interrupt
            assert isinstance(interrupt.results, Results)
            results = interrupt.results
    if len(results):
        found = results.summary(confidence)
        click.echo(_dump(found) if fmt == "json" else tables.summary_table(found))
    directory = str(results.directory) if results.directory is not None else None
    _warn_failures(results.failures, directory)
    info = results.info
    if info is not None and info.precision is not None and info.half_width is not None:
        precision = info.precision
        reached = "reached" if info.half_width <= precision.width else "not reached (cap)"
        click.echo(
            f"until-ci {precision.metric}={precision.width:g}: half-width "
            f"{info.half_width:.4g} {reached} after {info.replications} replications",
            err=True,
        )
    if stopped is not None:
        _stopped(stopped, output, resumable=directory is not None)


@truce.command()
@click.argument("directory", metavar="DIR")
@format_option
@confidence_option
@click.option("--daily", is_flag=True, help="The daily series: states, collapses and bands by day.")
@click.option(
    "--series",
    "names",
    multiple=True,
    metavar="NAME",
    help="With --daily: the series to show [default: deaths, cumulative deaths, reported, "
    "strikes, strain].",
)
@click.option(
    "--days",
    metavar="D,D,...",
    help="With --daily: the days in the table [default: 0, 1, 7, 14, 30 and the last]; "
    "JSON holds every day.",
)
def summary(
    directory: str,
    fmt: str,
    confidence: float,
    daily: bool,
    names: tuple[str, ...],
    days: str | None,
) -> None:
    """Print the distributions of a results directory written by `run --output DIR`,
    or the tidy table of a sweep directory written by `sweep`; with --daily, how the
    run unfolds day by day."""
    opened = api.open_results(directory)
    if daily:
        _daily_summary(opened, confidence, fmt, names, days)
        return
    if names or days:
        given = " ".join([*names, days or ""]).strip()
        raise InputError("--series/--days", given, "they go with --daily")
    if isinstance(opened, SweepResults):
        rows = opened.summary(confidence=confidence)
        click.echo(_dump(rows) if fmt == "json" else tables.tidy_table(rows))
        return
    found = opened.summary(confidence)
    click.echo(_dump(found) if fmt == "json" else tables.summary_table(found))
    if opened.failures:
        click.echo(
            f"warning: {len(opened.failures)} replication(s) failed and are left out; "
            f"see {directory}/_failures.jsonl",
            err=True,
        )


def _daily_summary(
    opened: Results | SweepResults,
    confidence: float,
    fmt: str,
    names: tuple[str, ...],
    days: str | None,
) -> None:
    """A run's daily summary; for a sweep, the tidy table of each series on each day."""
    if isinstance(opened, SweepResults):
        rows = api.sweep_days(opened, series=names, days=days, confidence=confidence)
        click.echo(_dump(rows) if fmt == "json" else tables.tidy_table(rows))
        return
    found = api.daily_summary(opened, series=names or None, confidence=confidence)
    data = found.as_dict()
    if fmt == "json":
        click.echo(_dump(data))
        return
    shown = list(names) or [n for n in api.DEFAULT_SERIES if n in data["series"]]
    click.echo(tables.daily_table(data, api.days_shown(found.scenario, days), shown))


@truce.command()
@click.argument("source", metavar="SCENARIO|EXPERIMENT")
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="PATH=SPEC",
    help="A parameter to vary: a list 0.2,0.5,0.8 or a range LOW:HIGH:COUNT.",
)
@set_option
@horizon_option
@click.option("--runs", type=click.IntRange(min=1), help="Replications per point [default: 1000].")
@click.option(
    "--seed", type=click.IntRange(min=0), help="Root seed, shared by every point [default: 1]."
)
@click.option("--design", type=click.Choice(DESIGNS), help="grid, lhs or sobol [default: grid].")
@click.option("--points", type=click.IntRange(min=1), help="Points to sample (lhs, sobol).")
@click.option("--output", help="The sweep directory (resumable, point by point).")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Outcomes to summarise, or SERIES@DAY: a daily series on a day [default: a standard set].",
)
@jobs_option
@cluster_option
@click.option("--chunk", type=click.IntRange(min=1), help="Replications per task.")
@budget_options
@daily_option
@format_option
@wide_confidence_option
@quiet_option
def sweep(
    source: str,
    varies: tuple[str, ...],
    sets: tuple[str, ...],
    horizon: float | None,
    runs: int | None,
    seed: int | None,
    design: str | None,
    points: int | None,
    output: str | None,
    metrics: tuple[str, ...],
    jobs: int | None,
    cluster: str | None,
    connect_timeout: float,
    chunk: int | None,
    max_events: int,
    max_memory: int,
    daily: str | None,
    fmt: str,
    confidence: float,
    quiet: bool,
) -> None:
    """Run a design of points over scenario parameters and print a tidy table.

    SOURCE is a scenario with --vary options, or an experiment file (TOML with
    [experiment], [vary] and [set] tables); options given here override the file.
    """
    stopped: api.Interrupted | None = None
    with _progress(quiet) as progress:
        try:
            results = api.sweep(
                source,
                vary=varies,
                overrides=_overrides(sets, horizon),
                runs=runs,
                seed=seed,
                design=design,
                points=points,
                output=output,
                metrics=metrics,
                jobs=jobs,
                cluster=cluster,
                connect_timeout=connect_timeout,
                chunk=chunk,
                confidence=confidence,
                progress=progress,
                command=sys.argv,
                max_events=max_events,
                max_memory=max_memory,
                daily=_switch(daily),
            )
        except api.Interrupted as interrupt:
            stopped = interrupt
    if stopped is not None:
        kept = str(stopped.results.directory) if stopped.results is not None else None
        _stopped(stopped, kept, resumable=True)
    rows = results.summary(confidence=confidence)
    click.echo(_dump(rows) if fmt == "json" else tables.tidy_table(rows))
    _warn_failures(results.new_failures, None)


@truce.command()
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option("--runs", type=click.IntRange(min=1), help="Replications for a scenario run here.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed for a scenario run here.")
@click.option("--set-a", "sets_a", multiple=True, metavar="PATH=VALUE", help="Override in A.")
@click.option("--set-b", "sets_b", multiple=True, metavar="PATH=VALUE", help="Override in B.")
@horizon_option
@jobs_option
@cluster_option
@budget_options
@format_option
@confidence_option
@click.option("--alpha", type=FiniteRange(0.0001, 0.5), default=0.05, show_default=True)
@click.option(
    "--series",
    default="cumulative_deaths",
    show_default=True,
    help="The daily series compared day by day: from which day do A and B differ?",
)
def compare(
    first: str,
    second: str,
    runs: int | None,
    seed: int | None,
    sets_a: tuple[str, ...],
    sets_b: tuple[str, ...],
    horizon: float | None,
    jobs: int | None,
    cluster: str | None,
    connect_timeout: float,
    max_events: int,
    max_memory: int,
    fmt: str,
    confidence: float,
    alpha: float,
    series: str,
) -> None:
    """Compare two runs outcome by outcome, and a daily series day by day: A and B
    are results directories, or scenarios run here (paired with each other, or with
    the directory they are compared to, through a shared seed)."""
    found = api.compare(
        first,
        second,
        runs=runs,
        seed=seed,
        overrides_a=_overrides(sets_a, horizon),
        overrides_b=_overrides(sets_b, horizon),
        jobs=jobs,
        cluster=cluster,
        connect_timeout=connect_timeout,
        confidence=confidence,
        alpha=alpha,
        max_events=max_events,
        max_memory=max_memory,
        series=series,
    )
    if fmt == "json":
        click.echo(_dump(found.as_data()))
    else:
        click.echo(tables.comparison_table(found))


@truce.command(name="sensitivity")
@scenario_argument
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="A parameter and its range (two or more).",
)
@click.option("--metric", required=True, help="The outcome whose sensitivity is measured.")
@click.option("--method", type=click.Choice(METHODS), default="morris", show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=16,
    show_default=True,
    help="Morris trajectories, or Sobol base samples (a power of two).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Replications per design point.",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@set_option
@horizon_option
@jobs_option
@cluster_option
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Write the design and outputs (.json)."
)
@budget_options
@format_option
@confidence_option
@quiet_option
def sensitivity_command(
    scenario: str,
    varies: tuple[str, ...],
    metric: str,
    method: str,
    samples: int,
    runs: int,
    seed: int,
    sets: tuple[str, ...],
    horizon: float | None,
    jobs: int | None,
    cluster: str | None,
    connect_timeout: float,
    output: str | None,
    max_events: int,
    max_memory: int,
    fmt: str,
    confidence: float,
    quiet: bool,
) -> None:
    """Rank parameters by how much they move METRIC (SALib: Morris or Sobol)."""
    with _progress(quiet, "points") as progress:
        result = api.sensitivity(
            scenario,
            vary=varies,
            metric=metric,
            method=method,
            samples=samples,
            runs=runs,
            seed=seed,
            overrides=_overrides(sets, horizon),
            jobs=jobs,
            cluster=cluster,
            connect_timeout=connect_timeout,
            confidence=confidence,
            output=output,
            progress=progress,
            max_events=max_events,
            max_memory=max_memory,
        )
    shown = {k: v for k, v in result.items() if k != "design"}
    click.echo(_dump(shown) if fmt == "json" else tables.sensitivity_table(result))
    for warning in result["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@truce.command()
@click.argument("directories", nargs=-1, required=True, metavar="DIR [DIR_B]")
@click.option(
    "--metric",
    help="An outcome; `survival` for the truce's survival curve, `incidence` for the "
    "cumulative incidence of collapse.",
)
@click.option(
    "--series",
    help="A daily series as a fan chart (median, 50% and 90% bands), or `state` for the "
    "truce's state by day.",
)
@click.option("-o", "--output", required=True, help="The image: .png, .svg or .pdf.")
@click.option("--log", is_flag=True, help="A numeric outcome on a log axis (for heavy tails).")
@confidence_option
def plot(
    directories: tuple[str, ...],
    metric: str | None,
    series: str | None,
    output: str,
    log: bool,
    confidence: float,
) -> None:
    """Draw a results directory (histogram, survival or incidence curve, a daily
    series' fan chart, the truce's state by day), two of them overlaid, or a sweep
    directory (metric against one parameter or a heat map of two; a series' medians)."""
    pictures.check_path(output)
    figure = api.plot(*directories, metric=metric, series=series, confidence=confidence, log=log)
    pictures.save(figure, output)
    click.echo(f"wrote {output}")


@truce.command()
@click.argument("directories", nargs=-1, required=True, metavar="DIR [DIR_B]")
@click.option("-o", "--output", required=True, help="The report: an .html file.")
@confidence_option
@click.option("--alpha", type=FiniteRange(0.0001, 0.5), default=0.05, show_default=True)
def report(directories: tuple[str, ...], output: str, confidence: float, alpha: float) -> None:
    """Write one self-contained HTML report of a results directory, a sweep directory,
    or two results directories compared (A and B)."""
    written = api.report(*directories, output=output, confidence=confidence, alpha=alpha)
    click.echo(f"wrote {written}")


@truce.command()
@scenario_argument
@click.option(
    "--runs", type=click.IntRange(min=1), default=1000, show_default=True, help="Replications."
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Root seed.")
@horizon_option
@set_option
@click.option(
    "--standing", is_flag=True, help="Only the episodes and strikes while the truce stood."
)
@format_option
@jobs_option
@cluster_option
@confidence_option
@budget_options
@quiet_option
def episodes(
    scenario: str,
    runs: int,
    seed: int,
    horizon: float | None,
    sets: tuple[str, ...],
    standing: bool,
    fmt: str,
    jobs: int | None,
    cluster: str | None,
    connect_timeout: float,
    confidence: float,
    max_events: int,
    max_memory: int,
    quiet: bool,
) -> None:
    """The episodes of SCENARIO (each unprovoked strike and the answers it set off) and
    the regularities of retaliation beside the literature."""
    with _progress(quiet) as progress:
        found = api.episodes(
            scenario,
            runs=runs,
            seed=seed,
            overrides=_overrides(sets, horizon),
            jobs=jobs,
            cluster=cluster,
            connect_timeout=connect_timeout,
            standing=standing,
            confidence=confidence,
            max_events=max_events,
            max_memory=max_memory,
            progress=progress,
        )
    data = found.to_json()
    click.echo(_dump(data) if fmt == "json" else tables.episodes_table(data))


@truce.command()
@scenario_argument
@click.option(
    "--targets",
    required=True,
    type=click.Path(dir_okay=False),
    help="The observations to fit: a TOML file of [[target]] tables.",
)
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="A parameter to fit, with its uniform prior range.",
)
@click.option(
    "--output", required=True, type=click.Path(file_okay=False), help="The folder to write."
)
@click.option(
    "--particles",
    type=click.IntRange(min=10),
    default=200,
    show_default=True,
    help="Particles per population.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Replications per particle (the targets' statistics are over them).",
)
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Populations at most.",
)
@click.option(
    "--events",
    metavar="FILE.csv",
    help="An event table (ACLED's columns) for the [events] table of TARGETS.",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Root seed.")
@set_option
@horizon_option
@format_option
@jobs_option
@cluster_option
@budget_options
def calibrate(
    scenario: str,
    targets: str,
    varies: tuple[str, ...],
    output: str,
    events: str | None,
    particles: int,
    replications: int,
    generations: int,
    seed: int,
    sets: tuple[str, ...],
    horizon: float | None,
    fmt: str,
    jobs: int | None,
    cluster: str | None,
    connect_timeout: float,
    max_events: int,
    max_memory: int,
) -> None:
    """Fit the varied parameters of SCENARIO to the observations in TARGETS by ABC-SMC
    (pyabc), and write the posterior to the folder OUTPUT."""
    try:
        found = api.calibrate(
            scenario,
            targets=targets,
            vary=varies,
            output=output,
            events=events,
            particles=particles,
            replications=replications,
            generations=generations,
            seed=seed,
            overrides=_overrides(sets, horizon),
            jobs=jobs,
            cluster=cluster,
            connect_timeout=connect_timeout,
            max_events=max_events,
            max_memory=max_memory,
        )
    except api.CalibrationInterrupted as stopped:
        click.echo(f"{stopped} (run the same command again to resume)", err=True)
        sys.exit(INTERRUPTED)
    data = found.as_data()
    click.echo(_dump(data) if fmt == "json" else tables.calibration_table(data, output))


@truce.command()
@click.argument("sweep", metavar="SWEEP_DIR")
@click.option("--metric", required=True, help="An outcome, or SERIES@DAY, of the sweep.")
@click.option(
    "--threshold",
    type=float,
    help="A case of interest: the estimate (or a replication's number) above this.",
)
@click.option(
    "--per",
    type=click.Choice(["point", "replication"]),
    default="point",
    show_default=True,
    help="Rows: each point's estimate, or each replication.",
)
@click.option("--min-coverage", type=float, default=0.5, show_default=True)
@click.option(
    "--max-qp",
    type=float,
    default=0.05,
    show_default=True,
    help="Lift a box limit whose quasi-p-value is above this.",
)
@click.option("--max-depth", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--output", help="A folder for the pictures (tradeoff.png, box.png).")
@format_option
def discover(
    sweep: str,
    metric: str,
    threshold: float | None,
    per: str,
    min_coverage: float,
    max_qp: float,
    max_depth: int,
    output: str | None,
    fmt: str,
) -> None:
    """Find where in SWEEP_DIR's parameters METRIC is high: PRIM's box as rules, with
    its coverage / density trade-off, and a classification tree beside it."""
    found = api.discover(
        sweep,
        metric=metric,
        threshold=threshold,
        per=per,
        min_coverage=min_coverage,
        max_qp=max_qp,
        max_depth=max_depth,
        output=output,
    )
    data = found.as_data()
    click.echo(_dump(data) if fmt == "json" else tables.discovery_table(data))


@truce.command()
@scenario_argument
@set_option
@horizon_option
def validate(scenario: str, sets: tuple[str, ...], horizon: float | None) -> None:
    """Check SCENARIO and say what is wrong with it, or that it is valid."""
    loaded, _ = api.scenario_of(scenario, _overrides(sets, horizon))
    click.echo(
        f"{scenario}: valid: {loaded.name}, {len(loaded.actors)} actors, "
        f"{len(loaded.openings)} opening strike(s), horizon {loaded.horizon:g} days"
    )


@truce.command()
@scenario_argument
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Root seed.")
@click.option(
    "--replication",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Which replication of that seed (row N of `truce run --seed S`).",
)
@horizon_option
@set_option
@format_option
@click.option("--plot", "picture", metavar="FILE", help="Also draw it: .png, .svg or .pdf.")
def trace(
    scenario: str,
    seed: int,
    replication: int,
    horizon: float | None,
    sets: tuple[str, ...],
    fmt: str,
    picture: str | None,
) -> None:
    """Show one replication of SCENARIO as a timeline (and a picture with --plot)."""
    if picture is not None:
        pictures.check_path(picture, "--plot")
    found = api.trace(
        scenario, seed=seed, replication=replication, overrides=_overrides(sets, horizon)
    )
    if picture is not None:
        pictures.save(found.figure(), picture, "--plot")
        click.echo(f"wrote {picture}", err=True)
    if fmt == "json":
        click.echo(_dump(found.rows))
    else:
        click.echo(tables.trace_table(found.rows, dated=found.scenario.start_date is not None))


def main() -> None:
    truce()


if __name__ == "__main__":
    main()
