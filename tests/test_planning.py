"""Unit and property tests for planning: Kedro nodes -> tasks, their ids, edges and boundaries."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from kedro.pipeline.transcoding import _strip_transcoding
from support.kedro_graph import kedro_edges
from support.strategies import is_free, pipelines

from kedro_taskflow.codegen import render
from kedro_taskflow.errors import UsageError
from kedro_taskflow.layout import Task, scopes
from kedro_taskflow.model import DagPlan, GroupBy, NodeSpec, PipelineSpec, ProjectSpec, Reason, Selection
from kedro_taskflow.naming import GROUP_ID_RE, TASK_ID_RE
from kedro_taskflow.planning import plan_dag, plan_tasks
from kedro_taskflow.target import Deployment, Target


def node(name, inputs=(), outputs=(), namespace=None):
    return NodeSpec(name=name, namespace=namespace, inputs=tuple(inputs), outputs=tuple(outputs))


def plan(nodes, persisted=()):
    """The tasks planned for ``nodes`` with the default grouping (in-memory datasets join)."""
    tasks, _groups = plan_tasks(tuple(nodes), frozenset(persisted))
    return tasks


def by_id(tasks):
    return {t.task_id: t for t in tasks}


def functions(tasks, groups=()):
    """Task id -> the Python function codegen writes for it (layout names them)."""
    dag = DagPlan("dag", "dag.py", "Project", "project", "__default__", tuple(tasks), tuple(groups))
    result, stack = {}, [scopes(dag, reserved=())]
    while stack:
        for item in stack.pop().items:
            if isinstance(item, Task):
                result[item.plan.task_id] = item.function
            else:
                stack.append(item)
    return result


def closure(edges):
    """Transitive closure of a set of (a, b) edges."""
    successors = {}
    for a, b in edges:
        successors.setdefault(a, set()).add(b)
    result = set()
    for start in successors:
        stack, seen = list(successors[start]), set()
        while stack:
            v = stack.pop()
            if v not in seen:
                seen.add(v)
                stack.extend(successors.get(v, ()))
        result |= {(start, v) for v in seen}
    return result


def upstream_edges(tasks):
    return {(u, t.task_id) for t in tasks for u in t.upstream}


def shape(tasks):
    """What does not depend on names: the node sets of tasks and the edges between them."""
    nodes_of = {t.task_id: frozenset(t.node_names) for t in tasks}
    return set(nodes_of.values()), {(nodes_of[u], nodes_of[t]) for u, t in upstream_edges(tasks)}


# --- examples ---------------------------------------------------------------------------------

CHAIN = [
    node("a", ["raw"], ["x"]),
    node("b", ["x", "params:rate"], ["y"]),
    node("c", ["y", "parameters"], ["z"]),
]


def test_persisted_chain_gives_one_task_per_node_named_after_it():
    tasks = plan(CHAIN, {"raw", "x", "y", "z"})
    assert [(t.task_id, t.node_names, t.upstream) for t in tasks] == [
        ("a", ("a",), ()),
        ("b", ("b",), ("a",)),
        ("c", ("c",), ("b",)),
    ]
    assert list(functions(tasks).values()) == ["a", "b", "c"]
    assert by_id(tasks)["b"].inputs == ("x", "params:rate")
    assert by_id(tasks)["b"].outputs == ("y",)
    assert all(t.internal == () for t in tasks)


def test_nodes_joined_by_an_in_memory_dataset_share_one_task():
    tasks = plan(CHAIN, {"raw", "y", "z"})  # x stays in memory
    assert [(t.task_id, t.node_names, t.upstream) for t in tasks] == [
        ("a_to_b", ("a", "b"), ()),
        ("c", ("c",), ("a_to_b",)),
    ]
    merged = tasks[0]
    assert (merged.inputs, merged.outputs, merged.internal) == (("raw", "params:rate"), ("y",), ("x",))
    assert merged.reason is Reason.MEMORY


def test_parameters_never_join_nodes():
    nodes = [
        node("a", ["params:rate", "parameters"], ["x"]),
        node("b", ["params:rate", "parameters"], ["y"]),
    ]
    tasks = plan(nodes, {"x", "y"})  # parameters are not in the catalog's persisted set
    assert [t.node_names for t in tasks] == [("a",), ("b",)]
    assert all(t.upstream == () and t.internal == () for t in tasks)


def test_kedro_airflow_cycle_case_is_merged_into_one_acyclic_task():
    nodes = [
        node("n1", ["raw"], ["d1", "m"]),
        node("n2", ["d1"], ["d2"]),
        node("n3", ["d2", "m"], ["out"]),
        node("n4", ["d2"], ["report"]),
    ]
    tasks = plan(nodes, {"raw", "d1", "d2", "out", "report"})
    assert [(t.task_id, t.node_names, t.upstream) for t in tasks] == [
        ("n1_to_n3", ("n1", "n2", "n3"), ()),
        ("n4", ("n4",), ("n1_to_n3",)),
    ]
    merged = tasks[0]
    assert merged.reason is Reason.CYCLE
    assert (merged.inputs, merged.outputs, merged.internal) == (("raw",), ("d1", "d2", "out"), ("m",))


def test_upstream_is_transitively_reduced():
    nodes = [node("a", [], ["x"]), node("b", ["x"], ["y"]), node("c", ["x", "y"], ["z"])]
    assert by_id(plan(nodes, {"x", "y", "z"}))["c"].upstream == ("b",)


# --- names of merged and unnamed nodes' tasks ---------------------------------------------------


def test_merged_task_is_named_after_its_first_and_last_node_short_names():
    nodes = [
        NodeSpec("split_data__3c1a939c", None, ("table",), ("m",), func_name="split_data"),
        NodeSpec("train.rf.fit", "train.rf", ("m",), ("model",)),
        NodeSpec(
            "train.rf.evaluate_model__cefff325",
            "train.rf",
            ("model", "m"),
            ("metrics",),
            func_name="evaluate_model",
        ),
    ]
    (task,) = plan(nodes, {"table", "metrics"})
    assert (task.task_id, functions([task])[task.task_id], task.group) == (
        "split_data_to_evaluate_model",
    ) * 2 + ((),)


def test_merged_task_names_are_short_and_do_not_depend_on_unrelated_nodes():
    long_a, long_b = "preprocess_" + "a" * 40, "evaluate_" + "b" * 40
    nodes = [node(long_a, ["raw"], ["m"]), node(long_b, ["m"], ["out"])]
    (task,) = plan(nodes, {"raw", "out"})
    assert len(task.task_id) <= 50 and len(functions([task])[task.task_id]) <= 50
    assert task.task_id == "preprocess_to_evaluate"  # cut between words, never inside one
    # A node that runs before both, in another task, changes nothing.
    more = plan([node("zz_first", [], ["raw"]), *nodes], {"raw", "out"})
    assert by_id(more)[task.task_id].node_names == (long_a, long_b)


def test_unnamed_and_lambda_nodes_get_readable_task_ids():
    nodes = [
        NodeSpec("<lambda>__2de1c226", None, ("raw",), ("cleaned",), func_name="<lambda>"),
        NodeSpec("eu.describe__0a1b2c3d", "eu", ("cleaned",), ("eu.summary",), func_name="describe"),
    ]
    tasks = plan(nodes, {"raw", "cleaned", "eu.summary"})
    assert [t.task_id for t in tasks] == ["lambda_to_cleaned", "eu.describe"]
    assert [t.node_names for t in tasks] == [("<lambda>__2de1c226",), ("eu.describe__0a1b2c3d",)]


def test_unnamed_nodes_of_one_function_stay_distinct():
    nodes = [
        NodeSpec(f"describe__{h}", None, (f"in{i}",), (f"out{i}",), func_name="describe")
        for i, h in enumerate(("0a1b2c3d", "4e5f6a7b"))
    ]
    ids = [t.task_id for t in plan(nodes, {"in0", "in1", "out0", "out1"})]
    assert len(set(ids)) == 2 and all(i.startswith("describe_") and len(i) <= 50 for i in ids)


# --- transcoding: "x@a" and "x@b" are one dataset x, as in Kedro ------------------------------


def test_reader_of_another_transcoding_runs_after_the_writer():
    nodes = [
        node("write", ["raw"], ["shuttles@pandas"]),
        node("read", ["shuttles@spark"], ["report"]),
        node("other", ["raw"], ["side"]),
    ]
    tasks = by_id(plan(nodes, {"raw", "shuttles@pandas", "shuttles@spark", "report", "side"}))
    assert tasks["read"].upstream == ("write",)
    assert tasks["read"].inputs == ("shuttles@spark",)
    assert tasks["write"].outputs == ("shuttles@pandas",)
    assert tasks["other"].upstream == ()


def test_transcoded_dataset_with_a_name_in_memory_joins_its_writer_and_readers():
    nodes = [node("write", ["raw"], ["x@json"]), node("read", ["x@text"], ["out"])]
    for persisted in ({"raw", "out"}, {"raw", "out", "x@json"}, {"raw", "out", "x@text"}):
        (task,) = plan(nodes, persisted)
        assert task.node_names == ("write", "read")
        assert (task.inputs, task.outputs, task.internal) == (("raw",), ("out",), ("x@json",))


def test_transcoded_memory_refusals_and_selection_use_the_base_name():
    nodes = (node("write", ["raw"], ["x@json"]), node("read", ["x@text"], ["out"]))
    refusal = r"in-memory datasets between tasks: 'x' \(made by 'write', read by 'read'\)"
    with pytest.raises(UsageError, match=refusal):
        plan_tasks(nodes, frozenset({"raw", "out"}), GroupBy.NONE)
    project = spec(PipelineSpec("__default__", nodes), persisted={"raw", "out", "x@json", "x@text"})
    dag = plan_dag(project, "__default__", selection=Selection(from_nodes=("write",)))
    assert [t.task_id for t in dag.tasks] == ["write", "read"]
    project = spec(PipelineSpec("__default__", nodes), persisted={"raw", "out", "x@json"})
    with pytest.raises(UsageError, match=r"producers of in-memory datasets: 'x' \(made by 'write'"):
        plan_dag(project, "__default__", selection=Selection(nodes=("read",)))


def test_boundary_of_a_merged_task():
    nodes = [
        node("a", ["raw"], ["m", "p"]),
        node("b", ["m", "p"], ["result", "shared"]),
        node("c", ["shared"], ["final"]),
    ]
    tasks = plan(nodes, {"raw", "p", "final"})  # m, result, shared in memory
    assert [t.node_names for t in tasks] == [("a", "b", "c")]
    (task,) = tasks
    assert task.inputs == ("raw",)  # p is made inside the task
    assert task.outputs == ("p", "result", "final")  # persisted, or in memory but never read
    assert task.internal == ("m", "shared")


def test_grouping_and_edges_do_not_depend_on_input_order():
    nodes = [
        node("p", ["raw"], ["m"]),
        node("c1", ["m"], ["o1"]),
        node("c2", ["m"], ["o2"]),
        node("d", ["o1", "o2"], ["e"]),
        node("solo", [], ["s"]),
        node("after_solo", ["s"], []),
    ]
    persisted = {"raw", "o1", "o2", "e", "s"}
    expected = shape(plan(nodes, persisted))
    for seed in range(20):
        assert shape(plan(random.Random(seed).sample(nodes, len(nodes)), persisted)) == expected


def test_shuffled_input_gives_the_identical_plan():
    nodes = [node("p", [], ["m"]), node("c1", ["m"], ["o1"]), node("c2", ["m"], ["o2"]), node("z", [], [])]
    persisted = {"o1", "o2"}
    expected = plan(nodes, persisted)
    for seed in range(20):
        assert plan(random.Random(seed).sample(nodes, len(nodes)), persisted) == expected


def test_numbered_names_come_in_natural_order():
    nodes = [node(f"train_data_{i}", ["raw"], [f"out_{i}"]) for i in (10, 2, 1, 100)]
    nodes += [node(f"step_{i}", [f"m_{i - 1}"], [f"m_{i}"]) for i in range(11, 0, -1)]
    tasks = plan(nodes, {"raw", "m_0", "m_11", "out_1", "out_2", "out_10", "out_100"})
    assert [t.task_id for t in tasks] == [
        "step_1_to_step_11",
        "train_data_1",
        "train_data_2",
        "train_data_10",
        "train_data_100",
    ]
    assert tasks[0].internal == tuple(f"m_{i}" for i in range(1, 11))


def test_a_node_named_like_a_merged_task_keeps_ids_unique():
    nodes = [node("a", [], ["m"]), node("b", ["m"], ["p"]), node("a_to_b", ["p"], [])]
    tasks = plan(nodes, {"p"})
    assert len({t.task_id for t in tasks}) == 2
    assert all(u in by_id(tasks) and u != t.task_id for t in tasks for u in t.upstream)


# --- plan_dag errors --------------------------------------------------------------------------


def spec(*pipelines, persisted=()):
    return ProjectSpec(
        project_name="Fleet", package_name="fleet", pipelines=pipelines, persisted=frozenset(persisted)
    )


def test_unknown_pipeline_error_lists_the_available_ones():
    project = spec(PipelineSpec("__default__", (node("a"),)), PipelineSpec("data science", (node("a"),)))
    with pytest.raises(UsageError, match="missing") as raised:
        plan_dag(project, "missing")
    assert "'__default__'" in str(raised.value) and "'data science'" in str(raised.value)


def test_a_mistyped_pipeline_gets_the_closest_name():
    project = spec(PipelineSpec("__default__", (node("a"),)), PipelineSpec("ingest", (node("a"),)))
    with pytest.raises(UsageError) as raised:
        plan_dag(project, "ingets")
    assert str(raised.value) == "Unknown pipeline 'ingets': did you mean 'ingest'?"


def test_an_empty_pipeline_offers_only_pipelines_with_nodes():
    project = spec(
        PipelineSpec("__default__", ()), PipelineSpec("data", (node("a"),)), PipelineSpec("later", ())
    )
    for name in ("__default__", "later"):
        with pytest.raises(UsageError) as raised:
            plan_dag(project, name)
        assert str(raised.value) == f"Pipeline {name!r} has no nodes: pick another with pipelines ('data')."


def test_an_empty_pipeline_of_a_project_without_nodes_offers_none():
    project = spec(PipelineSpec("__default__", ()), PipelineSpec("later", ()))
    with pytest.raises(UsageError) as raised:
        plan_dag(project, "__default__")
    assert str(raised.value) == (
        "Pipeline '__default__' has no nodes, nor has any other pipeline of the project: "
        "add nodes to one in its pipeline registry."
    )


def test_plan_dag_names_the_dag_and_file_after_the_pipeline():
    dag = plan_dag(spec(PipelineSpec("ds", tuple(CHAIN))), "ds")
    assert (dag.dag_id, dag.file_name, dag.pipeline) == ("fleet_ds", "fleet_ds.py", "ds")
    assert [t.node_names for t in dag.tasks] == [("a", "b", "c")]  # nothing persisted


# --- property: random DAG-shaped pipelines ----------------------------------------------------


def shared_in_memory(nodes, persisted) -> bool:
    """Some in-memory dataset is used by more than one node (``x@a`` and ``x@b`` are one dataset,
    in memory when either name has no catalog entry)."""
    memory = {
        _strip_transcoding(d)
        for n in nodes
        for d in (*n.inputs, *n.outputs)
        if d not in persisted and not is_free(d)
    }
    users = Counter(d for n in nodes for d in {*map(_strip_transcoding, (*n.inputs, *n.outputs))} & memory)
    return any(count > 1 for count in users.values())


def stated_edges(tasks, groups) -> set:
    """The task edges Airflow gets from the layout's ``>>`` statements: a statement between a
    group and another item links every task of one with every task of the other (same closure as
    Airflow's leaves-to-roots, given the edges inside the groups)."""
    paths = {t.task_id: (*t.group, t.label) for t in tasks}

    def under(scope, ref):
        prefix = (*scope, *ref)
        return {i for i, p in paths.items() if p[: len(prefix)] == prefix}

    dag = DagPlan("dag", "dag.py", "Project", "project", "__default__", tuple(tasks), tuple(groups))
    edges, stack = set(), [scopes(dag, reserved=())]
    while stack:
        scope = stack.pop()
        stack += [item for item in scope.items if not isinstance(item, Task)]
        for statement in scope.statements:
            for left, right in zip(statement.sides, statement.sides[1:], strict=False):
                edges |= {
                    (u, v)
                    for a in left
                    for b in right
                    for u in under(scope.path, a)
                    for v in under(scope.path, b)
                }
    return edges


@pytest.mark.parametrize("group_by", GroupBy)
@settings(deadline=None)
@given(pipeline=pipelines())
def test_random_pipelines_give_a_sound_plan(group_by, pipeline):
    nodes, persisted = pipeline
    try:
        tasks, groups = plan_tasks(tuple(nodes), frozenset(persisted), group_by)
    except UsageError:
        assert group_by is GroupBy.NONE and shared_in_memory(nodes, persisted)
        return
    if group_by is GroupBy.NONE:
        assert all(len(t.nodes) == 1 for t in tasks)
    if group_by is GroupBy.NAMESPACE:  # a top-level namespace is never split across tasks
        tops = {}
        for t in tasks:
            for n in t.nodes:
                if n.namespace:
                    tops.setdefault(n.namespace.split(".")[0], set()).add(t.task_id)
        assert all(len(ids) == 1 for ids in tops.values())
    ids = [t.task_id for t in tasks]
    assert len(set(ids)) == len(ids)
    assert all(TASK_ID_RE.match(i) for i in ids)

    # Every node in exactly one task; a lone node with a valid name keeps it as its id (under
    # --group-by namespace, a namespace's task is named after the namespace).
    assert Counter(n for t in tasks for n in t.node_names) == Counter(n.name for n in nodes)
    task_of = {n: t.task_id for t in tasks for n in t.node_names}
    assert all(
        t.task_id == t.node_names[0]
        for t in tasks
        if len(t.nodes) == 1 and TASK_ID_RE.match(t.node_names[0])
        if group_by is not GroupBy.NAMESPACE or not t.nodes[0].namespace
    )

    # Tasks come in a topological order, so the graph is acyclic.
    position = {t.task_id: i for i, t in enumerate(tasks)}
    assert all(position[u] < position[t.task_id] for t in tasks for u in t.upstream)

    node_edges = kedro_edges(nodes)  # Kedro's own dependencies, transcoding included
    # An in-memory dataset (a transcoded one is in memory if any of its names is) never crosses a
    # task boundary.
    base = _strip_transcoding
    names_of = {}
    for n in nodes:
        for d in (*n.inputs, *n.outputs):
            names_of.setdefault(base(d), set()).add(d)
    for n in nodes:
        for d in n.outputs:
            if names_of[base(d)] - persisted:
                readers = {task_of[c.name] for c in nodes if base(d) in map(base, c.inputs)}
                assert readers <= {task_of[n.name]}, d
    # Nodes run in dependency order inside a task.
    run_position = {n: i for t in tasks for i, n in enumerate(t.node_names)}
    assert all(run_position[a] < run_position[b] for a, b in node_edges if task_of[a] == task_of[b])

    # The task graph says exactly what the node graph says, transitively reduced.
    implied = {(task_of[a], task_of[b]) for a, b in node_edges if task_of[a] != task_of[b]}
    reachable = closure(upstream_edges(tasks))
    assert reachable == closure(implied)
    for t in tasks:
        assert not any((u1, u2) in reachable for u1 in t.upstream for u2 in t.upstream)

    # Boundaries: inputs come from outside; everything made is either an output or internal.
    for t in tasks:
        made = {d for n in t.nodes for d in n.outputs}
        read = {d for n in t.nodes for d in n.inputs}
        read_outside = {base(d) for n in nodes if task_of[n.name] != t.task_id for d in n.inputs}
        assert set(t.inputs) == {d for d in read if base(d) not in set(map(base, made))}
        assert set(t.outputs) | set(t.internal) == made and not set(t.outputs) & set(t.internal)
        assert {d for d in made if base(d) in read_outside} <= set(t.outputs)
        assert all(names_of[base(d)] - persisted and base(d) in map(base, read) for d in t.internal)

    # Groups: valid ids, every task's group exists, and the dependency statements (between
    # groups where they can be) give Airflow exactly the task graph's closure.
    assert all(GROUP_ID_RE.match(g.path[-1]) for g in groups)
    assert {t.group for t in tasks if t.group} <= {g.path for g in groups}
    assert all(t.task_id == ".".join((*t.group, t.label)) for t in tasks)
    assert closure(stated_edges(tasks, groups)) == reachable


def test_namespace_task_joined_with_an_outside_node_names_its_namespace_in_its_docstring():
    nodes = (
        node("prepare", ["raw"], ["m"]),
        node("eu.fit", ["m"], ["eu.model"], namespace="eu"),
        node("eu.score", ["eu.model"], ["eu.score"], namespace="eu"),
    )
    project = spec(PipelineSpec("__default__", nodes), persisted={"raw", "eu.model", "eu.score"})
    dag = plan_dag(project, "__default__", GroupBy.NAMESPACE)
    (task,) = dag.tasks
    assert task.reason is Reason.NAMESPACE
    source = render(dag, Target(deployment=Deployment(project_path="/p")))
    assert "Runs these nodes of namespace ``eu`` as one task (--group-by namespace):" in source
    assert '``""``' not in source


def test_a_memory_task_whose_nodes_share_a_namespace_lives_in_its_group_under_its_own_name():
    """Two model families run chains of the same node names, three namespaces deep: each chain is
    one task in its namespace's group, named after its nodes, with no hash (issue 25 §4)."""
    nodes = []
    for family in ("xgboost", "linear"):
        ns = f"{family}.model.train"
        nodes += [
            node(f"{ns}.init_model_node_1", ["features"], [f"{ns}.m1"], namespace=ns),
            node(f"{ns}.fit", [f"{ns}.m1"], [f"{ns}.m2"], namespace=ns),
            node(f"{ns}.model_metrics_node", [f"{ns}.m2"], [f"{family}_metrics"], namespace=ns),
        ]
    tasks, groups = plan_tasks(tuple(nodes), frozenset({"features", "xgboost_metrics", "linear_metrics"}))
    assert [(t.group, t.label, t.reason) for t in tasks] == [
        (("linear", "model", "train"), "init_model_node_1_to_model_metrics_node", Reason.MEMORY),
        (("xgboost", "model", "train"), "init_model_node_1_to_model_metrics_node", Reason.MEMORY),
    ]
    assert {g.path for g in groups} == {
        (f, *rest) for f in ("linear", "xgboost") for rest in ((), ("model",), ("model", "train"))
    }
