"""Evaluation: score the model on the test split and decide whether it may be promoted."""
