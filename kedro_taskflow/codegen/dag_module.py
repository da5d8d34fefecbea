"""DagPlan and Target -> libcst.Module: the whole DAG file as a syntax tree, scope by scope."""

from __future__ import annotations

import textwrap

import libcst as cst
from libcst.helpers import parse_template_expression

from kedro_taskflow import __version__, config, naming
from kedro_taskflow.codegen import nodes
from kedro_taskflow.codegen.literals import display, docstring, string
from kedro_taskflow.layout import Binding, Ref, Scope, Side, Statement, Task, scopes
from kedro_taskflow.model import DURATIONS, DagPlan, Execution, Reason, TaskPlan
from kedro_taskflow.runtime import path_variable
from kedro_taskflow.target import GENERATED_MARK, AirflowVersion, Form, Target

# Where the TaskFlow decorators live: Airflow 3 moved DAG authoring to the Task SDK.
DECORATORS_MODULE = {AirflowVersion.AIRFLOW_2: "airflow.decorators", AirflowVersion.AIRFLOW_3: "airflow.sdk"}
PROJECT = "project"  # the module's KedroProject, which every task calls
_IMPORT_RUNNER = "from kedro_taskflow.runtime import KedroProject\n"  # the module's, and each isolated task's
TEMPLATE_NAME = "DAG_RUN"  # how the file names the runtime's DAG-run template: each isolated task's argument
RUN = "run"  # an isolated task's parameter: the DAG run, as Airflow rendered DAG_RUN
# Watcher execution: the producer task, its call's result in the DAG, which each node's task takes
PRODUCER = "kedro_run"
OUTCOMES = "outcomes"
RUN_DAG = "run_dag"  # the producer's runner call, as ``run_nodes`` is a task's
_INDENT = "    "
# Nodes every task or dependency repeats: LibCST nodes are immutable, so one of each is shared
# (building a node validates it, which was a good part of building a big DAG; see codegen.nodes).
_RUN_NODES = cst.Attribute(cst.Name(PROJECT), cst.Name("run_nodes"))
_GET_CHILD = cst.Name("get_child_by_label")
_RIGHT_SHIFT = cst.RightShift()


def build_module(plan: DagPlan, target: Target) -> cst.Module:
    if target.form is Form.TASK_GROUP:
        return _group_module(plan, target)
    dag = scopes(plan, reserved=BOUND_NAMES | _watcher_names(plan))
    relative = target.deployment.project_path is None
    return cst.Module(
        body=[
            _docstring_statement(_module_doc(plan, target), ""),
            *_imports(
                relative,
                f"dag, task{', task_group' if plan.groups else ''}",
                airflow_version=target.airflow_version,
                datasets=_uses_datasets(plan),
                isolated=any(_flavour(t) for t in plan.tasks),
            ),
            _project(plan, target),
            _dag(plan, dag, DATASET[target.airflow_version], target),
            nodes.expression(nodes.call(cst.Name(dag.function)), leading_lines=[nodes.BLANK, nodes.BLANK]),
        ]
    )


def _group_module(plan: DagPlan, target: Target) -> cst.Module:
    """The pipeline as one ``@task_group`` function, for a DAG of the user's to call; no DAG."""
    name = naming.task_group_name(plan.dag_id)
    group = scopes(plan, reserved=BOUND_NAMES | {name} | _watcher_names(plan))
    default_args = [s for s in config.given(plan) if s.key in config.DEFAULT_ARGS]
    on_tasks = [s for t in plan.tasks for s in t.settings if s.on_task]
    decorator: cst.BaseExpression = cst.Name("task_group")
    if default_args:
        values = cst.Dict([cst.DictElement(string(s.key), _value(s.key, s.value)) for s in default_args])
        decorator = nodes.call(decorator, [nodes.kwarg("default_args", values)])
    doc = f"Kedro pipeline ``{display(plan.pipeline)}`` of project ``{display(plan.project_name)}``."
    body = [
        _docstring_statement(_wrap(doc, width=85 - len(_INDENT)), _INDENT),
        *_after_docstring(_body(group, DATASET[target.airflow_version], plan, target)),
    ]
    return cst.Module(
        body=[
            _docstring_statement(_group_doc(plan, target, name), ""),
            *_imports(
                target.deployment.project_path is None,
                "task, task_group",
                airflow_version=target.airflow_version,
                datasets=any(t.outlets for t in plan.tasks),
                isolated=any(_flavour(t) for t in plan.tasks),
                durations=any(s.key in DURATIONS for s in (*default_args, *on_tasks)),
            ),
            _project(plan, target),
            nodes.function(name, body, decorator, leading_lines=[nodes.BLANK, nodes.BLANK]),
        ]
    )


