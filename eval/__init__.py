"""Evaluation: translation metrics, alignment and claim-matching scorers, run records, plots, and the alignment
benchmark. These are metrics over what translate and align produce, so they import nothing above align; runs over
the whole product (the compare pipeline, find, calibration, translation speed) live in xling.runs."""
