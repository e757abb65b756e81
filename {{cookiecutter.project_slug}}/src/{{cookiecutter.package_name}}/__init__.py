"""Pipeline stages, configuration and command line of this machine-learning service."""

__version__ = "0.1.0"
