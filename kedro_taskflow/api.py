"""The Python API: read -> plan -> render -> write. The CLI, the ``kedro`` plugin and the benchmarks call it.

``generate`` and ``plan`` are also ``kedro_taskflow.generate`` and ``kedro_taskflow.plan``. Bad
input raises ``kedro_taskflow.errors.UsageError``, whose message names the parameters here; hand
edits that the new generation contradicts raise ``kedro_taskflow.errors.Conflicts``.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kedro_taskflow import __version__, config, naming, ownership, reader, writer
from kedro_taskflow.errors import (
    AIRFLOW_VERSION,
    EXECUTION,
    FORM,
    GROUP_BY,
    TARGET_DIR,
    WORKER_PROJECT_PATH,
    Conflicts,
    UsageError,
)
from kedro_taskflow.model import DagPlan, Execution, GroupBy, ProjectSpec, Selection
from kedro_taskflow.planning import has_nodes, plan_dag
from kedro_taskflow.target import GENERATED_MARK, OUTPUT_FORMAT, AirflowVersion, Deployment, Form, Target

DEFAULT_TARGET = "airflow_dags"  # in the project
DEFAULT_PIPELINES = ("__default__",)


@dataclass(frozen=True)
class Options:
    """How to read, plan and render: everything the regenerate command in each file repeats."""

    env: str | None = None  # Kedro configuration environment (default: the project's)
    conf_source: str | None = None  # configuration folder or archive, relative to the project
    worker_project_path: str | None = None  # the project on the workers (default: next to the DAG)
    worker_conf_source: str | None = None  # the workers' configuration, if not conf_source
    group_by: GroupBy = GroupBy.MEMORY
    airflow_version: AirflowVersion = AirflowVersion.AIRFLOW_2
    selection: Selection = field(default_factory=Selection)
    execution: Execution | None = None  # None: airflow.yml's `execution:`, else tasks
    form: Form | None = None  # what each file defines; None: airflow.yml's `as:`, else a DAG

    def __post_init__(self) -> None:
        for option, kind, name in (
            (GROUP_BY, GroupBy, "group_by"),
            (AIRFLOW_VERSION, AirflowVersion, "airflow_version"),
            (EXECUTION, Execution, "execution"),
            (FORM, Form, "form"),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                object.__setattr__(self, name, kind(value))
            except ValueError:
                choices = ", ".join(repr(c.value) for c in kind)
                raise UsageError(option, f" must be one of {choices}, not {value!r}.") from None

    def command(self, pipeline: str) -> str:
        """The command line that regenerates one pipeline's file, without machine-specific paths."""
        options = {
            "--env": self.env,
            "--conf-source": self.conf_source,
            "--worker-project-path": self.worker_project_path,
            "--worker-conf-source": self.worker_conf_source,
            "--group-by": None if self.group_by is GroupBy.MEMORY else self.group_by.value,
            "--airflow-version": (
                None if self.airflow_version is AirflowVersion.AIRFLOW_2 else str(self.airflow_version.value)
            ),
            "--execution": self.execution and self.execution.value,
            "--as": self.form and self.form.value.replace("_", "-"),
            **{
                f"--{f.name.replace('_', '-')}": ",".join(getattr(self.selection, f.name)) or None
                for f in dataclasses.fields(self.selection)
            },
        }
        words = ["kedro-taskflow", "generate"]
        for option, value in options.items():
            if value is not None:
                words += [option, value]
        if pipeline != "__default__":
            words += ["--pipeline", pipeline]
        return shlex.join(words)


@dataclass(frozen=True)
class Planned:
    """The task graph of each pipeline asked for."""

    project_path: Path
    dags: tuple[DagPlan, ...]
    warnings: tuple[str, ...]  # what Kedro warned about while loading the project
    skipped: tuple[str, ...] = ()  # empty pipelines left out of every pipeline (``pipelines=None``)
    notes: tuple[str, ...] = ()  # what works only where the tasks share a disk, one per DAG


