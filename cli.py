"""The ``truce`` command line: parses, loads, calls the library, writes. No model logic."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from sim import __version__
from sim.errors import InputError
from sim.experiments.designs import DESIGNS, parse_factor, resolve_wholeness
from sim.experiments.executors import choose_backend
from sim.experiments.runs import Campaign, MemorySink, Precision, Sink, run_campaign
from sim.experiments.sensitivity import METHODS, sensitivity, sensitivity_table
from sim.experiments.sweeps import (
    Experiment,
    SweepProgress,
    is_experiment_file,
    is_sweep,
    load_experiment,
    run_sweep,
    tidy,
    tidy_table,
)
from sim.model import simulate
from sim.model.catalogue import outcome_fields
from sim.outputs.pictures import plot_runs, plot_sweep
from sim.outputs.results_dir import ResultsDir
from sim.outputs.rows import RowWriter
from sim.outputs.timelines import timeline, to_text
from sim.scenario import Override, Scenario, load_scenario, parse_override, read_toml
from sim.statistics.comparisons import Side, comparison_table
from sim.statistics.comparisons import compare as compare_runs
from sim.statistics.summaries import distributions, to_json, to_table

INTERRUPTED = 130


class TruceGroup(click.Group):
    """Turns bad input into one line on standard error and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            _fail(ctx, str(error))
        except click.UsageError as error:
            if error.ctx is not None and error.ctx.command is not self:
                _fail(ctx, f"{error.ctx.command_path}: {error.format_message()}")
            raise


