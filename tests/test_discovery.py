"""Scenario discovery finds a box planted in a synthetic response (PRIM and the tree,
the right parameters and limits near the planted ones), states it in round numbers,
reads a real sweep's points and replications into the rows to separate, and refuses a
metric, a threshold or a sweep that leaves nothing to separate, in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.patches import Rectangle
from scipy.stats import qmc

import sim
from sim.discovery import Frame, Rule, describe, find_box, frame, grow_tree
from sim.discovery.pictures import box_figure, trajectory_figure
from sim.errors import InputError
from sim.outputs.pictures import save
from tests.conftest import TWO_ACTOR, invoke

A = "actors.a.retaliation.probability"
B = "actors.b.retaliation.probability"

# The planted box: x0 > 0.6 and x1 < 0.4 (0.16 of the unit square), a case there with
# probability 0.9 and elsewhere 0.05. Its limits are recovered to within 0.08. The
# Latin hypercube's spacing (0.001) is negligible; what counts is the peel: near the
# end a peel cuts 5% of a box about 0.4 wide along the parameter, 0.02 of it, and the
# box chosen may stop a few peels inside the planted edge (a smaller box, as dense)
# or, where noise favours it, about one peel outside; 0.08 is four peels.
PLANTED = {"x0": (0.6, None), "x1": (None, 0.4)}
TOLERANCE = 0.08


def planted(seed: int, rows: int = 1000, inside: float = 0.9) -> Frame:
    """Four parameters on [0, 1] from a Latin hypercube; the box planted on x0, x1."""
    rng = np.random.default_rng(seed)
    x = qmc.LatinHypercube(d=4, rng=rng).random(rows)
    box = (x[:, 0] > 0.6) & (x[:, 1] < 0.4)
    cases = rng.random(rows) < np.where(box, inside, 0.05)
    return Frame(
        ("x0", "x1", "x2", "x3"),
        x,
        cases.astype(float),
        cases,
        np.arange(rows),
        "hit",
        "hit",
        None,
        "replication",
    )


def near_planted(rules: tuple[Rule, ...]) -> None:
    assert [r.parameter for r in rules] == ["x0", "x1"]  # and neither x2 nor x3
    for rule in rules:
        low, high = PLANTED[rule.parameter]
        assert (rule.low is None) == (low is None) and (rule.high is None) == (high is None)
        if low is not None:
            assert rule.low == pytest.approx(low, abs=TOLERANCE)
        if high is not None:
            assert rule.high == pytest.approx(high, abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(10))
def test_prim_recovers_the_planted_box(seed: int) -> None:
    found = find_box(planted(seed))
    near_planted(found.box.rules)
    assert found.box.coverage >= 0.5 and found.box.density >= 0.85
    # the peeling trajectory: from every row, ever smaller and (until the end) denser
    first, *_, last = found.trajectory
    assert (first.coverage, first.mass, first.restricted) == (1.0, 1.0, 0)
    assert first.density == pytest.approx(float(planted(seed).cases.mean()))
    assert all(
        a.mass > b.mass for a, b in zip(found.trajectory, found.trajectory[1:], strict=False)
    )
    assert last.mass >= 0.05 and last.density > first.density
    # what the trajectory's chosen step restricted beyond the box is noise: weak
    assert all("quasi-p" in text for text in found.box.lifted)


def test_the_chosen_box_and_its_sentence_are_exact_for_a_fixed_seed() -> None:
    found = find_box(planted(1))
    assert describe(found) == "hit when x0 > 0.604 and x1 <= 0.37: coverage 0.74, density 0.86"
    assert found.chosen == 38 and len(found.trajectory) == 45
    assert found.box.lifted == ("x1 > 0.051 (quasi-p 0.15)",)
    assert found.box.rows == 160 and found.box.cases == 138
    as_peeled = found.at(found.chosen)  # the step's own box keeps the weak limit
    assert [r.text for r in as_peeled.rules] == ["x0 > 0.604", "0.051 < x1 <= 0.37"]
    assert describe(found, as_peeled).endswith("coverage 0.65, density 0.90")
    assert found.choice == (
        "the first box whose density is within one standard error of the densest box "
        "with coverage at least 0.5, its limits with a quasi-p-value above 0.05 lifted"
    )
    kept = find_box(planted(1), max_qp=None)
    assert kept.box.rules == as_peeled.rules and kept.box.lifted == ()


def test_on_a_grid_the_box_falls_on_the_grid_levels() -> None:
    # a 9 x 9 x 3 grid, ten replications a point; the box planted between levels
    rng = np.random.default_rng(4)
    levels = np.round(np.linspace(0.1, 0.9, 9), 12)
    p, q, r = np.meshgrid(levels, levels, [1.0, 2.0, 3.0], indexing="ij")
    points = np.column_stack([p.ravel(), q.ravel(), r.ravel()])
    x = np.repeat(points, 10, axis=0)
    cases = rng.random(len(x)) < np.where((x[:, 0] > 0.55) & (x[:, 1] < 0.35), 0.8, 0.1)
    rows = Frame(
        ("p", "q", "r"),
        x,
        cases.astype(float),
        cases,
        np.repeat(np.arange(len(points)), 10),
        "hit",
        "hit",
        None,
        "replication",
    )
    found = find_box(rows)
    assert describe(found) == "hit when p > 0.5 and q <= 0.3: coverage 0.58, density 0.80"
    assert grow_tree(rows).leaves[0].text == "p > 0.5 and q <= 0.3"


def test_rows_inside_the_box_are_those_its_rules_keep() -> None:
    data = planted(3)
    found = find_box(data)
    by_rules = np.ones(len(data.cases), dtype=bool)
    for rule in found.box.rules:
        by_rules &= rule.holds(data.column(rule.parameter))
    assert np.array_equal(found.inside(found.box), by_rules)
    assert int(by_rules.sum()) == found.box.rows


def test_without_a_box_to_find_the_sentence_says_so() -> None:
    noise = planted(2, rows=300, inside=0.05)  # the same chance everywhere
    found = find_box(noise)
    assert found.box.rules == ()
    assert describe(found).startswith("hit: ")
    assert "coverage 1.00" in describe(found)


def test_limits_are_the_roundest_numbers_that_split_the_rows_the_same_way() -> None:
    grid = np.repeat(np.array([0.1, 0.2, 0.30000000000000004, 0.4, 0.5]), 2)
    x = np.column_stack([grid, np.linspace(0.0, 1.0, grid.size)])
    rows = Frame(("p", "q"), x, grid, grid > 0.3, np.arange(grid.size), "y", "y", 0.3, "point")
    # on a grid: the last level left out below, the last level kept on top
    assert rows.rule("p", 0.30000000000000004, 0.4).text == "0.2 < p <= 0.4"
    assert rows.rule("p", 0.2, None).text == "p > 0.1"
    assert rows.rule("p", None, 0.4).text == "p <= 0.4"
    assert rows.rule("p", 0.1, 0.5) == Rule("p", None, None)  # the whole range: open
    # between rows 1/9 apart: a number with as few digits as the gap allows
    assert rows.rule("q", 4 / 9, None).text == "q > 0.4"
    assert rows.rule("q", None, 5 / 9).text == "q <= 0.6"
    assert rows.rule("q", None, 0.5).text == "q <= 0.5"
    wide = Frame(("n",), np.array([[1200.0], [1500.0]]), np.zeros(2), np.array([0, 1], bool),
                 np.arange(2), "y", "y", None, "replication")  # fmt: skip
    assert wide.rule("n", 1500.0, None).text == "n > 1200"


def test_the_tree_splits_first_where_the_box_was_planted() -> None:
    data = planted(0)
    tree = grow_tree(data)
    root, *rest = tree.splits
    assert (root.depth, root.parameter) == (0, "x0")
    assert root.threshold == pytest.approx(0.6, abs=TOLERANCE) and root.rows == 1000
    # within the side of the root that holds the box, the next split is on x1
    (inner,) = [s for s in rest if s.depth == 1 and s.region[0].low is not None]
    assert inner.parameter == "x1" and inner.threshold == pytest.approx(0.4, abs=TOLERANCE)
    top = tree.leaves[0]
    near_planted(top.rules)
    assert top.case and top.share > 0.85 and top.rows > 100
    assert sum(leaf.rows for leaf in tree.leaves) == 1000
    assert tree.text.startswith("|--- x0 <= 0.60")
    assert grow_tree(data).text == tree.text  # the same tree each time


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> sim.SweepResults:
    out = tmp_path_factory.mktemp("discover") / "sweep"
    return sim.sweep(
        TWO_ACTOR, vary={A: "0.3:0.9:3", B: [0.3, 0.9]}, runs=8, seed=3, output=out, jobs=1
    )


def test_a_frame_of_points_holds_each_points_estimate(sweep: sim.SweepResults) -> None:
    rows = frame(sweep, "opening_answered", threshold=0.5)
    assert rows.parameters == (A, B) and rows.per == "point" and rows.constant == ()
    assert rows.x.shape == (6, 2) and rows.x.dtype == np.float64
    # the grid's 0.6000000000000001 (from numpy's linspace) as the design meant it
    assert sweep.points[2][A] == 0.6000000000000001
    assert rows.x.tolist() == [
        [0.3, 0.3],
        [0.3, 0.9],
        [0.6, 0.3],
        [0.6, 0.9],
        [0.9, 0.3],
        [0.9, 0.9],
    ]
    assert rows.rule(A, 0.6, None).text == f"{A} > 0.3"
    assert rows.rule(A, None, 0.6).text == f"{A} <= 0.6"
    assert rows.point.tolist() == [0, 1, 2, 3, 4, 5]
    columns = sweep.columns(["opening_answered"])
    answered = np.array(columns["opening_answered"], dtype=float).reshape(6, 8)
    assert rows.y.tolist() == answered.mean(axis=1).tolist()
    assert rows.cases.tolist() == (answered.mean(axis=1) > 0.5).tolist()
    assert rows.case == "P(opening_answered) above 0.5" and rows.left_out == 0
    means = frame(sweep, "longest_chain", threshold=2)
    chains = np.array(sweep.columns(["longest_chain"])["longest_chain"], dtype=float)
    assert means.y.tolist() == chains.reshape(6, 8).mean(axis=1).tolist()
    assert means.case == "mean longest_chain above 2"


def test_a_frame_of_replications_holds_each_replications_value(
    sweep: sim.SweepResults,
) -> None:
    columns = sweep.columns(["opening_answered", "longest_chain"])
    rows = frame(sweep, "opening_answered", per="replication")
    assert rows.x.shape == (48, 2) and rows.y.shape == (48,) and rows.threshold is None
    assert rows.point.tolist() == [p for p in range(6) for _ in range(8)]
    assert rows.x[:, 0].tolist() == pytest.approx(columns[A], abs=1e-12)
    assert rows.x[:, 1].tolist() == columns[B]
    assert rows.cases.tolist() == columns["opening_answered"]
    assert rows.y.tolist() == [float(v) for v in columns["opening_answered"]]
    assert rows.case == "opening_answered"
    chains = frame(sweep, "longest_chain", per="replication", threshold=2)
    assert chains.y.tolist() == [float(v) for v in columns["longest_chain"]]
    assert chains.cases.tolist() == [v > 2 for v in columns["longest_chain"]]
    table = chains.to_pandas()
    assert list(table.columns) == ["point", A, B, "y", "case"] and len(table) == 48
    # a daily series on a day, per replication and, as its mean, per point
    today = frame(sweep, "strikes@0", per="replication", threshold=1)
    assert today.y.shape == (48,) and today.outcome == "strikes@0"
    means = frame(sweep, "strikes@0", threshold=1)
    assert means.y.tolist() == pytest.approx(today.y.reshape(6, 8).mean(axis=1).tolist())


def test_a_parameter_with_one_value_is_left_out_and_one_with_none_varying_refused(
    tmp_path: Path,
) -> None:
    one = sim.sweep(TWO_ACTOR, vary={A: [0.2, 0.8], B: [0.6]}, runs=6, seed=3,
                    output=tmp_path / "one", jobs=1)  # fmt: skip
    rows = frame(one, "longest_chain", per="replication", threshold=1)
    assert rows.parameters == (A,) and rows.constant == (B,) and rows.x.shape == (12, 1)
    none = sim.sweep(TWO_ACTOR, vary={A: [0.5]}, runs=6, seed=3, output=tmp_path / "none", jobs=1)
    with pytest.raises(InputError) as error:
        frame(none, "longest_chain", per="replication", threshold=1)
    assert str(error.value) == (
        f"DIR: {tmp_path / 'none'}: no swept parameter takes more than one value, so no rule "
        "can separate"
    )


@pytest.mark.parametrize(
    ("metric", "per", "threshold", "expected"),
    [
        ("longest_chian", "point", 1, "--metric: longest_chian: no outcome is named longest_chian; did you mean longest_chain?"),
        ("highest_rung", "point", 1, "--metric: highest_rung: expected a numeric or true/false outcome, got highest_rung (a category)"),
        ("opening_answered", "point", 1, "--threshold: 1: no point of the sweep has P(opening_answered) above 1, so there is nothing to tell apart; choose another threshold"),
        ("longest_chain", "replication", -1, "--threshold: -1: every replication of the sweep has longest_chain above -1, so there is nothing to tell apart; choose another threshold"),
        ("opening_answered", "point", None, "--threshold: a point is a case of interest when its P(opening_answered) is above a threshold; give one"),
        ("longest_chain", "replication", None, "--threshold: a replication is a case of interest when longest_chain is above a threshold; give one"),
        ("opening_answered", "replication", 0.5, "--threshold: 0.5: opening_answered is true or false in each replication, and a case of interest where it is true; leave out the threshold"),
        ("longest_chain", "points", 1, "--per: points: expected one of point, replication"),
        ("longest_chain", "point", float("nan"), "--threshold: nan: expected a finite number"),
    ],
)  # fmt: skip
def test_what_leaves_nothing_to_separate_is_refused_in_one_line(
    sweep: sim.SweepResults, metric: str, per: str, threshold: float | None, expected: str
) -> None:
    with pytest.raises(InputError) as error:
        frame(sweep, metric, per=per, threshold=threshold)
    assert str(error.value) == expected


def test_a_constant_outcome_is_refused(sweep: sim.SweepResults) -> None:
    # the opening strike happens in every replication
    with pytest.raises(InputError) as error:
        frame(sweep, "strikes", per="replication", threshold=0)
    assert str(error.value) == (
        "--threshold: 0: every replication of the sweep has strikes above 0, so there is "
        "nothing to tell apart; choose another threshold"
    )


def test_the_pictures_label_what_they_show(tmp_path: Path) -> None:
    found = find_box(planted(1))
    trade = trajectory_figure(found)
    axes = trade.axes[0]
    assert axes.get_xlabel().startswith("coverage") and axes.get_ylabel().startswith("density")
    assert "PRIM peeling trajectory: hit" in axes.get_title()
    assert trade.axes[1].get_ylabel() == "parameters restricted"  # the colour bar
    scatter = box_figure(found)
    (axes,) = scatter.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x0", "x1")
    (box,) = [p for p in axes.patches if isinstance(p, Rectangle)]
    x0 = np.sort(found.frame.column("x0"))
    kept = found.box.limits["x0"][0]
    assert box.get_x() == pytest.approx((x0[x0 < kept][-1] + kept) / 2)  # between two rows
    other = find_box(planted(9))  # its chosen step restricts x3 too, before lifting
    three = other.at(other.chosen)
    panels = box_figure(other, three)
    assert [a.get_title(loc="left").split(";")[0] for a in panels.axes] == [
        r.text for r in three.rules
    ]
    assert len(three.rules) == 3
    for figure, name in ((trade, "trade.png"), (scatter, "box.png"), (panels, "panels.png")):
        assert save(figure, tmp_path / name).stat().st_size > 10_000


def test_discover_from_the_command_line(tmp_path: Path) -> None:
    """A sweep where answers above 0.5 make long cycles: `truce discover` prints the
    box as a sentence, the trade-off and the tree, writes both pictures, and refuses a
    folder that is no sweep in one line."""
    sweep = tmp_path / "sweep"
    made = invoke(
        "sweep",
        TWO_ACTOR,
        "--vary",
        "actors.b.retaliation.probability=0.05:0.95",
        "--vary",
        "actors.b.retaliation.lag.mean=0.5:3",
        "--design",
        "lhs",
        "--points",
        40,
        "--runs",
        60,
        "--seed",
        3,
        "--jobs",
        1,
        "--output",
        sweep,
        "--metric",
        "strikes",
    )
    assert made.exit_code == 0, made.output
    args = ["discover", sweep, "--metric", "strikes", "--threshold", 3]
    result = invoke(*args, "--output", tmp_path / "pictures")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("mean strikes above 3 when actors.b.retaliation.probability > 0.")
    assert "lag" not in first
    assert "trade-off along the peeling" in result.output and "<- chosen" in result.output
    assert "tree (CART, depth 3)" in result.output
    for name in ("tradeoff.png", "box.png"):
        assert (tmp_path / "pictures" / name).read_bytes()[:4] == b"\x89PNG"
    data = json.loads(invoke(*args, "--format", "json").output)
    assert data["box"]["sentence"] == first and data["rows"] == 40
    wrong = invoke("discover", tmp_path / "pictures", "--metric", "strikes")
    assert wrong.exit_code == 2 and len(wrong.output.strip().splitlines()) == 1