def _watcher_names(plan: DagPlan) -> set[str]:
    return {PRODUCER, OUTCOMES} if watched(plan) else set()


def watched(plan: DagPlan) -> bool:
    """Watcher execution: one producer task runs the nodes, each node's task reports its own."""
    setting = plan.setting(config.EXECUTION)
    return setting is not None and setting.value == Execution.WATCHER.value


def _module_doc(plan: DagPlan, target: Target) -> str:
    env = f" (env ``{display(target.deployment.env)}``)" if target.deployment.env else ""
    title = (
        f"Kedro pipeline ``{display(plan.pipeline)}`` of project ``{display(plan.project_name)}``{env}"
        " as an Airflow DAG."
    )
    return (
        f"{_wrap(title, width=88)}\n\n"
        f"{GENERATED_MARK} {__version__} with:\n\n"
        f"    {target.command}\n\n"
        "Run it again with ``--check`` to see whether this file and the pipeline still agree."
    )


def _group_doc(plan: DagPlan, target: Target, name: str) -> str:
    env = f" (env ``{display(target.deployment.env)}``)" if target.deployment.env else ""
    title = (
        f"Kedro pipeline ``{display(plan.pipeline)}`` of project ``{display(plan.project_name)}``{env}"
        " as an Airflow task group."
    )
    use = (
        "It defines no DAG: import it in a DAG file of yours in the DAG folder and call it between "
        "your tasks. Its first tasks follow what comes before it, its last tasks precede what comes "
        "after it:"
    )
    twice = (
        "To call it twice in one DAG, give each call a group id of its own: "
        f'``{name}.override(group_id="{name}_2")()``.'
    )
    ignored = config.dag_only(plan)
    dag_settings = (
        f"Your DAG's settings apply: airflow.yml's DAG settings are ignored here ({', '.join(ignored)})."
    )
    settings = f"\n\n{_wrap(dag_settings, width=88)}" if ignored else ""
    return (
        f"{_wrap(title, width=88)}\n\n"
        f"{GENERATED_MARK} {__version__} with:\n\n"
        f"    {target.command}\n\n"
        "Run it again with ``--check`` to see whether this file and the pipeline still agree.\n\n"
        f"{_wrap(use, width=88)}\n\n"
        f"    from {name} import {name}\n\n"
        f"    extract() >> {name}() >> notify()\n\n"
        f"{_wrap(twice, width=88)}{settings}"
    )


def _docstring_statement(text: str, indent: str) -> cst.SimpleStatementLine:
    return nodes.expression(docstring(text, indent))


def _uses_datasets(plan: DagPlan) -> bool:
    return bool(plan.schedule_on) or any(t.outlets for t in plan.tasks)


def _imports(
    relative: bool,
    decorators: str,
    airflow_version: AirflowVersion,
    datasets: bool = False,
    isolated: bool = False,
    durations: bool = True,
) -> list[cst.SimpleStatementLine]:
    """The module's imports; ``decorators``: the names it takes from Airflow's TaskFlow module;
    ``durations``: whether it writes ``pendulum`` (a DAG always does, for its start date)."""
    blank = [cst.EmptyLine()]
    lines = []
    if relative:
        lines.append(cst.parse_statement("from pathlib import Path\n").with_changes(leading_lines=blank))
    installed = [cst.parse_statement("import pendulum\n")] if durations else []
    if datasets and airflow_version is AirflowVersion.AIRFLOW_2:
        installed.append(cst.parse_statement("from airflow.datasets import Dataset\n"))
    elif datasets:
        decorators = f"Asset, {decorators}"
    runner = _IMPORT_RUNNER.replace("import ", f"import {TEMPLATE_NAME}, ") if isolated else _IMPORT_RUNNER
    installed += [
        cst.parse_statement(f"from {DECORATORS_MODULE[airflow_version]} import {decorators}\n"),
        cst.parse_statement(runner),
    ]
    installed[0] = installed[0].with_changes(leading_lines=blank)
    return lines + installed


