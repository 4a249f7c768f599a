"""Scenario discovery over a sweep: where in parameter space an outcome is likely,
as readable rules.

``frame`` reads a sweep into the rows to separate (a row per point or per
replication, and which are cases of interest); ``find_box`` peels them with PRIM and
chooses a box, ``describe`` puts it in a sentence; ``grow_tree`` gives a shallow
classification tree's regions beside it; ``sim.discovery.pictures`` draws them.
"""

from sim.discovery.frames import Frame, Rule, frame, point_frame, replication_frame
from sim.discovery.prim import Box, Prim, Step, describe, find_box
from sim.discovery.tree import Leaf, Split, Tree, grow_tree

__all__ = [
    "Box",
    "Frame",
    "Leaf",
    "Prim",
    "Rule",
    "Split",
    "Step",
    "Tree",
    "describe",
    "find_box",
    "frame",
    "grow_tree",
    "point_frame",
    "replication_frame",
]
