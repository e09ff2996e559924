"""The pure analytics core: numpy, scipy, pandas and scikit-learn only.

Nothing here imports the web, the database, the CLI or the settings (an import-linter
contract enforces it), so it can be used and published on its own.
"""

from valuecenter.analytics.errors import InputError

__all__ = ["InputError"]
