"""Generated DAGs under real Airflow schedulers, as production runs them.

Airflow 2.11: a scheduler with LocalExecutor on PostgreSQL; each task is launched by the executor
in its own process, with its output redirected into Airflow's task logger. Airflow 3.3:
``airflow standalone`` (scheduler, dag-processor, api-server), tasks talking to the api-server.
Every test has a wall-clock limit and ends every process its scheduler started.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import pytest
from support.environment import AIRFLOW3_PYTHON, BIN, ROOT, outputs, run
from support.scheduled import (
    ANSI,
    RICH_FRAME,
    assert_kedro_logged_once,
    copy_example,
    generate,
    hand_tune,
    inherits_kedro_dag,
    plan,
    saved_versions,
    version_of,
    write_runs_project,
)

pytestmark = pytest.mark.airflow

# --- the examples, end to end ------------------------------------------------------------------

EXAMPLE_DAGS = {  # example -> (its __default__ DAG id, a pair of tasks that can run at the same time)
    "spaceflights": ("spaceflights", ("preprocess_companies_node", "preprocess_shuttles_node")),
    "fleet": ("fleet", ("eu.make_orders", "us.make_orders")),
}


@pytest.mark.timeout(420)
@pytest.mark.parametrize("major", [2, 3])
@pytest.mark.parametrize("example", EXAMPLE_DAGS)
def test_example_runs_under_a_real_scheduler_like_kedro_run(example, major, tmp_path, scheduler):
    dag_id, (left, right) = EXAMPLE_DAGS[example]
    by_kedro = copy_example(example, tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    by_airflow = copy_example(example, tmp_path / "by_airflow")
    dags = generate(by_airflow, "--airflow-version", str(major))

    airflow = scheduler(dags, major)
    run_id = airflow.trigger(dag_id, "manual__example")
    state = airflow.wait(dag_id, run_id, timeout=300)
    tasks = airflow.tasks(dag_id, run_id)

    assert state == "success", {t.task_id: t.state for t in tasks.values()}
    assert {t.state for t in tasks.values()} == {"success"}
    assert outputs(by_airflow) == outputs(by_kedro)
    nodes = plan(by_airflow, dag_id)
    assert set(tasks) == set(nodes)
    for task_id, task_nodes in nodes.items():
        assert_kedro_logged_once(airflow.log(dag_id, run_id, task_id), task_nodes)
    if major == 2:  # LocalExecutor runs independent tasks side by side
        a, b = tasks[left], tasks[right]
        assert a.start_date < b.end_date and b.start_date < a.end_date, (a, b)


# --- retries, failures, versions and parameters --------------------------------------------------


@pytest.mark.timeout(400)
@pytest.mark.parametrize("major", [2, 3])
def test_retry_failure_and_clearing_after_a_fix(major, tmp_path, scheduler):
    project = write_runs_project(tmp_path)
    dags = generate(project, "--airflow-version", str(major))
    hand_tune(dags / "runs_project_failures.py")
    (project / "data" / "broken").touch()
    dag_id = "runs_project_failures"

    airflow = scheduler(dags, major)
    run_id = airflow.trigger(dag_id, "manual__failures")
    assert airflow.wait(dag_id, run_id, timeout=240) == "failed"
    tasks = airflow.tasks(dag_id, run_id)

    assert {t: tasks[t].state for t in tasks} == {
        "flaky": "success",
        "fragile": "failed",
        "after_fragile": "upstream_failed",
        "independent": "success",
    }
    assert tasks["flaky"].try_number == 2  # failed once, then succeeded on its retry
    assert "flaky fails on its first attempt" in airflow.log(dag_id, run_id, "flaky", attempt=1)
    failure = airflow.log(dag_id, run_id, "fragile", attempt=2)
    kedro_error = "Node fragile: fragile(None) -> [fragile_out] failed with error: \nthe input is broken"
    assert kedro_error in failure
    assert "ValueError: the input is broken: delete data/broken" in failure
    assert not ANSI.search(failure) and not RICH_FRAME.search(failure)

    (project / "data" / "broken").unlink()  # the fix
    airflow.clear(dag_id, "fragile")
    assert airflow.wait(dag_id, run_id, timeout=120) == "success"
    assert {t.state for t in airflow.tasks(dag_id, run_id).values()} == {"success"}
    assert json.loads((project / "data" / "final.json").read_text()) == {"after": {"fragile": "ok"}}


@pytest.mark.timeout(500)
def test_one_dag_run_is_one_kedro_run_with_its_version_and_params(tmp_path, scheduler):
    """Two overlapping runs with different params each save under their own version and load only
    what they saved, also when their tasks run again; an undeclared parameter fails the run.
    With Kedro preloaded (docs/execution.md): the scheduler imported it, its tasks inherit it."""
    project = write_runs_project(tmp_path)
    dags = generate(project)
    hand_tune(dags / "runs_project_versions.py", max_active_runs=2)
    (dags / "inherits_kedro.py").write_text(inherits_kedro_dag(major=2))
    dag_id = "runs_project_versions"
    (double_task,) = (t for t, nodes in plan(project, dag_id).items() if "double" in nodes)

    airflow = scheduler(dags, preload=True)
    inherits = airflow.trigger("inherits_kedro", "manual__inherits")
    assert airflow.wait("inherits_kedro", inherits, timeout=200) == "success"
    scheduler_pid = airflow.process.pid
    assert f"Kedro preloaded by process {scheduler_pid}, an ancestor of this task's" in airflow.log(
        "inherits_kedro", inherits, "inherited"
    )
    slow = airflow.trigger(dag_id, "manual__slow", {"value": 1, "pause": 120})
    fast = airflow.trigger(dag_id, "manual__fast", {"value": 2})
    assert airflow.wait(dag_id, fast, timeout=200) == "success"
    assert airflow.wait(dag_id, slow, timeout=200) == "success"
    version = {r: version_of(airflow.logical_date(dag_id, r)) for r in (slow, fast)}
    slow_tasks, fast_tasks = airflow.tasks(dag_id, slow), airflow.tasks(dag_id, fast)

    # The project's logging levels hold in the task log, with Airflow's handlers only.
    made = airflow.log(dag_id, slow, "make_value")
    assert made.count("make_value made 1") == 1
    assert "Completed node: make_value" in made and "Marking task as SUCCESS" in made
    assert "Loading data from" not in airflow.log(dag_id, slow, double_task)
    assert not (project / "info.log").exists()

    # The fast run saved a newer `value` before the slow run's double loaded it: double's wait
    # ended when it saw the fast run's version, not at its bound of 120 seconds.
    assert version[fast] > version[slow]
    slow_double = slow_tasks[double_task]
    assert fast_tasks["make_value"].end_date < slow_double.end_date
    assert slow_double.end_date - slow_double.start_date < timedelta(seconds=100)
    expected = {
        "value": {version[slow]: {"value": 1}, version[fast]: {"value": 2}},
        "doubled": {version[slow]: {"value": 2}, version[fast]: {"value": 4}},
    }
    assert {d: saved_versions(project, d) for d in expected} == expected

    airflow.clear(dag_id, "make_value")  # both runs again, from their first task
    for run_id in (slow, fast):
        assert airflow.wait(dag_id, run_id, timeout=200) == "success"
        again = airflow.tasks(dag_id, run_id)["make_value"]
        assert again.try_number == 2
        log = airflow.log(dag_id, run_id, "make_value", attempt=2)
        assert f"Replacing dataset 'value' of version {version[run_id]}, saved by an earlier attempt." in log
    assert {d: saved_versions(project, d) for d in expected} == expected

    steer = airflow.trigger(dag_id, "manual__steer", {"value": 3, "value_path": "/tmp/elsewhere.json"})
    assert airflow.wait(dag_id, steer, timeout=200) == "failed"
    refused = airflow.tasks(dag_id, steer)["make_value"]
    assert (refused.state, refused.try_number) == ("failed", 1)  # at once: a retry would fail alike
    message = (
        "The DAG run's conf sets 'value_path', which the project does not declare as parameters "
        "(it declares: pause, value)"
    )
    assert message in airflow.log(dag_id, steer, "make_value", attempt=1)
    assert {d: saved_versions(project, d) for d in expected} == expected


# --- isolated tasks (flavour:) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    """Wheels of kedro-taskflow and what the runs project needs: virtualenvs install offline."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    needs = [
        "kedro==" + metadata.version("kedro"),
        "kedro-datasets[json-jsondataset]==" + metadata.version("kedro-datasets"),
    ]
    run([str(BIN / "pip"), "wheel", "--quiet", str(ROOT), *needs, "--wheel-dir", str(folder)], timeout=300)
    return folder


