"""Registry: make a model that passed the evaluation gate the champion."""