# Airflow 2's data-aware scheduling class, and Airflow 3's.
DATASET = {AirflowVersion.AIRFLOW_2: "Dataset", AirflowVersion.AIRFLOW_3: "Asset"}


# Every name the module binds at its top level, whatever the file holds: no function may take one.
BOUND_NAMES = frozenset(
    {
        alias.evaluated_alias or alias.evaluated_name
        for version in AirflowVersion
        for line in _imports(True, "dag, task, task_group", version, datasets=True, isolated=True)
        for alias in line.body[0].names
    }
    | {PROJECT}
)


def _project(plan: DagPlan, target: Target) -> cst.SimpleStatementLine:
    deployment = target.deployment
    if deployment.project_path is None:
        path = parse_template_expression(
            "Path(__file__).resolve().parents[{n}]", n=cst.Integer(str(deployment.levels_up))
        )
    else:
        path = string(deployment.project_path)
    args = _project_args(plan, target, path)
    comment = f"# On the workers, {path_variable(plan.package_name)} overrides project_path."
    return cst.SimpleStatementLine(
        [
            cst.Assign(
                targets=[cst.AssignTarget(cst.Name(PROJECT))],
                value=cst.Call(cst.Name("KedroProject"), args=args),
            )
        ],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine(comment=cst.Comment(comment))],
    )


def _project_args(plan: DagPlan, target: Target, path: cst.BaseExpression) -> list[cst.Arg]:
    """KedroProject's arguments: the module's, and each isolated task's own."""
    deployment = target.deployment
    args = [nodes.kwarg("package_name", string(plan.package_name)), nodes.kwarg("project_path", path)]
    if deployment.env is not None:
        args.append(nodes.kwarg("env", string(deployment.env)))
    if deployment.conf_source is not None:
        args.append(nodes.kwarg("conf_source", string(deployment.conf_source)))
    args.append(nodes.kwarg("pipeline", string(plan.pipeline)))
    return args


def _datasets(uris: tuple[str, ...], dataset: str) -> cst.List:
    return nodes.list_of([nodes.call(cst.Name(dataset), [nodes.arg(string(u))]) for u in uris])


def _dag(plan: DagPlan, dag: Scope, dataset: str, target: Target) -> cst.FunctionDef:
    settings = plan.settings or config.apply(plan, config.AirflowConfig({})).settings
    by_key = {s.key: s.value for s in settings}
    args = [nodes.kwarg("dag_id", string(plan.dag_id))]
    args += [
        nodes.kwarg(
            key,
            _datasets(plan.schedule_on, dataset)
            if key == "schedule" and plan.schedule_on
            else _value(key, by_key[key]),
        )
        for key in config.DAG_KEYS
        if key in by_key
    ]
    default_args = [
        cst.DictElement(string(key), _value(key, by_key[key])) for key in config.DEFAULT_ARGS if key in by_key
    ]
    if default_args:
        args.append(nodes.kwarg("default_args", cst.Dict(default_args)))
    args += [
        nodes.kwarg("tags", nodes.list_of([string("kedro"), string(plan.package_name)])),
        nodes.kwarg("doc_md", cst.Name("__doc__")),
    ]
    decorator = nodes.call(cst.Name("dag"), args)
    body = _body(dag, dataset, plan, target)
    return nodes.function(dag.function, body, decorator, leading_lines=[nodes.BLANK, nodes.BLANK])


