"""A pytest plugin (entry point `pytest11`), so that plain pytest grades with the checks' own
settings however it is started.

pytest reads the settings of the folder its test paths share, and it takes the path after an
option for one of them: `pytest tests/checks/test_01_asgi_uvicorn.py --target solutions` from
the repo root reads pyproject.toml's (the course's own tests': other plugins, warnings as errors,
120 s per check), and with a `--rootdir` and a target outside the course it reads none. Then this
plugin is loaded (tests/checks/pytest.toml turns autoloading off, so it never is under the right
settings), and it runs the same command again with `-c tests/checks/pytest.toml`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def checks_settings(config: pytest.Config) -> Path | None:
    """tests/checks/pytest.toml when every test path of the run lies in that folder."""
    paths = [(config.invocation_params.dir / arg.split("::")[0]).resolve() for arg in config.args]
    if not paths:
        return None
    settings = next((folder / "pytest.toml" for folder in (paths[0], *paths[0].parents)
                     if folder.name == "checks" and folder.parent.name == "tests"
                     and (folder / "pytest.toml").is_file()), None)
    if settings is None or not all(path.is_relative_to(settings.parent) for path in paths):
        return None
    return settings


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.option.inifilename:
        return None  # settings chosen with -c
    settings = checks_settings(config)
    if settings is None or (config.inipath is not None and config.inipath.resolve() == settings):
        return None
    return subprocess.call([sys.executable, "-m", "pytest", "-c", str(settings),
                            *config.invocation_params.args])
