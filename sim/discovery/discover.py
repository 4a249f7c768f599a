"""A discovery run: a sweep's frame, PRIM's box and the tree beside it, and where the
pictures went."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.discovery.frames import Frame
from sim.discovery.prim import Prim, describe
from sim.discovery.tree import Tree

PICTURES = ("tradeoff.png", "box.png")


@dataclass(eq=False)
class Discovery:
    """What ``truce discover`` found."""

    frame: Frame
    prim: Prim
    tree: Tree
    pictures: list[Path] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        return describe(self.prim)

    def as_data(self) -> dict[str, Any]:
        box = self.prim.box
        return {
            "case": self.frame.case,
            "per": self.frame.per,
            "rows": len(self.frame.y),
            "cases": int(sum(self.frame.cases)),
            "left_out": self.frame.left_out,
            "constant": list(self.frame.constant),
            "box": {
                "sentence": self.sentence,
                "choice": self.prim.choice,
                "step": box.step,
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "rows": box.rows,
                "cases": box.cases,
                "rules": [
                    {
                        "parameter": r.parameter,
                        "text": r.text,
                        "quasi_p": list(box.qp.get(r.parameter, (None, None))),
                    }
                    for r in box.rules
                ],
                "limits": {p: list(v) for p, v in box.limits.items()},
                "lifted": list(box.lifted),
            },
            "trajectory": [
                {
                    "step": index,
                    "coverage": s.coverage,
                    "density": s.density,
                    "mass": s.mass,
                    "restricted": s.restricted,
                    "rows": s.rows,
                    "cases": s.cases,
                }
                for index, s in enumerate(self.prim.trajectory)
            ],
            "tree": {
                "max_depth": self.tree.max_depth,
                "min_samples_leaf": self.tree.min_samples_leaf,
                "leaves": [
                    {
                        "rules": leaf.text,
                        "rows": leaf.rows,
                        "cases": leaf.cases,
                        "share": leaf.share,
                        "case": leaf.case,
                    }
                    for leaf in self.tree.leaves
                ],
                "text": self.tree.text,
            },
            "pictures": [str(p) for p in self.pictures],
        }