@dataclass(frozen=True)
class Generated:
    """The DAG files, by path, in the order of the pipelines asked for: each one's new text merged
    with the hand edits of the file on disk (files in conflict are in ``conflicts`` instead)."""

    target_dir: Path
    files: dict[Path, str]
    changed: tuple[Path, ...]  # whose text differed from what was on disk
    written: tuple[Path, ...]  # what was written: ``changed``, or nothing when not asked to write
    warnings: tuple[str, ...]  # Kedro's while loading the project, then the DAG settings groups ignore
    outdated: tuple[Path, ...] = ()  # the pipeline changed since they were generated (``--check``)
    conflicts: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # when not writing
    discarded: dict[Path, tuple[ownership.Discarded, ...]] = field(default_factory=dict)  # dropped on request
    broken: dict[Path, str] = field(default_factory=dict)  # files there that would not load (``--check``)
    pipelines: tuple[str, ...] = ()  # the pipeline of each file, in the order of ``files``
    skipped: tuple[str, ...] = ()  # empty pipelines left out of every pipeline (``pipelines=None``)


def _collector_paused(function):
    """Run ``function`` with Python's cyclic garbage collector off, then leave it as it was.

    Reading, planning and rendering a pipeline allocate hundreds of thousands of small objects
    (Kedro's nodes, LibCST's tree) and hardly a cycle among them; the collector would walk them
    all, again and again as they pile up: about a sixth of the time a 5,000-node DAG took.
    """

    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@_collector_paused
def plan(
    project_path: str | os.PathLike | None = None,
    *,
    pipelines: Sequence[str] | None = DEFAULT_PIPELINES,
    options: Options | None = None,
) -> Planned:
    """Read the project and plan one DAG per pipeline (``pipelines=None``: every registered one
    that has nodes; ``skipped`` names the others).

    ``project_path`` defaults to the nearest Kedro project at or above the current folder.
    """
    options = options or Options()
    project = find(project_path)
    spec = read(project, options)
    dags = plan_dags(spec, pipelines, options)
    crossings = {dag: config.local_crossings(dag, spec.storage) for dag in dags}
    notes = tuple(config.crossings_note(dag, found) for dag, found in crossings.items() if found)
    return Planned(project, dags, spec.warnings, skipped_of(spec, pipelines), notes)


@_collector_paused
def generate(
    project_path: str | os.PathLike | None = None,
    *,
    pipelines: Sequence[str] | None = DEFAULT_PIPELINES,
    options: Options | None = None,
    target_dir: str | os.PathLike | None = None,
    write: bool = True,
    discard_edits: bool = False,
) -> Generated:
    """Plan, render, merge with the files' hand edits, and (unless ``write=False``) write one DAG
    file per pipeline, each with its base: ``<dag_id>.py``, or, where the form is a task group
    (``options.form``, else airflow.yml's ``as:``), ``<dag_id>_group.py``.

    ``target_dir`` defaults to ``airflow_dags/`` in the project. Files that are unchanged are not
    touched; a file there that kedro-taskflow did not write is never overwritten. Hand edits that
    the new generation contradicts raise ``Conflicts`` and nothing is written, unless
    ``discard_edits``: then those edits are dropped (the others kept, the merge verified), and
    ``discarded`` says which.
    """
    options = options or Options()
    project = find(project_path)
    folder = target_folder(project, target_dir)
    writer.check_dir(folder)
    deployment = deployment_of(project, folder, options)
    spec = read(project, options)
    dags = plan_dags(spec, pipelines, options)
    skipped = skipped_of(spec, pipelines)
    settings = config.parse(
        spec.airflow_config, spec.airflow_files, {p.name: p.nodes for p in spec.pipelines}
    )
    _check_isolated(settings, dags, deployment)
    forms = {dag.pipeline: _form(options, settings, dag.pipeline) for dag in dags}
    targets = _targets(folder, dags, forms, deployment, options)
    warnings = spec.warnings + tuple(
        f"{path.name} is a task group: it ignores airflow.yml's DAG settings ({', '.join(ignored)}); "
        "the DAG that calls it has its own"
        for path, (dag, target) in targets.items()
        if target.form is Form.TASK_GROUP and (ignored := config.dag_only(dag))
    )
    bases = {path: ownership.read_base(path) for path in targets}
    inputs = {path: inputs_digest(*targets[path]) for path in targets}
    # Same inputs, same text: a base generated from these inputs is what render would return.
    new = {
        path: base.text if base and base.inputs == inputs[path] else render(*targets[path])
        for path, base in bases.items()
    }
    owned = {path: ownership.own(path, new[path], bases[path], discard_edits) for path in targets}
    pipelines = tuple(dag.pipeline for dag, _target in targets.values())
    # A file in conflict gets the new generation, if anything: to show --diff.
    files = {path: new[path] if o.text is None else o.text for path, o in owned.items()}
    conflicts = {path: o.conflicts for path, o in owned.items() if o.conflicts}
    discarded = {path: o.discarded for path, o in owned.items() if o.discarded}
    outdated = tuple(path for path, o in owned.items() if o.outdated)
    if not write:
        changed = tuple(writer.changed(files))
        broken = {path: why for path in targets if (why := ownership.broken(path)) is not None}
        return Generated(
            folder,
            files,
            changed,
            (),
            warnings,
            outdated,
            conflicts,
            discarded,
            broken=broken,
            pipelines=pipelines,
            skipped=skipped,
        )
    _refuse_foreign(new)
    writer.prepare_dir(folder)
    writer.refuse_in_the_way(list(new))
    if conflicts and not discard_edits:
        raise Conflicts(conflicts)
    bases_now = {
        ownership.base_of(p): ownership.base_text(ownership.Base(t, inputs[p])) for p, t in new.items()
    }
    written = tuple(p for p in writer.write({**files, **bases_now}) if p in files)
    return Generated(
        folder,
        files,
        written,
        written,
        warnings,
        outdated,
        discarded=discarded,
        pipelines=pipelines,
        skipped=skipped,
    )


