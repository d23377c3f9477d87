"""The installed version of bayes-iris (read once from the package metadata)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes-iris")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
