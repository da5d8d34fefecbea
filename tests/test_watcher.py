"""Watcher execution under real schedulers: a DAG run is one Kedro run.

One scheduler per Airflow version for the whole module (2.11: LocalExecutor on PostgreSQL; 3.3:
``airflow standalone``), over the DAGs of both examples and of a runs project whose hooks note
every call, all generated with ``--execution watcher`` and run side by side:

- the examples write what ``kedro run`` writes;
- a run of ``versions`` is one Kedro run to the project's hooks: one before/after_pipeline_run,
  one before_node_run per node, and it writes what ``kedro run --params`` writes;
- a run of ``failures``: a node failing in the producer fails its task with the node's error in
  that task's log, what is downstream is upstream_failed, the independent branch succeeds; a
  flaky node's retry runs it again and succeeds; after the fix, clearing the failed task runs
  it and what follows it, and the run succeeds;
- a trigger with an undeclared parameter fails the producer at once, without its retries;
- the spaceflights example's team DAG (extract, the pipeline's task group, notify) is one Kedro
  run too: its group's tasks, under the group's id, write what ``kedro run --params`` writes,
  under the run's version.

Both schedulers preload Kedro (docs/execution.md), and a task checks that it inherited it;
tests/test_scheduler.py runs ``tasks`` execution with and without the preload.
"""

from __future__ import annotations

import json
import shutil

import pytest
from support.environment import BIN, EXAMPLE, outputs, run
from support.scheduled import (
    ANSI,
    RICH_FRAME,
    assert_kedro_logged_once,
    copy_example,
    generate,
    hand_tune,
    inherits_kedro_dag,
    new_scheduler,
    plan,
    preloading,
    version_of,
    write_runs_project,
)

pytestmark = pytest.mark.airflow

HOOKS = '''\
"""Hooks that note each call in hooks.jsonl, outside data/ (which the tests compare)."""

import json

from kedro.framework.hooks import hook_impl


def _note(**call):
    with open("hooks.jsonl", "a") as notes:
        notes.write(json.dumps(call) + "\\n")


class Counting:
    @hook_impl
    def before_pipeline_run(self, run_params):
        _note(hook="before_pipeline_run", run_id=run_params["run_id"])

    @hook_impl
    def after_pipeline_run(self, run_params):
        _note(hook="after_pipeline_run", run_id=run_params["run_id"])

    @hook_impl
    def on_pipeline_error(self, run_params):
        _note(hook="on_pipeline_error", run_id=run_params["run_id"])

    @hook_impl
    def before_node_run(self, node, run_id):
        _note(hook="before_node_run", run_id=run_id, node=node.name)
'''


def counting_runs_project(root):
    project = write_runs_project(root)
    (project / "src" / "runs_project" / "hooks.py").write_text(HOOKS)
    (project / "src" / "runs_project" / "settings.py").write_text(
        "from runs_project.hooks import Counting\n\nHOOKS = (Counting(),)\n"
    )
    return project


TEAM_DAG = "team_dag.py"  # the spaceflights example's own DAG, which calls spaceflights_group()
TEAM_CONF = {"model_options.test_size": 0.25}


