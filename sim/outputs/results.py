"""What an analyst holds after a run or a sweep: the replications as rows, as a pandas
DataFrame, and the distributions as data, whether the results are in memory or in a
results or sweep directory.

``sim.run`` and ``sim.sweep`` return these; ``sim.open_results(DIR)`` opens either kind
of directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sim.errors import InputError
from sim.experiments.chunks import Failure
from sim.experiments.precision import Precision
from sim.experiments.runs import Campaign
from sim.model.catalogue import (
    STATES,
    Field,
    SeriesAt,
    check_metric,
    days,
    find_series,
    metric,
    outcome_fields,
    outcome_schema,
    series,
)
from sim.model.daily import DailyData
from sim.model.outcomes import Columns
from sim.optional import require
from sim.outputs.results_dir import ResultsDir
from sim.outputs.rows import RowFile
from sim.outputs.sweep_dir import SweepDir
from sim.scenario.dump import differences, flat
from sim.scenario.spec import Scenario
from sim.statistics.daily import DailySource, DailySummary, summarize_daily
from sim.statistics.estimators import check_confidence
from sim.statistics.summaries import READ_FIRST, distributions, given_values, point_rows

if TYPE_CHECKING:
    import pandas as pd

# the pandas dtype of each kind of outcome: nullable, since conditional fields are empty
# where the event did not happen
PANDAS_DTYPES = {bool: "boolean", int: "Int64", float: "float64", str: "string"}


class ColumnSource(Protocol):
    """Outcome columns in replication order: memory, or a results directory."""

    def columns(self, fields: list[str]) -> Columns: ...


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What the run that made these results did (``None`` for results opened from a
    directory): replications run (failed ones included; earlier ones in a resumed
    directory too) and added now, the target aimed at, the seconds taken, the interval
    an adaptive run reached, whether it was interrupted."""

    replications: int
    added: int
    target: int
    seconds: float
    precision: Precision | None
    half_width: float | None
    interrupted: bool

    @classmethod
    def of(cls, campaign: Campaign, precision: Precision | None, interrupted: bool) -> RunInfo:
        return cls(
            campaign.replications,
            campaign.added,
            campaign.target,
            campaign.seconds,
            precision,
            campaign.half_width,
            interrupted,
        )