def target_folder(project: Path, target_dir: str | os.PathLike | None) -> Path:
    """Where the DAG files go: ``target_dir``, or ``airflow_dags/`` in the project."""
    return (Path(target_dir) if target_dir is not None else project / DEFAULT_TARGET).expanduser().resolve()


def generated_commands(
    project_path: str | os.PathLike | None = None, target_dir: str | os.PathLike | None = None
) -> dict[Path, str | None]:
    """The DAG files kedro-taskflow generated in the target folder, each with the command line its
    base (or, without one, the file) says it was generated with; None where it names none."""
    folder = target_folder(find(project_path), target_dir)
    commands = {}
    for path in sorted(folder.glob("*.py")):
        base = ownership.read_base(path)
        text = base.text if base is not None else writer.read(path)
        if text is not None and GENERATED_MARK in text:
            commands[path] = ownership.regenerate_command(text)
    return commands


def inputs_digest(dag: DagPlan, target: Target) -> str:
    """What a DAG file's text follows from, as a digest: the plan, the target, the output format and
    the version the text names (black and libcst are not in it: every version we allow gives the
    same bytes, which the tests hold to)."""
    made_by = f"{OUTPUT_FORMAT} {__version__}"
    form = "" if target.form is Form.DAG else f"\n{target.form.value}"  # DAG files' digests predate forms
    return hashlib.sha256(f"{made_by}\n{dag!r}\n{target!r}{form}".encode()).hexdigest()


def find(project_path: str | os.PathLike | None) -> Path:
    """The project folder: ``project_path`` checked, or the one at or above the current folder."""
    return (
        reader.check_project(Path(project_path))
        if project_path is not None
        else reader.find_project(Path.cwd())
    )


def read(project: Path, options: Options) -> ProjectSpec:
    return reader.read_project(project, env=options.env, conf_source=options.conf_source)


def plan_dags(spec: ProjectSpec, pipelines: Sequence[str] | None, options: Options) -> tuple[DagPlan, ...]:
    """One DAG per pipeline asked for (``None``: every one that has nodes), each checked against
    airflow.yml's ``shared_filesystem`` and named after the file its form is written to."""
    names = has_nodes(spec) if pipelines is None else list(dict.fromkeys(pipelines))
    dags = tuple(plan_dag(spec, name, options.group_by, options.selection) for name in names)
    settings = config.parse(
        spec.airflow_config, spec.airflow_files, {p.name: p.nodes for p in spec.pipelines}
    )
    dags = tuple(config.apply(dag, settings, spec.filepaths, options.execution) for dag in dags)
    for dag in dags:
        config.check_shared_filesystem(dag, settings, spec.storage)
    return tuple(
        dataclasses.replace(dag, file_name=f"{naming.task_group_name(dag.dag_id)}.py")
        if _form(options, settings, dag.pipeline) is Form.TASK_GROUP
        else dag
        for dag in dags
    )


