"""Pipeline stages, configuration and command line of this machine-learning project."""

__version__ = "0.1.0"