class Results:
    """One run's replications: in memory, or in a results directory (read a column at
    a time, so memory stays bounded)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        source: ColumnSource,
        *,
        label: str = "",
        directory: Path | None = None,
        failures: Sequence[Failure] = (),
        info: RunInfo | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.source = source
        # how to name these results: their directory, or the scenario and overrides run
        self.label = label or (str(directory) if directory is not None else scenario.name)
        self.directory = directory
        self.failures = list(failures)
        self.info = info

    @classmethod
    def from_rows(cls, path: str | Path, option: str = "DIR") -> Results:
        """A row file written by a run, with the scenario and seed of its provenance."""
        rows = RowFile(path, option)
        return cls(rows.scenario, rows.seed, rows, label=str(path))

    @classmethod
    def open(cls, path: str | Path, option: str = "DIR") -> Results:
        stored = ResultsDir.open(path, option)
        failures = [Failure(f["replication"], f["seed"], f["error"]) for f in stored.failures()]
        return cls(stored.scenario(), stored.seed, stored, directory=stored.path, failures=failures)

    @property
    def fields(self) -> list[str]:
        """The outcome fields, in record order."""
        return outcome_fields(self.scenario)

    def columns(self, names: Iterable[str] | None = None) -> Columns:
        """The named columns (all by default, and ``replication``), in replication order."""
        return self.source.columns(list(self.fields if names is None else names))

    def __len__(self) -> int:
        return len(self.columns([])["replication"])

    def values(self, name: str) -> list[Any]:
        """Outcome ``name``'s values where it is defined: not empty, and for a
        conditional true/false outcome, where its condition holds."""
        field = metric(self.scenario, name, "--metric")
        columns = self.columns([name, *([field.given] if field.given else [])])
        return given_values(field, columns, self.scenario)

    @property
    def replications(self) -> list[dict[str, Any]]:
        """One row (a dict of outcome fields) per replication, in replication order."""
        return _rows(self.columns())

    def to_pandas(self) -> pd.DataFrame:
        """One row per replication, one typed column per outcome field (pandas, an
        optional extra)."""
        return _frame(self.columns(), outcome_schema(self.scenario), str(self.directory or ""))

    def summary_columns(self) -> Mapping[str, Sequence[Any]]:
        """Every outcome column, read from disk one at a time when asked for (so memory
        stays bounded), or from memory."""
        if isinstance(self.source, ResultsDir):
            first = [f for f in READ_FIRST if f in self.fields]
            return self.source.lazy_columns([*first, *self.fields])
        return self.columns()

    def summary(self, confidence: float = 0.95) -> dict[str, Any]:
        """The distributions of every outcome, as JSON-ready data."""
        check_confidence(confidence)
        columns = self.summary_columns()
        if not columns["replication"]:
            raise InputError("summary", self.label, "no replication has finished yet")
        return distributions(self.scenario, columns, self.seed, confidence)

    def _daily_source(self) -> DailySource:
        source = self.source
        if not hasattr(source, "daily_arrays"):
            raise InputError(
                "DIR",
                self.label,
                "a row file holds outcomes only; daily series are kept in "
                "results directories and in memory",
            )
        return source  # type: ignore[return-value]

    def daily_arrays(self, names: Sequence[str]) -> DailyData:
        """The named daily series, with ``replication`` and ``day``, as numpy arrays
        sorted by replication and day (a state as its code in ``STATES``)."""
        return self._daily_source().daily_arrays(names)

    def daily(self, names: Iterable[str] | None = None) -> pd.DataFrame:
        """The daily series (all by default): a row per replication and day, with the
        day's date when the scenario has a start date, and the truce's state as a
        category (pandas, an optional extra)."""
        pd = require("pandas", "daily", self.label, "daily series as a DataFrame")
        wanted = [s.name for s in series(self.scenario)] if names is None else list(names)
        for name in wanted:
            find_series(self.scenario, name, "--series")
        data = self.daily_arrays(wanted)
        frame = pd.DataFrame({"replication": data["replication"], "day": data["day"]})
        start = self.scenario.start_date
        if start is not None:
            frame["date"] = pd.Timestamp(start) + pd.to_timedelta(frame["day"], unit="D")
        for name in wanted:
            if name == "state":
                frame[name] = pd.Categorical.from_codes(data[name], categories=list(STATES))
            else:
                frame[name] = data[name]
        return frame

    def daily_summary(
        self, confidence: float = 0.95, names: Sequence[str] | None = None, states: bool = True
    ) -> DailySummary:
        """Per day: each series' mean with its interval and its quantile bands, the
        probability of each state of the truce, and the cumulative incidence of
        collapse (``names`` limits the series; ``states=False`` leaves out the last
        two)."""
        check_confidence(confidence)
        wanted = states and self.scenario.truce is not None
        collapse = self.columns(["collapse_day"])["collapse_day"] if wanted else None
        return summarize_daily(
            self.scenario, self._daily_source(), collapse, confidence, names, states
        )

    @property
    def keeps_daily(self) -> bool:
        """Whether these results hold daily series (a row file, or a run with them
        off, does not)."""
        return bool(getattr(self.source, "daily", False))


class SweepResults:
    """A sweep's points, each a run's results sharing the seed. Points are opened once;
    their rows are read from disk each time they are asked for."""

    def __init__(self, sweep: SweepDir, failures: Sequence[Failure] = ()) -> None:
        self.sweep = sweep
        self.directory = sweep.path
        self.label = str(sweep.path)
        self.new_failures = list(failures)  # those of the call that returned these results
        self._opened: dict[int, Results] = {}

    @classmethod
    def open(cls, path: str | Path, option: str = "DIR") -> SweepResults:
        return cls(SweepDir.open(path, option))

    @property
    def paths(self) -> list[str]:
        """The varied parameters."""
        return self.sweep.paths

    @property
    def points(self) -> list[dict[str, Any]]:
        """Each point's parameter values, by path."""
        return self.sweep.points

    @property
    def metrics(self) -> list[str]:
        return self.sweep.metrics

    def point(self, index: int) -> Results | None:
        """Point ``index``'s results (None if it has not started)."""
        if index not in self._opened:
            stored = self.sweep.point(index)
            if stored is None:
                return None
            self._opened[index] = Results.open(stored.path)
        return self._opened[index]

    def _started(self) -> list[tuple[int, Results]]:
        found = ((i, self.point(i)) for i in range(len(self.points)))
        return [(i, results) for i, results in found if results is not None]

    def __len__(self) -> int:
        return sum(len(results) for _, results in self._started())

    @property
    def failures(self) -> list[Failure]:
        """Replications that raised, over every point."""
        return [f for _, results in self._started() for f in results.failures]

    def summary(
        self, metrics: Sequence[str] | None = None, confidence: float = 0.95
    ) -> list[dict[str, Any]]:
        """The tidy table: one row per point and metric, with the point's parameter
        values, the estimate, its interval and the replications behind it."""
        check_confidence(confidence)
        chosen = list(metrics or self.metrics)
        rows: list[dict[str, Any]] = []
        for index, results in self._started():
            found = [check_metric(results.scenario, name, "--metric") for name in chosen]
            outcomes = [f for f in found if isinstance(f, Field)]
            wanted = [f.name for f in outcomes] + [f.given for f in outcomes if f.given]
            point = {path: self.points[index][path] for path in self.paths}
            columns: dict[str, Sequence[Any]] = dict(results.columns(wanted))
            on_days = [f for f in found if isinstance(f, SeriesAt)]
            if on_days:  # a series on a day: each replication's value that day
                data = results.daily_arrays([f.series.name for f in on_days])
                for at in on_days:
                    values = data[at.series.name].reshape(-1, days(results.scenario))[:, at.day]
                    columns[at.name] = values[~np.isnan(values)].tolist()
            rows += point_rows(index, point, results.scenario, columns, chosen, confidence)
        return rows

    def daily(self, names: Iterable[str] | None = None) -> pd.DataFrame:
        """Every point's daily series (``Results.daily``), point after point, with the
        point's index and parameter values as columns."""
        pd = require("pandas", "daily", self.label, "daily series as a DataFrame")
        frames = []
        for index, results in self._started():
            frame = results.daily(names)
            for position, (name, value) in enumerate(
                {"point": index, **{p: self.points[index][p] for p in self.paths}}.items()
            ):
                frame.insert(position, name, value)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def columns(self, names: Iterable[str] | None = None) -> Columns:
        """Every point's replications, point after point, with the point's index and
        parameter values as columns."""
        merged: Columns = {}
        for index, results in self._started():
            wanted = list(results.fields if names is None else names)
            columns = results.columns(wanted)
            count = len(columns["replication"])
            extra = {"point": index, **{p: self.points[index][p] for p in self.paths}}
            for name, value in extra.items():
                merged.setdefault(name, []).extend([value] * count)
            for name, values in columns.items():
                merged.setdefault(name, []).extend(values)
        return merged

    @property
    def replications(self) -> list[dict[str, Any]]:
        """One row per replication, point after point."""
        return _rows(self.columns())

    def to_pandas(self) -> pd.DataFrame:
        started = self._started()
        schema = outcome_schema(started[0][1].scenario) if started else {}
        schema.update(point=int)
        return _frame(self.columns(), schema, str(self.directory))


