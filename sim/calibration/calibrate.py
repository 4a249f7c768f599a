"""A calibration run: the varied parameters fitted to a target file by ABC-SMC, with
the posterior written to a folder.

The folder holds ``posterior.parquet`` (one row per particle of the last population:
the varied parameters by their dotted paths, and ``weight``, summing to 1),
``calibration.json`` (what was run, each population's temperature and evaluations,
each parameter's posterior summary beside its prior range, and the predictive check of
each target), ``calibrated.toml`` (the scenario with its fitted values and a comment on
each), the pictures ``marginals.png``, ``pairs.png`` (two or more parameters) and
``check.png``, and ``abc.db``, pyabc's own
history of every population (it also holds wall-clock times, so it is the one file
that differs between two runs of the same command). While it runs, ``tasks.sqlite``
keeps every finished sampling task, so that the same command resumes an interrupted
calibration (see ``sim.calibration.tasks``); it stays beside the result.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration import pictures
from sim.calibration.abc import Fit, Model, OutOfReach, fit
from sim.calibration.check import Check, predictive_check
from sim.calibration.fitted_file import MARK, Change, data_text, fitted_text
from sim.calibration.targets import Target
from sim.calibration.tasks import TaskStore
from sim.errors import CalibrationInterrupted, InputError
from sim.experiments.designs import Factor
from sim.experiments.draws import POSTERIOR, SUMMARY
from sim.experiments.executors import Backend, open_executor
from sim.optional import require
from sim.outputs.manifests import write_atomically, write_json
from sim.outputs.pictures import save
from sim.scenario.dump import flat
from sim.scenario.load import build_scenario

FORMAT = "truce-calibration-1"
DATABASE = "abc.db"
CALIBRATED = "calibrated.toml"
PICTURES = ("marginals.png", "pairs.png", "check.png")
LEVEL = 0.9  # the credible interval shown


def weighted_quantile(
    values: np.ndarray[Any, Any], weights: np.ndarray[Any, Any], q: float
) -> float:
    """The ``q`` quantile of a weighted sample (the inverse of its weighted CDF)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
    return float(values[order][min(index, len(values) - 1)])


