"""A shallow classification tree (CART, with scikit-learn) over a discovery frame: the
regions it splits the parameters into, each leaf a conjunction of rules with its
share of cases of interest, as a view beside PRIM's box.

The two classes are weighted to balance (scikit-learn's ``class_weight="balanced"``),
so that a leaf predicts a case of interest where its share of cases is above their
share over all rows: a rare outcome still gets its region. The tree is grown with a
fixed ``random_state`` (scikit-learn breaks ties between
equally good splits at random), so the same frame gives the same tree. Splits whose two
sides predict the same class, which change no prediction and at the bottom of a tree
mostly follow noise, are undone: their leaves are given as one. A leaf's rules are
its path's splits merged per parameter, stated like PRIM's limits: a split at t
becomes ``>= the first row value above t`` or ``<= the last at or below it``, printed
in the roundest numbers that split the rows the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.discovery.frames import Frame, Rule
from sim.errors import InputError
from sim.optional import require

RANDOM_STATE = 0
CLASSES = ["other", "case"]  # how the text names the predictions, False then True


@dataclass(frozen=True, slots=True)
class Leaf:
    """A leaf of the tree: its region as rules (one per parameter its path splits),
    its rows and the cases of interest among them."""

    rules: tuple[Rule, ...]
    rows: int
    cases: int
    case: bool  # whether the tree predicts a case of interest here

    @property
    def share(self) -> float:
        """The share of the leaf's rows that are cases of interest."""
        return self.cases / self.rows

    @property
    def text(self) -> str:
        return " and ".join(r.text for r in self.rules) or "everywhere"


@dataclass(frozen=True, slots=True)
class Split:
    """A split of the tree, in the order scikit-learn numbers its nodes (depth first,
    the ``<=`` side first): within ``region``, rows at ``parameter <= threshold`` go one
    way and the rest the other."""

    node: int
    depth: int
    parameter: str
    threshold: float
    rows: int
    region: tuple[Rule, ...]  # the rules of the node split (none at the root)


@dataclass(frozen=True, eq=False)
class Tree:
    """The tree: its leaves (the largest share of cases of interest first, same-class
    siblings merged), its splits, and scikit-learn's text of the whole tree, the
    parameter paths as feature names and each leaf's prediction (``case`` or
    ``other``)."""

    frame: Frame
    leaves: tuple[Leaf, ...]
    splits: tuple[Split, ...]
    text: str
    max_depth: int
    min_samples_leaf: int


def default_leaf(rows: int) -> int:
    """The fewest rows a leaf may hold: 2% of them, at least 5, so a leaf's share of
    cases rests on more than a handful."""
    return max(5, rows // 50)


def grow_tree(frame: Frame, *, max_depth: int = 3, min_samples_leaf: int | None = None) -> Tree:
    """A classification tree of at most ``max_depth`` levels separating the cases of
    interest of ``frame`` (each leaf holding at least ``min_samples_leaf`` rows)."""
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1:
        raise InputError("--max-depth", str(max_depth), "expected a whole number >= 1")
    leaf = default_leaf(len(frame.cases)) if min_samples_leaf is None else min_samples_leaf
    if isinstance(leaf, bool) or not isinstance(leaf, int) or leaf < 1:
        raise InputError("--min-leaf", str(leaf), "expected a whole number >= 1")
    tree_module = require("sklearn.tree", "discover", frame.metric, "a classification tree")
    model = tree_module.DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=leaf,
        class_weight="balanced",
        random_state=RANDOM_STATE,
    )
    model.fit(frame.x, frame.cases)
    structure = model.tree_
    left = [int(v) for v in structure.children_left]
    right = [int(v) for v in structure.children_right]
    paths: dict[int, list[tuple[int, bool, float]]] = {0: []}  # (column, above, threshold)
    depths = {0: 0}
    splits: list[Split] = []
    for node in range(structure.node_count):
        if left[node] == right[node]:  # a leaf
            continue
        column, threshold = int(structure.feature[node]), float(structure.threshold[node])
        region = _rules(frame, paths[node])
        rows = int(structure.n_node_samples[node])
        splits.append(Split(node, depths[node], frame.parameters[column], threshold, rows, region))
        for child, above in ((left[node], False), (right[node], True)):
            paths[child] = [*paths[node], (column, above, threshold)]
            depths[child] = depths[node] + 1
    reached = model.decision_path(frame.x).toarray().astype(bool)  # rows x nodes
    rows_at = reached.sum(axis=0)
    cases_at = reached[frame.cases].sum(axis=0)
    predicted = [int(np.argmax(structure.value[node])) for node in range(structure.node_count)]
    leaves = [
        Leaf(
            _rules(frame, paths[node]),
            int(rows_at[node]),
            int(cases_at[node]),
            bool(model.classes_[predicted[node]]),
        )
        for node in _merged(0, left, right, predicted)
    ]
    leaves.sort(key=lambda found: (-found.share, -found.rows))
    # without weights: with the classes balanced, they would not be counts of rows
    text = tree_module.export_text(
        model, feature_names=list(frame.parameters), class_names=CLASSES, decimals=3
    )
    return Tree(frame, tuple(leaves), tuple(splits), text, max_depth, leaf)


def _merged(node: int, left: list[int], right: list[int], predicted: list[int]) -> list[int]:
    """The leaves under ``node`` once every split whose two sides end in leaves of the
    same class is undone: such a split changes no prediction."""
    if left[node] == right[node]:
        return [node]
    below = _merged(left[node], left, right, predicted) + _merged(
        right[node], left, right, predicted
    )
    if len({predicted[n] for n in below}) == 1:
        return [node]
    return below


def _rules(frame: Frame, path: list[tuple[int, bool, float]]) -> tuple[Rule, ...]:
    """A path's splits merged per parameter (in the frame's order), each limit the
    row value nearest the threshold on the kept side."""
    rules = []
    for column, name in enumerate(frame.parameters):
        tests = [(above, t) for c, above, t in path if c == column]
        if not tests:
            continue
        values = np.unique(frame.x[:, column])
        lows = [float(values[values > t].min()) for above, t in tests if above]
        highs = [float(values[values <= t].max()) for above, t in tests if not above]
        rules.append(frame.rule(name, max(lows) if lows else None, min(highs) if highs else None))
    return tuple(rules)
