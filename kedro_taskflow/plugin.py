"""``kedro taskflow ...``: the same commands, run inside a Kedro project."""

from __future__ import annotations

import click

from kedro_taskflow.cli import cli


@click.group(name="kedro-taskflow")
def commands() -> None:
    """Kedro project commands contributed by kedro-taskflow."""


commands.add_command(cli, name="taskflow")
