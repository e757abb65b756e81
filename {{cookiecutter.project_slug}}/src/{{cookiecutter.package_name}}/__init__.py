"""{{ cookiecutter.project_slug }}: a machine-learning service from raw data to a monitored model."""

__version__ = "0.1.0"