def _form(options: Options, settings: config.AirflowConfig, pipeline: str) -> Form:
    """What the pipeline's file defines: ``--as``, else airflow.yml's ``as:``."""
    return options.form or config.form(settings, pipeline)


def skipped_of(spec: ProjectSpec, pipelines: Sequence[str] | None) -> tuple[str, ...]:
    """The empty pipelines that every pipeline (``None``) leaves out; a pipeline named is never skipped."""
    return () if pipelines is not None else tuple(p.name for p in spec.pipelines if not p.nodes)


def _check_isolated(settings: config.AirflowConfig, dags: Sequence[DagPlan], deployment: Deployment) -> None:
    """Every isolated task (a flavour) knows the project's absolute path where it runs."""
    for dag in dags:
        for task in dag.tasks:
            config.isolated_project_path(dag, settings, task, deployment.project_path)


def deployment_of(project: Path, target_dir: Path, options: Options) -> Deployment:
    """How DAGs written to ``target_dir`` find the project on the workers."""
    conf_source = options.worker_conf_source or options.conf_source
    if options.worker_project_path is not None:
        return Deployment(env=options.env, conf_source=conf_source, project_path=options.worker_project_path)
    if not target_dir.is_relative_to(project):
        raise UsageError(
            f"Target {target_dir} is outside the project, so the DAG cannot find the project relative to "
            "itself: pass ",
            WORKER_PROJECT_PATH,
            " with the project's folder on the Airflow workers.",
        )
    return Deployment(
        env=options.env, conf_source=conf_source, levels_up=len(target_dir.relative_to(project).parts)
    )


def _targets(
    folder: Path,
    dags: Sequence[DagPlan],
    forms: dict[str, Form],
    deployment: Deployment,
    options: Options,
) -> dict[Path, tuple[DagPlan, Target]]:
    """Each pipeline's file and what it is rendered for; two pipelines never share a file."""
    targets: dict[Path, tuple[DagPlan, Target]] = {}
    for dag in dags:
        form = forms[dag.pipeline]
        path = folder / dag.file_name
        if path in targets:
            raise UsageError(
                f"Pipelines {targets[path][0].pipeline!r} and {dag.pipeline!r} would both be written to "
                f"{path.name}: generate one of them with another ",
                FORM,
                " or ",
                TARGET_DIR,
                ".",
            )
        if form is Form.TASK_GROUP:
            _check_prefixed(dag)
        targets[path] = (dag, target_of(dag, deployment, options, form))
    return targets


def _check_prefixed(dag: DagPlan) -> None:
    """In a task group, each task id gets the group's id in front: Airflow takes 250 characters."""
    prefix = naming.task_group_name(dag.dag_id) + "."
    long = next((t.task_id for t in dag.tasks if len(prefix + t.task_id) > 250), None)
    if long is not None:
        raise UsageError(
            f"Task {long!r} of pipeline {dag.pipeline!r} would have an id longer than Airflow's 250 "
            f"characters in task group {prefix[:-1]!r}: shorten the node's name, or pass ",
            FORM,
            " dag.",
        )


def target_of(dag: DagPlan, deployment: Deployment, options: Options, form: Form = Form.DAG) -> Target:
    return Target(options.airflow_version, deployment, options.command(dag.pipeline), form)


def render(dag: DagPlan, target: Target) -> str:
    from kedro_taskflow.codegen import render  # libcst and black: only when rendering

    return render(dag, target)


def _refuse_foreign(files: dict[Path, str]) -> None:
    """Never overwrite a file that kedro-taskflow did not write."""
    for path in files:
        if path.is_file() and GENERATED_MARK not in path.read_text(encoding="utf-8", errors="replace"):
            raise UsageError(
                f"{path} exists and was not generated by kedro-taskflow: move it away or pass another ",
                TARGET_DIR,
                ".",
            )