ISOLATED = {
    "external_python": {"python": "{python}"},  # the Airflow's own Python: it has kedro and the runner
    "virtualenv": {  # made for the task, from local wheels only, without the base Python's packages
        "requirements": ["kedro-taskflow", "kedro", "kedro-datasets[json-jsondataset]"],
        "system_site_packages": False,
        "pip_install_options": ["--no-index", "--find-links", "{wheelhouse}"],
    },
}


@pytest.mark.timeout(400)
@pytest.mark.parametrize(
    ("flavour", "major"), [("external_python", 2), ("virtualenv", 2), ("external_python", 3)]
)
def test_an_isolated_task_is_part_of_the_dag_run(flavour, major, tmp_path, scheduler, request):
    """``double`` runs isolated, after ``make_value`` as a plain ``@task``: it loads the value this
    run saved, saves under the same version, takes the run's conf, and logs into its task log."""
    project = write_runs_project(tmp_path)
    python = BIN / "python" if major == 2 else AIRFLOW3_PYTHON
    wheels = request.getfixturevalue("wheelhouse") if flavour == "virtualenv" else ""
    arguments = json.loads(
        json.dumps(ISOLATED[flavour]).replace("{wheelhouse}", str(wheels)).replace("{python}", str(python))
    )
    yml = {"versions": {"tasks": {"node:double": {"flavour": {flavour: arguments}}}}}
    (project / "conf" / "base" / "airflow.yml").write_text(json.dumps(yml))
    dags = generate(project, "--worker-project-path", str(project), "--airflow-version", str(major))
    dag_id = "runs_project_versions"
    (double_task,) = (t for t, nodes in plan(project, dag_id).items() if "double" in nodes)
    assert f"@task.{flavour}(" in (dags / f"{dag_id}.py").read_text()

    airflow = scheduler(dags, major)
    run_id = airflow.trigger(dag_id, "manual__isolated", {"value": 5})
    state = airflow.wait(dag_id, run_id, timeout=300)
    tasks = airflow.tasks(dag_id, run_id)
    log = airflow.log(dag_id, run_id, double_task)

    assert state == "success", ({t.task_id: t.state for t in tasks.values()}, log[-3000:])
    version = version_of(airflow.version_date(dag_id, run_id))
    assert {d: saved_versions(project, d) for d in ("value", "doubled")} == {
        "value": {version: {"value": 5}},
        "doubled": {version: {"value": 10}},
    }
    by_kedro = write_runs_project(tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run", "--pipeline", "versions", "--params", "value=5"], cwd=by_kedro)
    assert outputs(project) == outputs(by_kedro)
    assert_kedro_logged_once(log, ["wait", "double"])


@pytest.mark.timeout(400)
def test_a_dag_scheduled_on_another_pipeline_runs_once_that_pipeline_s_dag_has_run(tmp_path, scheduler):
    """Data-aware scheduling: data_science runs by itself once data_processing's run has updated
    every Dataset it declares, and the two runs write what ``kedro run`` writes."""
    by_kedro = copy_example("spaceflights", tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    project = copy_example("spaceflights", tmp_path / "by_airflow")
    yml = {
        "data_processing": {"datasets": True},
        "data_science": {"schedule": {"pipeline": "data_processing"}},
    }
    (project / "conf" / "base" / "airflow.yml").write_text(json.dumps(yml))
    dags = generate(project)
    upstream, downstream = "spaceflights_data_processing", "spaceflights_data_science"

    airflow = scheduler(dags)
    first = airflow.trigger(upstream, "manual__upstream")
    assert airflow.wait(upstream, first, timeout=200) == "success"
    deadline = time.monotonic() + 120
    while not airflow.runs(downstream) and time.monotonic() < deadline:
        time.sleep(1)
    ((run_id, run_type),) = airflow.runs(downstream).items()
    assert run_type == "dataset_triggered"
    assert airflow.wait(downstream, run_id, timeout=200) == "success"

    assert outputs(project) == outputs(by_kedro)
    assert airflow.runs(upstream) == {first: "manual"}
    assert airflow.runs("spaceflights") == {}
