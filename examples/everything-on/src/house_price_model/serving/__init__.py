"""Serving: the prediction service that answers requests with the champion model."""
