"""The ``kedro-taskflow`` command line: ``generate`` and ``plan``, over the Python API.

Options become ``api.Options``; the API's errors, which name its parameters, become one line
that names the flags instead.
"""

from __future__ import annotations

import functools
import gc
import importlib.metadata
import json
import sys
from pathlib import Path

import click

from kedro_taskflow import __version__, api, config, mermaid, writer
from kedro_taskflow.errors import Conflicts, Option, UsageError
from kedro_taskflow.layout import Scope, Task, scopes
from kedro_taskflow.model import DagPlan, Execution, GroupBy, Selection, Setting
from kedro_taskflow.target import AirflowVersion

FLAGS = {"pipelines": "--pipeline"}  # where a flag is not the parameter's name with dashes


def flag(option: Option) -> str:
    """How the command line spells a parameter of the Python API."""
    return FLAGS.get(option.name) or "--" + option.name.replace("_", "-")


def _selection(command):
    """Options shared by ``generate`` and ``plan``: which project, env and pipelines."""
    options = [
        click.option(
            "--project-path",
            type=click.Path(path_type=Path),
            help="Kedro project folder [default: the nearest one at or above the current folder].",
        ),
        click.option("--env", help="Kedro configuration environment [default: the project's]."),
        click.option(
            "--pipeline",
            "pipelines",
            multiple=True,
            help="Pipeline to generate a DAG for; repeatable [default: __default__].",
        ),
        click.option("--all", "all_pipelines", is_flag=True, help="One DAG for every registered pipeline."),
        click.option(
            "--conf-source", help="Configuration folder or archive, relative to the project [default: conf]."
        ),
        click.option(
            "--target-dir",
            type=click.Path(path_type=Path),
            help=f"Where DAG files go [default: {api.DEFAULT_TARGET}/ in the project].",
        ),
        click.option(
            "--worker-project-path",
            help="The project's folder on the Airflow workers "
            "[default: relative to the DAG file, which must then be inside the project].",
        ),
        click.option(
            "--worker-conf-source",
            help="The configuration the workers use, if not --conf-source (e.g. the conf archive "
            "of `kedro package`); relative paths are taken from the project folder on the workers.",
        ),
        click.option(
            "--group-by",
            type=click.Choice([g.value for g in GroupBy]),
            default="memory",
            show_default=True,
            help="memory: nodes joined by in-memory datasets share a task; namespace: one task per "
            "top-level namespace; none: one task per node.",
        ),
        click.option(
            "--airflow-version",
            type=click.Choice([*(str(v.value) for v in AirflowVersion), "auto"]),
            default="2",
            show_default=True,
            help="Write for Airflow 2 or 3; auto: the major version of the Airflow installed here.",
        ),
        click.option(
            "--execution",
            type=click.Choice([e.value for e in Execution]),
            help="tasks: each task runs its nodes in its own Kedro session; watcher: one task runs the "
            "DAG's nodes in one Kedro session and each node's task reports its outcome "
            "[default: airflow.yml's `execution:`, else tasks].",
        ),
        click.option("--tags", multiple=True, help="Only nodes with any of these tags (comma-separated)."),
        click.option("--nodes", multiple=True, help="Only these nodes (comma-separated)."),
        click.option("--from-nodes", multiple=True, help="Only these nodes and those after them."),
        click.option("--to-nodes", multiple=True, help="Only these nodes and those before them."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(options), command)


def _one_line_errors(command):
    """Bad input exits 2 with one line on stderr and no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UsageError as exc:
            click.echo(f"Error: {exc.message(flag)}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kedro-taskflow")
def cli() -> None:
    """Turn Kedro pipelines into Airflow TaskFlow DAG files."""


@cli.command()
@_selection
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the pipeline changed since a file was generated, or a file does not load.",
)
@click.option(
    "--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of what would be written."
)
@click.option(
    "--discard-edits",
    is_flag=True,
    help="Where hand edits conflict with the new generation, write the new generation anyway.",
)
@_one_line_errors
def generate(
    check: bool,
    show_diff: bool,
    discard_edits: bool,
    project_path: Path | None,
    target_dir: Path | None,
    **flags,
) -> None:
    """Write one Airflow DAG file per selected pipeline, keeping the hand edits in the files there."""
    pipelines, options = _request(**flags)
    try:
        generated = api.generate(
            project_path,
            pipelines=pipelines,
            options=options,
            target_dir=target_dir,
            write=not (check or show_diff),
            discard_edits=discard_edits,
        )
    except Conflicts as exc:
        _conflicts(exc.conflicts)
        click.echo(
            "Nothing was written. --diff shows what the new generation changes; --discard-edits writes "
            "it anyway, dropping the hand edits of these files.",
            err=True,
        )
        sys.exit(1)
    _warn(generated.warnings)
    if check:
        for path in generated.outdated:
            click.echo(f"would change: {path}", err=True)
        for path, why in generated.broken.items():
            click.echo(f"does not load: {path}: {why}", err=True)
        sys.exit(1 if generated.outdated or generated.broken else 0)
    if show_diff:
        click.echo(writer.unified_diff(generated.files), nl=False)
        _conflicts(generated.conflicts)
        for path in generated.changed:
            click.echo(f"would change: {path}", err=True)
        sys.exit(0)
    for path, edits in generated.discarded.items():
        for edit in edits:
            click.echo(f"discarded: {path}: {edit}", err=True)
    for path in generated.files:
        click.echo(f"{'wrote' if path in generated.written else 'unchanged'}: {path}")


def _conflicts(conflicts: dict[Path, tuple[str, ...]]) -> None:
    """One line per conflict, on stderr."""
    for path, lines in conflicts.items():
        for line in lines:
            click.echo(f"conflict: {path}: {line}", err=True)


@cli.command()
@_selection
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "mermaid"]),
    help="text: a tree; json: for scripts; mermaid: a flowchart block for a pull request. [default: text]",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@_one_line_errors
def plan(
    output_format: str | None, as_json: bool, project_path: Path | None, target_dir: Path | None, **flags
) -> None:
    """Show the DAGs and tasks that ``generate`` would write, without writing."""
    if as_json and output_format not in (None, "json"):
        raise UsageError(f"Pass either --json or --format {output_format}, not both.")
    output_format = "json" if as_json else output_format or "text"
    pipelines, options = _request(**flags)
    planned = api.plan(project_path, pipelines=pipelines, options=options)
    _warn(planned.warnings)
    folder = (target_dir or planned.project_path / api.DEFAULT_TARGET).expanduser().resolve()
    if output_format == "json":
        dags = [_plan_json(p, folder) for p in planned.dags]
        click.echo(json.dumps({"dags": dags}, indent=2, ensure_ascii=False))
        return
    if output_format == "mermaid":
        click.echo("\n".join(mermaid.flowchart(p) for p in planned.dags), nl=False)
        return
    for p in planned.dags:
        click.echo(f"DAG {p.dag_id}  (pipeline {p.pipeline!r}, file {folder / p.file_name})")
        click.echo(f"  settings: {_settings_text(p.settings)}")
        _echo_tree(scopes(p, reserved=()), "  ")  # function names are not shown


def _settings_text(settings: tuple[Setting, ...]) -> str:
    """``retries=2 (default), pool='ingest_pool' (tag:ingest)``"""
    return ", ".join(
        f"{s.key}={json.dumps(config.written(s), ensure_ascii=False)} ({s.source})" for s in settings
    )


def _settings_json(settings: tuple[Setting, ...]) -> dict:
    return {s.key: {"value": config.written(s), "source": s.source} for s in settings}


def _echo_tree(scope: Scope, indent: str) -> None:
    """Groups as an indented tree; each task with its upstream tasks and, if not its id, its nodes."""
    for item in scope.items:
        if not isinstance(item, Task):
            click.echo(f"{indent}group {'.'.join(item.path)}  (namespace {item.group.namespace!r})")
            _echo_tree(item, indent + "  ")
            continue
        task = item.plan
        upstream = f"  <- {', '.join(task.upstream)}" if task.upstream else ""
        click.echo(f"{indent}task {task.task_id}{upstream}")
        if task.node_names != (task.task_id,):
            for name in task.node_names:
                click.echo(f"{indent}  node {name!r}")
        own = tuple(s for s in task.settings if s.on_task or s.key == config.FLAVOUR)  # on its decorator
        if own:
            click.echo(f"{indent}  settings: {_settings_text(own)}")


def _plan_json(plan: DagPlan, target: Path) -> dict:
    return {
        "dag_id": plan.dag_id,
        "pipeline": plan.pipeline,
        "file": str(target / plan.file_name),
        "settings": _settings_json(plan.settings),
        "tasks": [
            {
                "task_id": t.task_id,
                "nodes": list(t.node_names),
                "upstream": list(t.upstream),
                "settings": _settings_json(t.settings),
            }
            for t in plan.tasks
        ],
    }


def _request(
    env: str | None,
    pipelines: tuple[str, ...],
    all_pipelines: bool,
    conf_source: str | None,
    worker_project_path: str | None,
    worker_conf_source: str | None,
    group_by: str,
    airflow_version: str,
    execution: str | None,
    tags: tuple[str, ...],
    nodes: tuple[str, ...],
    from_nodes: tuple[str, ...],
    to_nodes: tuple[str, ...],
) -> tuple[tuple[str, ...] | None, api.Options]:
    """The flags as the API takes them: the pipelines (None: all) and the options."""
    if all_pipelines and pipelines:
        raise UsageError("Pass either --all or --pipeline, not both.")
    options = api.Options(
        env=env,
        conf_source=conf_source,
        worker_project_path=worker_project_path,
        worker_conf_source=worker_conf_source,
        group_by=GroupBy(group_by),
        airflow_version=_airflow_version(airflow_version),
        execution=execution and Execution(execution),
        selection=Selection(*(_split(o) for o in (tags, nodes, from_nodes, to_nodes))),
    )
    return (None if all_pipelines else pipelines or api.DEFAULT_PIPELINES), options


def _warn(warnings: tuple[str, ...]) -> None:
    """Kedro's warnings, one line each; only once the input is known to be good."""
    for warning in warnings:
        click.echo(f"warning: {' '.join(warning.split())}", err=True)


def _airflow_version(value: str) -> AirflowVersion:
    """2 or 3; ``auto`` reads the version of the Airflow installed where the generator runs."""
    if value != "auto":
        return AirflowVersion(int(value))
    try:
        installed = importlib.metadata.version("apache-airflow")
    except importlib.metadata.PackageNotFoundError:
        raise UsageError("--airflow-version auto found no Airflow installed here: pass 2 or 3.") from None
    major = int(installed.split(".")[0])
    if major not in tuple(AirflowVersion):
        raise UsageError(f"--airflow-version auto found Airflow {installed}; pass 2 or 3.")
    click.echo(
        f"--airflow-version auto: writing for Airflow {major} (apache-airflow {installed} is installed)",
        err=True,
    )
    return AirflowVersion(major)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated, repeatable option values, as ``kedro run`` takes them."""
    return tuple(dict.fromkeys(v.strip() for value in values for v in value.split(",") if v.strip()))


def main() -> None:
    """The console script: click's own usage errors also end as one line and exit code 2."""
    try:
        code = cli.main(prog_name="kedro-taskflow", standalone_mode=False)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except click.Abort:
        code = 1
    finally:  # a command's own exit too: the process ends here
        # The collector's last walk over all that is still alive (Kedro's pipelines: hundreds of
        # thousands of objects for a big project) would only delay the exit, by 0.3 s at 5,000
        # nodes. Frozen, they are left to the end of the process as they are.
        gc.freeze()
    sys.exit(code or 0)
