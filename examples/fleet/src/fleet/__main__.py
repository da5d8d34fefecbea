"""Entry point so the packaged project runs as ``fleet`` or ``python -m fleet``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from kedro.framework.cli.utils import find_run_command
from kedro.framework.project import configure_project


def main(*args: Any, **kwargs: Any) -> Any:
    """Configure the project and invoke its ``run`` command."""
    package_name = Path(__file__).parent.name
    configure_project(package_name)

    # Leave the process running when called from an interactive interpreter.
    kwargs["standalone_mode"] = not hasattr(sys, "ps1")

    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    main()
