"""The ``kedro-taskflow`` command line: ``generate`` and ``plan``, over the Python API.

Options become ``api.Options``; the API's errors, which name its parameters, become one line
that names the flags instead.
"""

from __future__ import annotations

import functools
import gc
import importlib.metadata
import inspect
import json
import shlex
import sys
import textwrap
from pathlib import Path

import click
from click.core import ParameterSource

from kedro_taskflow import __version__, api, mermaid, plan_views, writer
from kedro_taskflow.errors import Conflicts, Option, UsageError
from kedro_taskflow.model import Execution, GroupBy, Selection
from kedro_taskflow.target import AirflowVersion, Form

FLAGS = {"pipelines": "--pipeline", "form": "--as"}  # where a flag is not the parameter's name with dashes


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
            "of kedro package); relative paths are taken from the project folder on the workers.",
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
            "[default: execution in airflow.yml, else tasks].",
        ),
        click.option(
            "--as",
            "form",
            type=click.Choice([f.value.replace("_", "-") for f in Form]),
            help="dag: a DAG file per pipeline; task-group: a module per pipeline with one @task_group "
            "function, which a DAG of yours imports and calls [default: as in airflow.yml, else dag].",
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
    help="Drop the hand edits that conflict with the new generation (printing each), keep the others.",
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
    """Write one Airflow DAG file per selected pipeline, keeping the hand edits in the files there.

    With --check and no pipeline or generation option, check every DAG file that kedro-taskflow
    generated in the target folder, each with the command it was generated with.
    """
    if check and not _given(flags):
        _check_generated(project_path, target_dir)
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
            "Nothing was written. --diff shows what the new generation changes; --discard-edits drops "
            "the edits in conflict, keeping the others.",
            err=True,
        )
        sys.exit(1)
    _warn(generated.warnings)
    _skipped(generated.skipped)
    if check:
        _report_check([generated])
    if show_diff:
        click.echo(writer.unified_diff(generated.files, generated.target_dir), nl=False)
        _conflicts(generated.conflicts)
        _discarded(generated.discarded, "would discard")
        for path in generated.changed:
            click.echo(f"would change: {path}", err=True)
        if not generated.changed and not generated.conflicts:
            click.echo(f"{_files(len(generated.files))} up to date", err=True)
        sys.exit(0)
    _discarded(generated.discarded)
    for path in generated.files:
        click.echo(f"{'wrote' if path in generated.written else 'unchanged'}: {path}")


def _given(flags: dict) -> bool:
    """Whether any pipeline or generation option was given on the command line."""
    context = click.get_current_context()
    return any(context.get_parameter_source(name) is not ParameterSource.DEFAULT for name in flags)


def _check_generated(project_path: Path | None, target_dir: Path | None) -> None:
    """``--check`` on every DAG file generated in the target folder, with each one's own command
    (files generated with the same options are checked in one reading of the project)."""
    requests: dict[api.Options, dict[str, Path]] = {}
    for path, command in api.generated_commands(project_path, target_dir).items():
        pipelines, options = _request(**_flags_of(path, command))
        requests.setdefault(options, {}).update(dict.fromkeys(pipelines or (), path))
    if not requests:  # nothing generated there yet: the default pipeline, as generate would write it
        return
    results = []
    for options, files in requests.items():
        try:
            results.append(
                api.generate(
                    project_path, pipelines=list(files), options=options, target_dir=target_dir, write=False
                )
            )
        except UsageError as exc:
            raise UsageError(f"{', '.join(map(str, files.values()))}: ", *exc.parts) from None
    _warn(tuple(dict.fromkeys(w for r in results for w in r.warnings)))
    _report_check(results)


def _flags_of(path: Path, command: str | None) -> dict:
    """The pipeline and generation options of a file's regenerate command, as ``generate`` takes them."""
    words = shlex.split(command or "")
    if words[:2] != ["kedro-taskflow", "generate"]:
        raise UsageError(
            f"{path} names no command it was generated with: pass --pipeline or --all to check it."
        )
    try:
        context = generate.make_context("generate", words[2:])
    except click.ClickException as exc:
        raise UsageError(
            f"{path} was generated with {command!r}, which this kedro-taskflow does not take "
            f"({exc.format_message()}): regenerate it, or pass --pipeline to check it."
        ) from None
    return {name: value for name, value in context.params.items() if name in _GENERATION_OPTIONS}


def _report_check(results: list[api.Generated]) -> None:
    """What ``--check`` says: each file that would change or does not load, then one line; exit 1 if any."""
    outdated = [path for r in results for path in r.outdated]
    broken = {path: why for r in results for path, why in r.broken.items()}
    for path in outdated:
        click.echo(f"would change: {path}", err=True)
    for path, why in broken.items():
        click.echo(f"does not load: {path}: {why}", err=True)
    if not (outdated or broken):
        pipelines = ", ".join(repr(p) for p in dict.fromkeys(p for r in results for p in r.pipelines))
        click.echo(f"{_files(sum(len(r.files) for r in results))} up to date (pipelines {pipelines})")
    sys.exit(1 if outdated or broken else 0)


def _files(count: int) -> str:
    return f"{count} DAG file{'' if count == 1 else 's'}"


def _discarded(discarded: dict, verb: str = "discarded") -> None:
    """Each hand edit --discard-edits drops, on stderr: the part and why, then its code, indented."""
    for path, edits in discarded.items():
        for edit in edits:
            click.echo(f"{verb}: {path}: {edit.part} ({edit.why}):", err=True)
            click.echo(textwrap.indent(edit.code, "    "), err=True)


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
    """Show the DAGs and tasks that generate would write, without writing."""
    if as_json and output_format not in (None, "json"):
        raise UsageError(f"Pass either --json or --format {output_format}, not both.")
    output_format = "json" if as_json else output_format or "text"
    pipelines, options = _request(**flags)
    planned = api.plan(project_path, pipelines=pipelines, options=options)
    _warn(planned.warnings)
    _skipped(planned.skipped)
    for note in planned.notes:
        click.echo(f"note: {note}", err=True)
    folder = (target_dir or planned.project_path / api.DEFAULT_TARGET).expanduser().resolve()
    if output_format == "json":
        dags = [plan_views.as_json(p, folder) for p in planned.dags]
        click.echo(json.dumps({"dags": dags}, indent=2, ensure_ascii=False))
    elif output_format == "mermaid":
        click.echo("\n".join(mermaid.flowchart(p) for p in planned.dags), nl=False)
    else:
        click.echo("".join(plan_views.as_text(p, folder) for p in planned.dags), nl=False)


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
    form: str | None,
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
        form=form and Form(form.replace("-", "_")),
        selection=Selection(*(_split(o) for o in (tags, nodes, from_nodes, to_nodes))),
    )
    return (None if all_pipelines else pipelines or api.DEFAULT_PIPELINES), options


_GENERATION_OPTIONS = frozenset(inspect.signature(_request).parameters)  # what a regenerate command repeats


def _warn(warnings: tuple[str, ...]) -> None:
    """Kedro's warnings, one line each; only once the input is known to be good."""
    for warning in warnings:
        click.echo(f"warning: {' '.join(warning.split())}", err=True)


def _skipped(pipelines: tuple[str, ...]) -> None:
    """The empty pipelines ``--all`` left out, one line each."""
    for pipeline in pipelines:
        click.echo(f"skipped: pipeline {pipeline!r} has no nodes", err=True)


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
