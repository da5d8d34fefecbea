"""The ``kedro-taskflow`` command line: ``generate`` and ``plan``."""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import json
import shlex
import sys
from pathlib import Path

import click

from kedro_taskflow import __version__, writer
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import DagPlan, Deployment, GroupPlan, Selection
from kedro_taskflow.planning import GROUP_BY, plan_dag

DEFAULT_TARGET = "airflow_dags"


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
            help=f"Where DAG files go [default: {DEFAULT_TARGET}/ in the project].",
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
            type=click.Choice(GROUP_BY),
            default="memory",
            show_default=True,
            help="memory: nodes joined by in-memory datasets share a task; namespace: one task per "
            "top-level namespace; none: one task per node.",
        ),
        click.option(
            "--airflow-version",
            type=click.Choice(["2", "3", "auto"]),
            default="2",
            show_default=True,
            help="Write for Airflow 2 or 3; auto: the major version of the Airflow installed here.",
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
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kedro-taskflow")
def cli() -> None:
    """Turn Kedro pipelines into Airflow TaskFlow DAG files."""


@cli.command()
@_selection
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff.")
@_one_line_errors
def generate(check: bool, show_diff: bool, **selection) -> None:
    """Write one Airflow DAG file per selected pipeline."""
    files, target = dag_files(**selection)
    if show_diff:
        click.echo(writer.unified_diff(files), nl=False)
    if check or show_diff:
        stale = writer.changed(files)
        for path in stale:
            click.echo(f"would change: {path}", err=True)
        sys.exit(1 if stale and check else 0)
    _refuse_foreign(files)
    writer.prepare_dir(target)
    written = set(writer.write(files))
    for path in files:
        click.echo(f"{'wrote' if path in written else 'unchanged'}: {path}")


@cli.command()
@_selection
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@_one_line_errors
def plan(as_json: bool, **selection) -> None:
    """Show the DAGs and tasks that ``generate`` would write, without writing."""
    plans, target = _plans(**selection)
    if as_json:
        click.echo(json.dumps({"dags": [_plan_json(p, target) for p in plans]}, indent=2, ensure_ascii=False))
        return
    for p in plans:
        click.echo(f"DAG {p.dag_id}  (pipeline {p.pipeline!r}, file {target / p.file_name})")
        _echo_tree(p, (), "  ")


def _echo_tree(plan: DagPlan, scope: tuple[str, ...], indent: str) -> None:
    """Groups as an indented tree; each task with its upstream tasks and, if not its id, its nodes."""
    for child in plan.children(scope):
        if isinstance(child, GroupPlan):
            click.echo(f"{indent}group {'.'.join(child.path)}  (namespace {child.namespace!r})")
            _echo_tree(plan, child.path, indent + "  ")
            continue
        upstream = f"  <- {', '.join(child.upstream)}" if child.upstream else ""
        click.echo(f"{indent}task {child.task_id}{upstream}")
        if child.node_names != (child.task_id,):
            for name in child.node_names:
                click.echo(f"{indent}  node {name!r}")


def _refuse_foreign(files: dict[Path, str]) -> None:
    """Never overwrite a file that kedro-taskflow did not write."""
    from kedro_taskflow.codegen.dag_module import GENERATED_MARK

    for path in files:
        if path.is_file() and GENERATED_MARK not in path.read_text(encoding="utf-8", errors="replace"):
            raise UsageError(
                f"{path} exists and was not generated by kedro-taskflow: "
                "move it away or pass another --target-dir."
            )


def dag_files(**selection) -> tuple[dict[Path, str], Path]:
    """The text of every DAG file the selection asks for, by path, and the target folder."""
    from kedro_taskflow.codegen import render

    plans, target = _plans(**selection)
    return {target / plan.file_name: render(plan) for plan in plans}, target


def _plan_json(plan: DagPlan, target: Path) -> dict:
    return {
        "dag_id": plan.dag_id,
        "pipeline": plan.pipeline,
        "file": str(target / plan.file_name),
        "tasks": [
            {"task_id": t.task_id, "nodes": list(t.node_names), "upstream": list(t.upstream)}
            for t in plan.tasks
        ],
    }


def _plans(
    project_path: Path | None = None,
    env: str | None = None,
    pipelines: tuple[str, ...] = (),
    all_pipelines: bool = False,
    conf_source: str | None = None,
    target_dir: Path | None = None,
    worker_project_path: str | None = None,
    worker_conf_source: str | None = None,
    group_by: str = "memory",
    airflow_version: str = "2",
    tags: tuple[str, ...] = (),
    nodes: tuple[str, ...] = (),
    from_nodes: tuple[str, ...] = (),
    to_nodes: tuple[str, ...] = (),
) -> tuple[list[DagPlan], Path]:
    from kedro_taskflow import reader

    if all_pipelines and pipelines:
        raise UsageError("Pass either --all or --pipeline, not both.")
    project = reader.check_project(project_path) if project_path else reader.find_project(Path.cwd())
    target = (target_dir or project / DEFAULT_TARGET).expanduser().resolve()
    deployment = _deployment(project, target, env, worker_conf_source or conf_source, worker_project_path)
    spec = reader.read_project(project, env=env, conf_source=conf_source)
    names = (
        [p.name for p in spec.pipelines]
        if all_pipelines
        else list(dict.fromkeys(pipelines or ["__default__"]))
    )
    selection = Selection(*(_split(o) for o in (tags, nodes, from_nodes, to_nodes)))
    target_version = _airflow_version(airflow_version)
    options = {  # what the regenerate command in each file repeats; no machine paths
        "--env": env,
        "--conf-source": conf_source,
        "--worker-project-path": worker_project_path,
        "--worker-conf-source": worker_conf_source,
        "--group-by": None if group_by == "memory" else group_by,
        "--airflow-version": None if target_version == 2 else str(target_version),
        **{
            f"--{f.name.replace('_', '-')}": ",".join(getattr(selection, f.name)) or None
            for f in dataclasses.fields(selection)
        },
    }
    plans = [
        plan_dag(spec, name, deployment, _command(name, options), group_by, selection, target_version)
        for name in names
    ]
    for warning in spec.warnings:  # only once the input is known to be good: errors stay one line
        click.echo(f"warning: {' '.join(warning.split())}", err=True)
    return plans, target


def _deployment(project: Path, target: Path, env, conf_source, worker_project_path) -> Deployment:
    if worker_project_path is not None:
        return Deployment(env=env, conf_source=conf_source, project_path=worker_project_path)
    if not target.is_relative_to(project):
        raise UsageError(
            f"Target {target} is outside the project, so the DAG cannot find the project relative to "
            "itself: pass --worker-project-path with the project's folder on the Airflow workers."
        )
    return Deployment(env=env, conf_source=conf_source, levels_up=len(target.relative_to(project).parts))


def _airflow_version(value: str) -> int:
    """2 or 3; ``auto`` reads the version of the Airflow installed where the generator runs."""
    if value != "auto":
        return int(value)
    try:
        installed = importlib.metadata.version("apache-airflow")
    except importlib.metadata.PackageNotFoundError:
        raise UsageError("--airflow-version auto found no Airflow installed here: pass 2 or 3.") from None
    major = int(installed.split(".")[0])
    if major not in (2, 3):
        raise UsageError(f"--airflow-version auto found Airflow {installed}; pass 2 or 3.")
    click.echo(
        f"--airflow-version auto: writing for Airflow {major} (apache-airflow {installed} is installed)",
        err=True,
    )
    return major


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated, repeatable option values, as ``kedro run`` takes them."""
    return tuple(dict.fromkeys(v.strip() for value in values for v in value.split(",") if v.strip()))


def _command(pipeline: str, options: dict[str, str | None]) -> str:
    """The command that regenerates one DAG file, without machine-specific paths."""
    words = ["kedro-taskflow", "generate"]
    for option, value in options.items():
        if value is not None:
            words += [option, value]
    if pipeline != "__default__":
        words += ["--pipeline", pipeline]
    return shlex.join(words)


def main() -> None:
    """The console script: click's own usage errors also end as one line and exit code 2."""
    try:
        code = cli.main(prog_name="kedro-taskflow", standalone_mode=False)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        sys.exit(1)
    sys.exit(code or 0)
