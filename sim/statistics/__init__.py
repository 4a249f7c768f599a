"""Statistics over replications: estimators with intervals, the distributions of
outcomes, and comparisons between runs."""