def _body(scope: Scope, dataset: str, plan: DagPlan, target: Target) -> list[cst.BaseStatement]:
    """The body of the DAG function or of a task group's function: its items, then their calls."""
    depth = len(scope.path)
    definitions = [
        (
            _task(item, depth, dataset, plan, target, leading_lines=[nodes.BLANK] if i else [])
            if isinstance(item, Task)
            else _group(item, dataset, plan, target, leading_lines=[nodes.BLANK] if i else [])
        )
        for i, item in enumerate(scope.items)
    ]
    functions = {item.name: item.function for item in scope.items}
    watcher = watched(plan)
    taking = {  # what a task is called with: an isolated task its DAG run, a watched one the outcomes
        item.name: TEMPLATE_NAME if _flavour(item.plan) else OUTCOMES
        for item in scope.items
        if isinstance(item, Task) and (watcher or _flavour(item.plan))
    }
    variables = {b.path: b.variable for b in scope.bindings}
    calls = [_binding(b, functions, variables, taking) for b in scope.bindings]
    calls += [_statement(s, functions, variables, taking) for s in scope.statements]
    if watcher and not scope.path:
        definitions.insert(0, _producer(plan, leading_lines=[]))
        if len(definitions) > 1:
            definitions[1] = definitions[1].with_changes(leading_lines=[nodes.BLANK])
        calls.insert(0, nodes.assign(OUTCOMES, nodes.call(cst.Name(PRODUCER))))
    if calls:
        calls[0] = calls[0].with_changes(leading_lines=[nodes.BLANK])
    return definitions + calls


def _producer(plan: DagPlan, leading_lines: list[cst.EmptyLine]) -> cst.FunctionDef:
    """Watcher execution's producer: the DAG's nodes in one Kedro run; each node's outcome."""
    doc = (
        "The DAG's nodes in one Kedro session, so that Kedro's hooks see one run. Each node's "
        "task reports its node's outcome from here; retried or cleared, it runs its nodes again "
        "in a Kedro session of its own."
    )
    names = [nodes.arg(string(name)) for task in plan.tasks for name in task.node_names]
    run = nodes.call(cst.Attribute(cst.Name(PROJECT), cst.Name(RUN_DAG)), names)
    body = [
        _docstring_statement(_wrap(doc, width=85 - len(_INDENT * 2)), _INDENT * 2),
        nodes.line(cst.Return(run)),
    ]
    taken = any(not task.group and task.task_id == PRODUCER for task in plan.tasks)
    args = [nodes.kwarg("task_id", string(f"{PRODUCER}_producer"))] if taken else []
    # Its XCom holds every node's log records, which the nodes' tasks show: not in its own log too.
    args.append(nodes.kwarg("show_return_value_in_logs", cst.Name("False")))
    decorator = nodes.call(cst.Name("task"), args)
    return nodes.function(PRODUCER, body, decorator, leading_lines=leading_lines)


def _group(
    scope: Scope, dataset: str, plan: DagPlan, target: Target, leading_lines: list[cst.EmptyLine]
) -> cst.FunctionDef:
    group = scope.group
    if scope.name == scope.function:
        decorator: cst.BaseExpression = cst.Name("task_group")
    else:
        decorator = nodes.call(cst.Name("task_group"), [nodes.kwarg("group_id", string(scope.name))])
    doc = _docstring_statement(
        f"Kedro namespace ``{display(group.namespace)}``.", _INDENT * (len(group.path) + 1)
    )
    body = [doc, *_after_docstring(_body(scope, dataset, plan, target))]
    return nodes.function(scope.function, body, decorator, leading_lines=leading_lines)


