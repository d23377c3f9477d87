"""bayes-iris: Bayesian reanalysis of the IRIS-7 trial and design of its phase III successor.

IRIS-7 randomised recombinant interleukin-7 (CYT107) against placebo in septic shock with severe
lymphopenia (Francois et al., JCI Insight 2018;3(5):e98960). No patient-level data of that trial is
public: the toolkit reads real data in a documented schema, ships a *synthetic*, IRIS-7-like trial as
its default, and reanalyses the published summary-level numbers as they stand.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes-iris")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
