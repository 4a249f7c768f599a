"""The ``truce`` command line: parses, loads, calls the library, writes. No model logic."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from sim import __version__
from sim.errors import InputError
from sim.experiment import replicate
from sim.model import simulate
from sim.outcomes import Outcome, outcome_fields
from sim.output import RowWriter
from sim.report import distributions, to_json, to_table
from sim.scenario import Override, Scenario, load_scenario, parse_override
from sim.timeline import timeline, to_text

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
    "--output",
    type=click.Path(dir_okay=False),
    help="Write one row per replication (.csv or .json).",
)
@format_option
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(
    scenario: str,
    runs: int,
    seed: int,
    horizon: float | None,
    sets: tuple[str, ...],
    output: str | None,
    fmt: str,
    confidence: float,
    quiet: bool,
) -> None:
    """Run SCENARIO many times and print the outcome distributions."""
    loaded = _scenario(scenario, sets, horizon)
    writer = RowWriter(output, outcome_fields(loaded)) if output else None
    outcomes: list[Outcome] = []
    interrupted = False
    show = not quiet and sys.stderr.isatty()
    with click.progressbar(
        length=runs, label="replications" if show else "", file=sys.stderr if show else _NULL
    ) as bar:
        try:
            for outcome in replicate(loaded, seed, runs):
                outcomes.append(outcome)
                if writer is not None:
                    writer.write(outcome)
                bar.update(1)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if writer is not None:
                writer.close()
    if outcomes:
        summary = distributions(loaded, outcomes, seed, confidence)
        click.echo(to_json(summary) if fmt == "json" else to_table(summary))
    if interrupted:
        kept = f"; rows kept in {output}" if output else ""
        click.echo(f"interrupted after {len(outcomes)} of {runs} replications{kept}", err=True)
        sys.exit(INTERRUPTED)


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


_NULL = io.StringIO()  # swallows the progress bar when it should not show


def main() -> None:
    truce()


if __name__ == "__main__":
    main()
