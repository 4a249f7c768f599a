"""Calibration: the varied parameters fitted to observed targets by ABC-SMC."""
