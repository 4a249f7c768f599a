"""Experiments: executors, chunks of replications, runs, designs, sweeps and
sensitivity."""