@dataclass
class Calibration:
    """A finished calibration: the targets, the factors, the fit, and where it is kept."""

    scenario: str
    targets: list[Target]
    factors: list[Factor]
    result: Fit
    settings: dict[str, Any]
    check: Check
    model: Model
    directory: Path | None = None

    @property
    def check_rows(self) -> list[dict[str, Any]]:
        """Each target: observed, simulated median and interval at posterior draws,
        and the two-sided predictive p-value."""
        return self.check.rows(self.model)

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the weighted posterior sample."""
        w = self.result.weights
        return float(1.0 / np.sum(w**2))

    @property
    def converged(self) -> bool:
        """Whether the last population is the posterior (temperature 1)."""
        return self.result.final_temperature <= 1.0 + 1e-9

    def parameters(self) -> list[dict[str, Any]]:
        """Each varied parameter's posterior mean, median and 90% interval, beside its
        prior range."""
        found = []
        w = self.result.weights
        tail = (1 - LEVEL) / 2
        for column, factor in enumerate(self.factors):
            values = self.result.points[:, column]
            found.append(
                {
                    "path": factor.path,
                    "whole": factor.whole,
                    "prior_low": factor.low,
                    "prior_high": factor.high,
                    "mean": float(np.sum(w * values)),
                    "median": weighted_quantile(values, w, 0.5),
                    "low": weighted_quantile(values, w, tail),
                    "high": weighted_quantile(values, w, 1 - tail),
                }
            )
        return found

    def as_data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "scenario": self.scenario,
            "settings": self.settings,
            "targets": [t.describe() for t in self.targets],
            "populations": self.result.populations,
            "final_temperature": self.result.final_temperature,
            "converged": self.converged,
            "evaluations": self.result.evaluations,
            "rejected_for_failures": self.result.failed,
            "particles": len(self.result.weights),
            "effective_size": self.effective_size,
            "level": LEVEL,
            "parameters": self.parameters(),
            "check": {"failed_draws": self.check.failed, "targets": self.check_rows},
        }

    def calibrated_text(self, targets_file: str) -> str:
        """The scenario file with each fitted value set to its posterior median, and a
        comment on it (see ``sim.calibration.fitted_file``)."""
        origin = Path(self.model.origin)
        text = origin.read_text(encoding="utf-8") if origin.is_file() else data_text(self.model.raw)
        was = flat(build_scenario(self.model.raw, self.model.origin, ()))
        where = targets_file or "the targets given"
        changes = [
            Change(o.path, o.value, f"set by {o.option} when calibrated") for o in self.model.base
        ]
        for p in self.parameters():
            median = round(p["median"]) if p["whole"] else float(f"{p['median']:.4g}")
            changes.append(
                Change(
                    p["path"],
                    median,
                    f"{MARK} to {where}: posterior median, {round(100 * LEVEL)}% interval "
                    f"[{p['low']:.4g}, {p['high']:.4g}], prior {p['prior_low']:g} to "
                    f"{p['prior_high']:g}; the file had {was.get(p['path'], 'no value')}",
                )
            )
        rows = self.check_rows
        reproduced = sum(bool(r.get("reproduced")) for r in rows)
        header = [
            *textwrap.wrap(
                f"{self.scenario}, calibrated: the values marked {MARK} were fitted by "
                f"`truce calibrate` (ABC-SMC, {len(self.result.weights)} particles of "
                f"{self.model.replications} replications, seed {self.settings['seed']}) to:",
                86,
            ),
            *(f"  {t.label}: observed {t.uncertainty()}" for t in self.targets),
            f"Predictive check: {reproduced} of {len(rows)} targets reproduced "
            "(two-sided p >= 0.05).",
            "A fitted value is the posterior median; to carry the posterior's uncertainty",
            "into a run, add --posterior with the calibration's folder to `truce run`.",
        ]
        return fitted_text(text, changes, header)

    def write(self, directory: Path, targets_file: str = "") -> None:
        pa = require("pyarrow", "--output", str(directory), "the posterior file")
        require("pyarrow.parquet", "--output", str(directory), "the posterior file")
        columns = {f.path: self.result.points[:, i] for i, f in enumerate(self.factors)}
        table = pa.table({**columns, "weight": self.result.weights})
        sink = pa.BufferOutputStream()
        pa.parquet.write_table(table, sink)
        write_atomically(directory / POSTERIOR, sink.getvalue().to_pybytes())
        text = self.calibrated_text(targets_file)
        write_atomically(directory / CALIBRATED, text.encode("utf-8"))
        self.write_pictures(directory)
        write_json(directory / SUMMARY, self.as_data())  # last: the calibration is done
        self.directory = directory

    def write_pictures(self, directory: Path) -> None:
        points, weights = self.result.points, self.result.weights
        summaries = self.parameters()
        marginals, pairs, check = PICTURES
        save(
            pictures.marginals_figure(points, weights, self.factors, summaries, self.scenario),
            directory / marginals,
            "--output",
        )
        if len(self.factors) > 1:
            save(
                pictures.pairs_figure(points, weights, self.factors, summaries, self.scenario),
                directory / pairs,
                "--output",
            )
        save(
            pictures.check_figure(self.check.simulated, self.check_rows, self.scenario),
            directory / check,
            "--output",
        )


def calibrate(
    model: Model,
    scenario_name: str,
    factors: Sequence[Factor],
    *,
    particles: int,
    generations: int,
    seed: int,
    backend: Backend,
    directory: Path,
    targets_file: str = "",
) -> Calibration:
    """Fit ``model``'s factors to its targets and write the posterior to ``directory``
    (which must exist and hold no finished calibration; the tasks an interrupted one
    kept there are replayed)."""
    database = directory / DATABASE
    store = TaskStore(
        directory,
        {
            "scenario": model.raw,
            "overrides": [[o.path, o.value] for o in model.base],
            "factors": [f.describe() for f in model.factors],
            "targets": [t.describe() for t in model.targets],
            "replications": model.replications,
            "budget": [model.budget.events, model.budget.memory_mb],
            "run": [particles, generations, seed],
        },
    )
    database.unlink(missing_ok=True)  # pyabc's history is rebuilt as the tasks replay
    try:
        with open_executor(backend) as (executor, _):
            result = fit(
                model,
                particles=particles,
                generations=generations,
                seed=seed,
                executor=executor,
                database=f"sqlite:///{database.resolve()}",
                store=store,
            )
            check = predictive_check(model, result.points, result.weights, seed, executor)
    except OutOfReach as error:
        raise InputError(
            "--targets", targets_file, f"{error}; are the targets within the --vary ranges?"
        ) from None
    except KeyboardInterrupt:
        raise CalibrationInterrupted(len(store), directory) from None
    finally:
        store.close()
    settings = {
        "particles": particles,
        "generations": generations,
        "replications": model.replications,
        "seed": seed,
        "method": "ABC-SMC (pyabc), stochastic acceptor, normal kernel, temperature schedule",
        "overrides": [[o.path, o.value] for o in model.base],
    }
    found = Calibration(
        scenario_name, list(model.targets), list(factors), result, settings, check, model
    )
    found.write(directory, targets_file)
    return found
