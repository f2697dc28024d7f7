"""Evaluation: translation metrics, alignment and claim-matching scorers, benchmark harnesses."""