def _fail(ctx: click.Context, message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    ctx.exit(2)


def _scenario(path: str, sets: Sequence[str], horizon: float | None) -> Scenario:
    overrides: list[Override] = [parse_override(text) for text in sets]
    if horizon is not None:
        overrides.append(Override("scenario.horizon", horizon, f"--horizon {horizon:g}"))
    return load_scenario(path, overrides)


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
cluster_option = click.option(
    "--cluster", metavar="ADDRESS", help="A Dask cluster: tcp://HOST:PORT, or local:N to start one."
)
quiet_option = click.option("--quiet", is_flag=True, help="No progress bar.")


confidence_option = click.option(
    "--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True
)
# a sweep's intervals may be set wider, for checks across many points
wide_confidence_option = click.option(
    "--confidence", type=click.FloatRange(0.5, 0.9999), default=0.95, show_default=True
)


format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@click.group(cls=TruceGroup)
@click.version_option(__version__, prog_name="truce")
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
@confidence_option
@quiet_option
def run(
    scenario: str,
    runs: int,
    seed: int,
    horizon: float | None,
    sets: tuple[str, ...],
    output: str | None,
    fmt: str,
    jobs: int | None,
    cluster: str | None,
    chunk: int | None,
    until_ci: str | None,
    max_runs: int,
    confidence: float,
    quiet: bool,
) -> None:
    """Run SCENARIO many times and print the outcome distributions."""
    loaded = _scenario(scenario, sets, horizon)
    backend = choose_backend(jobs, cluster)
    precision = Precision.parse(until_ci, loaded, max_runs) if until_ci else None
    fields = outcome_fields(loaded)
    results: ResultsDir | None = None
    writer: RowWriter | None = None
    if output is not None and Path(output).suffix and not Path(output).is_dir():
        writer = RowWriter(output, fields)  # a file: .csv or .json
        sink: Sink = MemorySink(fields, writer)
    elif output is not None:
        results = ResultsDir.create_or_resume(output, loaded, scenario, seed)
        results.begin(sys.argv, backend.describe(), runs)
        sink = results
    else:
        sink = MemorySink(fields)
    campaign = Campaign()
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    interrupted = False
    try:
        run_campaign(
            loaded,
            seed,
            runs,
            sink,
            backend,
            chunk=chunk,
            precision=precision,
            confidence=confidence,
            on_chunk=lambda chunk, state: progress.update(chunk.count, state.target),
            campaign=campaign,
        )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
        if writer is not None:
            writer.close()
        if results is not None:
            note = {"failures": len(campaign.failures), "replications_added": campaign.added}
            results.end(campaign.seconds, "interrupted" if interrupted else "finished", note)
    columns = results.lazy_columns(fields) if results is not None else sink.columns(fields)
    if columns["replication"]:
        found = distributions(loaded, columns, seed, confidence)
        click.echo(to_json(found) if fmt == "json" else to_table(found))
    _report_failures(campaign, output if results is not None else None)
    if precision is not None and campaign.half_width is not None:
        reached = "reached" if campaign.half_width <= precision.width else "not reached (cap)"
        click.echo(
            f"until-ci {precision.metric}={precision.width:g}: half-width "
            f"{campaign.half_width:.4g} {reached} after {campaign.replications} replications",
            err=True,
        )
    if interrupted:
        kept = f"; kept in {output}" if output else ""
        again = " (run the same command again to resume)" if results is not None else ""
        click.echo(
            f"interrupted after {campaign.replications} of {campaign.target} replications"
            f"{kept}{again}",
            err=True,
        )
        sys.exit(INTERRUPTED)


def _report_failures(campaign: Campaign, directory: str | None) -> None:
    shown = 5
    for failure in campaign.failures[:shown]:
        click.echo(f"warning: {failure.describe()}", err=True)
    if campaign.failures:
        more = len(campaign.failures) - shown
        click.echo(
            f"warning: {len(campaign.failures)} replication(s) failed and are left out"
            + (f" ({more} more not shown)" if more > 0 else "")
            + (f"; all are listed in {directory}/failures.jsonl" if directory else ""),
            err=True,
        )


class _Progress:
    """Replications done, rate and time left, on standard error when it is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.added = 0
        self.start = time.perf_counter()

    def update(self, count: int, target: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=target,
                label="replications",
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


@truce.command()
@click.argument("directory", metavar="DIR")
@format_option
@confidence_option
def summary(directory: str, fmt: str, confidence: float) -> None:
    """Print the distributions of a results directory written by `run --output DIR`,
    or the tidy table of a sweep directory written by `sweep`."""
    if is_sweep(directory):
        from sim.experiments.sweeps import read_manifest

        rows = tidy(Path(directory), read_manifest(directory)["metrics"], confidence)
        click.echo(json.dumps(rows, indent=2) if fmt == "json" else tidy_table(rows))
        return
    results = ResultsDir.open(directory)
    loaded = results.scenario()
    columns = results.lazy_columns(outcome_fields(loaded))
    if not columns["replication"]:
        raise InputError("DIR", directory, "holds no finished replications yet")
    found = distributions(loaded, columns, results.seed, confidence)
    click.echo(to_json(found) if fmt == "json" else to_table(found))
    failures = results.failures()
    if failures:
        click.echo(
            f"warning: {len(failures)} replication(s) failed and are left out; "
            f"see {directory}/failures.jsonl",
            err=True,
        )


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
    "--metric", "metrics", multiple=True, help="Outcomes to summarise [default: a standard set]."
)
@jobs_option
@cluster_option
@click.option("--chunk", type=click.IntRange(min=1), help="Replications per task.")
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
    chunk: int | None,
    fmt: str,
    confidence: float,
    quiet: bool,
) -> None:
    """Run a design of points over scenario parameters and print a tidy table.

    SOURCE is a scenario with --vary options, or an experiment file (TOML with
    [experiment], [vary] and [set] tables); options given here override the file.
    """
    if is_experiment_file(source):
        experiment = load_experiment(source)
    else:
        experiment = Experiment(source, read_toml(source))
    experiment.overrides += [parse_override(text) for text in sets]
    if horizon is not None:
        experiment.overrides.append(Override("scenario.horizon", horizon, f"--horizon {horizon:g}"))
    given = [parse_factor(text) for text in varies]
    replaced = {f.path for f in given}
    experiment.factors = [f for f in experiment.factors if f.path not in replaced] + given
    for name, value in (
        ("runs", runs),
        ("seed", seed),
        ("design", design),
        ("points", points),
        ("output", output),
    ):
        if value is not None:
            setattr(experiment, name, value)
    if metrics:
        experiment.metrics = list(metrics)
    experiment.finish()
    backend = choose_backend(jobs, cluster)
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    state = SweepProgress()
    try:
        rows = run_sweep(
            experiment,
            backend,
            sys.argv,
            chunk=chunk,
            confidence=confidence,
            on_chunk=lambda chunk, p: progress.update(chunk.count, p.target),
            progress=state,
        )
    except KeyboardInterrupt:
        progress.close()
        click.echo(
            f"interrupted after {state.done} of {state.target} replications; kept in "
            f"{experiment.output} (run the same command again to resume)",
            err=True,
        )
        sys.exit(INTERRUPTED)
    progress.close()
    click.echo(json.dumps(rows, indent=2) if fmt == "json" else tidy_table(rows))
    for failure in state.failures[:5]:
        click.echo(f"warning: {failure.describe()}", err=True)


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
@format_option
@confidence_option
@click.option("--alpha", type=click.FloatRange(0.0001, 0.5), default=0.05, show_default=True)
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
    fmt: str,
    confidence: float,
    alpha: float,
) -> None:
    """Compare two runs outcome by outcome: A and B are results directories, or
    scenarios run here (paired with each other, or with the directory they are
    compared to, through a shared seed)."""
    opened = {
        path: ResultsDir.open(path, label)
        for label, path in (("A", first), ("B", second))
        if Path(path).is_dir()
    }
    reference = next(iter(opened.values()), None)
    seed = seed if seed is not None else (reference.seed if reference else 1)
    runs = runs or (reference.count() if reference else 1000)
    backend = choose_backend(jobs, cluster)
    sides = []
    for path, sets in ((first, sets_a), (second, sets_b)):
        results = opened.get(path)
        if results is not None:
            scenario = results.scenario()
            columns = results.lazy_columns(outcome_fields(scenario))
            sides.append(Side(path, scenario, results.seed, columns))
            continue
        scenario = _scenario(path, sets, horizon)
        sink = MemorySink(outcome_fields(scenario))
        run_campaign(scenario, seed, runs, sink, backend)
        name = path + "".join(f" --set {s}" for s in sets)
        sides.append(Side(name, scenario, seed, sink.columns(outcome_fields(scenario))))
    rows = compare_runs(sides[0], sides[1], confidence, alpha)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(comparison_table(rows, sides[0].label, sides[1].label, alpha))


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
    output: str | None,
    fmt: str,
    confidence: float,
    quiet: bool,
) -> None:
    """Rank parameters by how much they move METRIC (SALib: Morris or Sobol)."""
    raw = read_toml(scenario)
    overrides = [parse_override(text) for text in sets]
    if horizon is not None:
        overrides.append(Override("scenario.horizon", horizon, f"--horizon {horizon:g}"))
    factors = resolve_wholeness([parse_factor(text) for text in varies], raw)
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    result = sensitivity(
        raw,
        scenario,
        overrides,
        factors,
        metric,
        method=method,
        samples=samples,
        runs=runs,
        seed=seed,
        backend=choose_backend(jobs, cluster),
        confidence=confidence,
        on_point=lambda done, total: progress.update(1, total),
    )
    progress.close()
    if output is not None:
        Path(output).write_text(json.dumps(result, indent=2) + "\n")
    shown = {k: v for k, v in result.items() if k != "design"}
    click.echo(json.dumps(shown, indent=2) if fmt == "json" else sensitivity_table(result))


@truce.command()
@click.argument("directories", nargs=-1, required=True, metavar="DIR [DIR_B]")
@click.option(
    "--metric", required=True, help="An outcome, or `survival` for the truce's survival curve."
)
@click.option("-o", "--output", required=True, help="The image: .png, .svg or .pdf.")
def plot(directories: tuple[str, ...], metric: str, output: str) -> None:
    """Draw a results directory (histogram or survival curve), two of them overlaid,
    or a sweep directory (metric against one parameter, or a heat map of two)."""
    if len(directories) > 2:
        raise InputError("DIR", " ".join(directories), "expected one or two directories")
    if len(directories) == 1 and is_sweep(directories[0]):
        from sim.experiments.sweeps import read_manifest

        manifest = read_manifest(directories[0])
        rows = tidy(
            Path(directories[0]),
            [metric] if metric in manifest["metrics"] else manifest["metrics"],
            0.95,
        )
        plot_sweep(rows, [f["path"] for f in manifest["factors"]], metric, output)
    else:
        runs = [(d, ResultsDir.open(d)) for d in directories]
        plot_runs(runs, metric, output)
    click.echo(f"wrote {output}")


@truce.command()
@scenario_argument
@set_option
@horizon_option
def validate(scenario: str, sets: tuple[str, ...], horizon: float | None) -> None:
    """Check SCENARIO and say what is wrong with it, or that it is valid."""
    loaded = _scenario(scenario, sets, horizon)
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
def trace(
    scenario: str,
    seed: int,
    replication: int,
    horizon: float | None,
    sets: tuple[str, ...],
    fmt: str,
) -> None:
    """Show one replication of SCENARIO as a timeline."""
    loaded = _scenario(scenario, sets, horizon)
    rows = timeline(loaded, simulate(loaded, seed, replication))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(to_text(rows, dated=loaded.start_date is not None))


def main() -> None:
    truce()


if __name__ == "__main__":
    main()
