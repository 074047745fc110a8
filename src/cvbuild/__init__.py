"""cvbuild: compile one YAML career profile into PDF and Word résumés."""

from __future__ import annotations


def package_version() -> str:
    """The installed distribution's version.

    Read on demand: importing ``importlib.metadata`` costs tens of
    milliseconds, which every command would otherwise pay at start-up.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cvbuild")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return package_version()
    raise AttributeError(f"module 'cvbuild' has no attribute {name!r}")