@pytest.fixture(scope="module", params=[2, 3], ids=["airflow2", "airflow3"])
def watched(request, tmp_path_factory):
    """Every project's DAGs in watcher execution, triggered at once under one scheduler."""
    major = request.param
    root = tmp_path_factory.mktemp(f"watcher{major}")
    projects = {name: copy_example(name, root / name) for name in ("spaceflights", "fleet")}
    projects["runs"] = counting_runs_project(root)
    (projects["runs"] / "data" / "broken").touch()
    dags = root / "dags"
    dags.mkdir()
    for project in projects.values():
        for dag in generate(project, "--execution", "watcher", "--airflow-version", str(major)).glob("*.py"):
            if dag.stem in ("runs_project_versions", "runs_project_failures"):
                hand_tune(dag)  # retry after a second
            (dags / dag.name).symlink_to(dag)
    projects["team"] = team = copy_example("spaceflights", root / "team")  # the team DAG's project
    group = ["--as", "task-group", "--execution", "watcher", "--airflow-version", str(major)]
    run([str(BIN / "kedro-taskflow"), "generate", *group], cwd=team)
    shutil.copy(EXAMPLE / "airflow_dags" / TEAM_DAG, team / "airflow_dags")
    for name in ("spaceflights_group.py", TEAM_DAG):
        (dags / name).symlink_to(team / "airflow_dags" / name)
    (dags / "inherits_kedro.py").write_text(inherits_kedro_dag(major))
    airflow = new_scheduler(root / "airflow_home", dags, major, request)
    airflow.env |= preloading(root / "airflow_home")
    airflow.start()
    try:
        runs = {
            "inherits_kedro": airflow.trigger("inherits_kedro", "manual__watched"),
            "spaceflights": airflow.trigger("spaceflights", "manual__watched"),
            "fleet": airflow.trigger("fleet", "manual__watched"),
            "runs_project_versions": airflow.trigger(
                "runs_project_versions", "manual__watched", {"value": 5}
            ),
            "runs_project_failures": airflow.trigger("runs_project_failures", "manual__watched"),
            "spaceflights_team": airflow.trigger("spaceflights_team", "manual__watched", TEAM_CONF),
        }
        states = {dag_id: airflow.wait(dag_id, run_id, timeout=400) for dag_id, run_id in runs.items()}
        yield airflow, projects, runs, states
    finally:
        airflow.stop()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("example", ["spaceflights", "fleet"])