def distinguish(runs: Sequence[Results]) -> list[str]:
    """Names for runs shown side by side, by what differs between them: the scenario
    values that differ (up to three), else the seed, else their own labels."""
    if len(runs) < 2:
        return [r.label for r in runs]
    paths = list(
        dict.fromkeys(p for r in runs[1:] for p, _, _ in differences(runs[0].scenario, r.scenario))
    )
    if paths:
        values = [flat(r.scenario) for r in runs]
        more = f" (and {len(paths) - 3} more)" if len(paths) > 3 else ""
        return ["; ".join(f"{p} = {v.get(p)}" for p in paths[:3]) + more for v in values]
    if len({r.seed for r in runs}) > 1:
        return [f"seed {r.seed}" for r in runs]
    return [r.label for r in runs]


def _rows(columns: Columns) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _frame(columns: Columns, schema: Mapping[str, type], where: str) -> pd.DataFrame:
    pandas = require("pandas", "to_pandas", where or "results", "a DataFrame")
    frame = pandas.DataFrame(columns)
    for name, kind in schema.items():
        if name in frame.columns:
            frame[name] = frame[name].astype(PANDAS_DTYPES[kind])
    return frame


def open_results(path: str | Path, option: str = "DIR") -> Results | SweepResults:
    """A results directory or a row file (``truce run --output``), or a sweep
    directory."""
    if SweepDir.holds(path):
        return SweepResults.open(path, option)
    if Path(path).is_dir():
        return Results.open(path, option)
    if Path(path).is_file() and Path(path).suffix.lower() in (".csv", ".json"):
        return Results.from_rows(path, option)
    what = "is neither a results or sweep directory nor a .csv or .json row file"
    raise InputError(
        option, str(path), what if Path(path).exists() else "no such file or directory"
    )
