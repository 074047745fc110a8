"""cvbuild: compile one YAML career profile into PDF and Word résumés."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cvbuild")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