def _after_docstring(body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """A blank line between a docstring and what follows, as black writes it."""
    return [body[0].with_changes(leading_lines=[nodes.BLANK]), *body[1:]] if body else body


def _value(key: str, value: object) -> cst.BaseExpression:
    """A setting's value as Python: durations and dates through pendulum, the rest as literals."""
    if key in DURATIONS:
        return parse_template_expression("pendulum.duration(minutes={m})", m=_literal(value))
    if key == "start_date":
        year, month, day = value  # type: ignore[misc]
        return parse_template_expression(
            'pendulum.datetime({y}, {m}, {d}, tz="UTC")', y=_literal(year), m=_literal(month), d=_literal(day)
        )
    return _literal(value)


def _literal(value: object) -> cst.BaseExpression:
    if value is None or isinstance(value, bool):
        return cst.Name(str(value))
    if isinstance(value, int):
        return cst.Integer(str(value))
    if isinstance(value, float):
        return cst.Float(repr(value))
    if isinstance(value, str):
        return string(value)
    if isinstance(value, tuple):  # a flavour's list of requirements
        return nodes.list_of([_literal(v) for v in value])
    raise TypeError(f"no literal for {value!r}")


def _flavour(task: TaskPlan) -> object:
    """The task's ``(flavour, arguments)`` when it runs isolated, else None."""
    return next((s.value for s in task.settings if s.key == config.FLAVOUR), None)


def _call(function: str, argument: str | None) -> cst.Call:
    """A task's or group's call in the DAG; an isolated task is given the DAG run to render, a
    watched task the producer's outcomes."""
    return nodes.call(cst.Name(function), [nodes.arg(cst.Name(argument))] if argument else [])


def _task(
    item: Task, depth: int, dataset: str, plan: DagPlan, target: Target, leading_lines: list[cst.EmptyLine]
) -> cst.FunctionDef:
    task = item.plan
    flavour = _flavour(task)
    args = [] if item.name == item.function else [nodes.kwarg("task_id", string(item.name))]
    args += [
        nodes.kwarg(s.key, _value(s.key, s.value))
        for s in task.settings
        if s.on_task and s.key != config.FLAVOUR
    ]
    if task.outlets:
        args.append(nodes.kwarg("outlets", _datasets(task.outlets, dataset)))
    if flavour is not None:
        name, flavour_args = flavour  # type: ignore[misc]
        args += [nodes.kwarg(k, _literal(v)) for k, v in flavour_args if k != "project_path"]
        decorator_name: cst.BaseExpression = cst.Attribute(cst.Name("task"), cst.Name(name))
    else:
        decorator_name = cst.Name("task")
    decorator = nodes.call(decorator_name, args) if args else decorator_name
    names = [nodes.arg(string(name)) for name in task.node_names]
    indent = _INDENT * (depth + 2)
    body: list[cst.BaseStatement] = [_docstring_statement(_task_doc(task, width=85 - len(indent)), indent)]
    params = nodes.NO_PARAMS
    if flavour is None and watched(plan):
        body.append(
            nodes.expression(nodes.call(_RUN_NODES, [*names, nodes.kwarg(OUTCOMES, cst.Name(OUTCOMES))]))
        )
        params = cst.Parameters([cst.Param(cst.Name(OUTCOMES), cst.Annotation(cst.Name("dict")))])
    elif flavour is None:
        body.append(nodes.expression(nodes.call(_RUN_NODES, names)))
    else:
        # Airflow runs the function's source alone, elsewhere: it imports and builds what it uses.
        path = dict(flavour_args).get("project_path") or target.deployment.project_path
        assert path is not None, "api.generate refuses an isolated task without an absolute path"
        project = nodes.call(cst.Name("KedroProject"), _project_args(plan, target, string(path)))
        run_nodes = cst.Attribute(project, cst.Name("run_nodes"))
        run = nodes.call(run_nodes, [*names, nodes.kwarg(RUN, cst.Name(RUN))])
        params = cst.Parameters([cst.Param(cst.Name(RUN), cst.Annotation(cst.Name("str")))])
        body += [
            cst.parse_statement(_IMPORT_RUNNER),
            nodes.expression(run, leading_lines=[nodes.BLANK]),
        ]
    return nodes.function(item.function, body, decorator, params, leading_lines)


_WHY = {
    Reason.MEMORY: "in one Kedro session, passing {internal} in memory",
    Reason.NAMESPACE: "of {namespaces} as one task (--group-by namespace)",
    Reason.CYCLE: "as one task: split up, the tasks would depend on each other in a cycle",
}


def _task_doc(task: TaskPlan, width: int) -> str:
    flow = _wrap(f"{_names(task.inputs)} -> {_names(task.outputs)}", width)
    if len(task.nodes) == 1:
        node = task.nodes[0]
        renamed = "" if node.name.endswith(task.label) else f"\n\nKedro node: {display(node.name)}"
        return flow + renamed + (f"\n\nSource: {display(node.source)}" if node.source else "")
    tops = sorted({n.namespace.split(".")[0] for n in task.nodes if n.namespace})
    namespaces = f"namespace{'s' if len(tops) > 1 else ''} " + ", ".join(f"``{display(t)}``" for t in tops)
    why = _WHY[task.reason].format(internal=_names(task.internal), namespaces=namespaces)
    shown = task.nodes if len(task.nodes) <= LISTED_NODES + 1 else task.nodes[:LISTED_NODES]
    lines = [f"- {display(n.name)}" + (f" ({display(n.source)})" if n.source else "") for n in shown]
    if len(shown) < len(task.nodes):
        more = len(task.nodes) - len(shown)
        lines.append(f"- and {more:,} more nodes: `kedro-taskflow plan` lists them all")
    return f"{flow}\n\n{_wrap(f'Runs these nodes {why}:', width)}\n" + "\n".join(lines)


# A docstring stays under 60 lines: at most this many nodes, and datasets per list (each wrapped
# line holds at least one name), are named; the rest are counted.
LISTED_NODES = 30
LISTED_DATASETS = 8


def _names(datasets: tuple[str, ...]) -> str:
    if len(datasets) > LISTED_DATASETS + 1:
        more = len(datasets) - LISTED_DATASETS
        return ", ".join(display(d) for d in datasets[:LISTED_DATASETS]) + f" and {more:,} more"
    return ", ".join(display(d) for d in datasets) or "(nothing)"


def _wrap(text: str, width: int) -> str:
    """Wrap prose at ``width`` columns; names stay whole."""
    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def _binding(
    binding: Binding, functions: dict[str, str], variables: dict[Ref, str], taking: dict[str, str]
) -> cst.SimpleStatementLine:
    """``eu_group = eu()``; ``eu_prep_group = eu_group.get_child_by_label("prep")`` (a child's
    parent is always bound: it is named at least as often)."""
    *parent, label = binding.path
    if parent:
        value = _child(cst.Name(variables[tuple(parent)]), label)
    else:
        value = _call(functions[label], taking.get(label))
    return nodes.assign(binding.variable, value)


def _ref(
    path: Ref, functions: dict[str, str], variables: dict[Ref, str], taking: dict[str, str]
) -> cst.BaseExpression:
    """A task or group below the scope, from the variable of its longest bound part, else from
    its item's call."""
    bound = next((n for n in range(len(path), 0, -1) if path[:n] in variables), 0)
    if bound:
        expression: cst.BaseExpression = cst.Name(variables[path[:bound]])
    else:
        expression, bound = _call(functions[path[0]], taking.get(path[0])), 1
    for label in path[bound:]:
        expression = _child(expression, label)
    return expression


def _child(group: cst.BaseExpression, label: str) -> cst.Call:
    return nodes.call(cst.Attribute(group, _GET_CHILD), [nodes.arg(string(label))])


def _statement(
    statement: Statement, functions: dict[str, str], variables: dict[Ref, str], taking: dict[str, str]
) -> cst.SimpleStatementLine:
    """``a() >> [b(), c_task] >> eu_group.get_child_by_label("d")``; one side: a call on its own."""

    def side(refs: Side) -> cst.BaseExpression:
        if len(refs) == 1:
            return _ref(refs[0], functions, variables, taking)
        return nodes.list_of([_ref(r, functions, variables, taking) for r in refs])

    expression = side(statement.sides[0])
    for later in statement.sides[1:]:
        expression = cst.BinaryOperation(expression, _RIGHT_SHIFT, side(later))
    return nodes.expression(expression)