def test_an_example_in_watcher_execution_writes_what_kedro_run_writes(example, watched, tmp_path):
    airflow, projects, runs, states = watched
    tasks = airflow.tasks(example, runs[example])
    assert states[example] == "success", {t.task_id: t.state for t in tasks.values()}
    assert {t.state for t in tasks.values()} == {"success"}
    nodes = plan(projects[example], example)
    assert set(tasks) == {*nodes, "kedro_run"}
    by_kedro = copy_example(example, tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    assert outputs(projects[example]) == outputs(by_kedro)
    for task_id, task_nodes in nodes.items():  # each node's lines, replayed in its own task's log
        assert_kedro_logged_once(airflow.log(example, runs[example], task_id), task_nodes)
    assert_kedro_logged_once(airflow.log(example, runs[example], "kedro_run"), sum(nodes.values(), []))


@pytest.mark.timeout(900)
def test_tasks_inherit_kedro_preloaded_by_an_ancestor_process(watched):
    airflow, _projects, runs, states = watched
    assert states["inherits_kedro"] == "success"
    log = airflow.log("inherits_kedro", runs["inherits_kedro"], "inherited")
    assert "an ancestor of this task's" in log


@pytest.mark.timeout(900)
def test_a_dag_run_is_one_kedro_run_to_the_project_s_hooks(watched, tmp_path):
    airflow, projects, runs, states = watched
    dag_id = "runs_project_versions"
    assert states[dag_id] == "success"
    version = version_of(airflow.version_date(dag_id, runs[dag_id]))
    calls = [json.loads(line) for line in (projects["runs"] / "hooks.jsonl").read_text().splitlines()]
    mine = sorted((c["hook"], c.get("node", "")) for c in calls if c["run_id"] == version)
    assert mine == [
        ("after_pipeline_run", ""),
        ("before_node_run", "double"),
        ("before_node_run", "make_value"),
        ("before_node_run", "wait"),
        ("before_pipeline_run", ""),
    ]
    by_kedro = counting_runs_project(tmp_path)
    run([str(BIN / "kedro"), "run", "--pipeline", "versions", "--params", "value=5"], cwd=by_kedro)
    produced = {p: v for p, v in outputs(projects["runs"]).items() if p.startswith(("value", "doubled"))}
    assert produced == outputs(by_kedro)


@pytest.mark.timeout(900)
def test_a_failing_node_fails_its_task_and_clearing_it_after_the_fix_runs_it(watched):
    airflow, projects, runs, states = watched
    dag_id, run_id = "runs_project_failures", runs["runs_project_failures"]
    assert states[dag_id] == "failed"
    tasks = airflow.tasks(dag_id, run_id)
    assert {t: tasks[t].state for t in tasks} == {
        "kedro_run": "success",
        "flaky": "success",
        "fragile": "failed",
        "after_fragile": "upstream_failed",
        "independent": "success",
    }
    assert (tasks["kedro_run"].try_number, tasks["flaky"].try_number) == (1, 2)  # flaky: run again
    assert "flaky fails on its first attempt" in airflow.log(dag_id, run_id, "flaky", attempt=1)
    assert "Completed node: flaky" in airflow.log(dag_id, run_id, "flaky", attempt=2)
    reported = airflow.log(dag_id, run_id, "fragile", attempt=1)  # from the producer's run
    assert "Node fragile: fragile(None) -> [fragile_out] failed with error: \nthe input is broken" in reported
    assert "ValueError: the input is broken: delete data/broken" in reported
    assert not ANSI.search(reported) and not RICH_FRAME.search(reported)
    assert "ValueError: the input is broken" in airflow.log(dag_id, run_id, "fragile", attempt=2)  # ran

    (projects["runs"] / "data" / "broken").unlink()  # the fix
    airflow.clear(dag_id, "fragile")
    assert airflow.wait(dag_id, run_id, timeout=200) == "success"
    assert {t.state for t in airflow.tasks(dag_id, run_id).values()} == {"success"}
    final = json.loads((projects["runs"] / "data" / "final.json").read_text())
    assert final == {"after": {"fragile": "ok"}}


@pytest.mark.timeout(900)
def test_an_undeclared_parameter_fails_the_producer_at_once(watched):
    airflow, _projects, _runs, _states = watched
    dag_id = "runs_project_versions"
    steer = airflow.trigger(dag_id, "manual__steer", {"value_path": "/tmp/elsewhere.json"})
    assert airflow.wait(dag_id, steer, timeout=200) == "failed"
    tasks = airflow.tasks(dag_id, steer)
    assert (tasks["kedro_run"].state, tasks["kedro_run"].try_number) == ("failed", 1)
    assert {t.state for task_id, t in tasks.items() if task_id != "kedro_run"} == {"upstream_failed"}
    assert "The DAG run's conf sets 'value_path'" in airflow.log(dag_id, steer, "kedro_run")


@pytest.mark.timeout(900)
def test_a_team_dag_around_the_task_group_is_one_kedro_run_like_kedro_run(watched, tmp_path):
    airflow, projects, runs, states = watched
    dag_id, run_id = "spaceflights_team", runs["spaceflights_team"]
    tasks = airflow.tasks(dag_id, run_id)
    assert states[dag_id] == "success", {t.task_id: t.state for t in tasks.values()}
    nodes = {f"spaceflights_group.{t}": n for t, n in plan(projects["team"], "spaceflights").items()}
    group = {*nodes, "spaceflights_group.kedro_run"}
    assert set(tasks) == {"extract", *group, "notify"}
    assert {t.state for t in tasks.values()} == {"success"}
    assert tasks["extract"].end_date <= min(tasks[t].start_date for t in group)  # extract() >> group
    assert tasks["notify"].start_date >= max(tasks[t].end_date for t in group)  # group >> notify()
    by_kedro = copy_example("spaceflights", tmp_path / "by_kedro")
    params = ",".join(f"{key}={value}" for key, value in TEAM_CONF.items())
    run([str(BIN / "kedro"), "run", "--params", params], cwd=by_kedro)
    assert outputs(projects["team"]) == outputs(by_kedro)  # the trigger's conf, as runtime parameters
    saved = projects["team"] / "data" / "06_models" / "regressor.pickle"
    assert [v.name for v in saved.iterdir()] == [version_of(airflow.version_date(dag_id, run_id))]
    for task_id, task_nodes in nodes.items():  # each node's lines, replayed under the group's id
        assert_kedro_logged_once(airflow.log(dag_id, run_id, task_id), task_nodes)
