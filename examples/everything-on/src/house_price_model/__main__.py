"""Allow ``python -m house_price_model``."""

from .cli import main

raise SystemExit(main())
