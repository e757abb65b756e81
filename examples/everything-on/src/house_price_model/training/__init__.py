"""Training: fit the preprocessing and regressor pipeline on the training split."""
