"""Evaluation, calibration and benchmark runs over the whole product: `python -m xling.runs.NAME`."""
