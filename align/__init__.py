"""Sentence similarity scorers, the parallel aligner and the claim matcher."""
