"""Generated DAGs on a Celery cluster whose machines share no disk (``support/celery_cluster.py``).

Airflow 2.11's CeleryExecutor, a Redis broker, PostgreSQL, two workers each with its own copy of
the project, and the datasets that cross tasks on an S3-API store, as the conf/cluster environment
the tests write puts them. One cluster serves every case; each case has a time limit, and the
cluster ends every process it started when the module ends.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from pathlib import Path

import pytest
import yaml
from support.celery_cluster import (
    ENV,
    PRELOADED,
    WORKERS,
    CeleryCluster,
    RedisServer,
    S3Store,
    write_cluster_env,
)
from support.environment import BIN, outputs, run
from support.kedro_projects import Node, Project, data_file, write_project
from support.scheduled import (
    TEMPLATE,
    copy_example,
    generate,
    hand_tune,
    inherits_kedro_dag,
    plan,
    version_of,
)

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def started_cluster(postgres, tmp_path_factory):
    """The cluster, started once: every case that uses it is in this module, and it ends with the
    module, so that it takes no CPU from the (timing-sensitive) scheduler tests after it."""
    root = tmp_path_factory.mktemp("celery")
    with contextlib.ExitStack() as stack:
        redis = RedisServer()
        stack.callback(redis.stop)
        redis.start()
        store = S3Store(root / "store")
        stack.callback(store.stop)
        store.start()
        database = postgres.create_database(f"t_{uuid.uuid4().hex}", TEMPLATE)
        cluster = CeleryCluster(root, database, redis.url, store)
        stack.callback(cluster.stop)
        yield cluster.start()


@pytest.fixture
def celery(started_cluster) -> CeleryCluster:
    """The cluster, with both workers up (a case may have killed one)."""
    started_cluster.revive()
    return started_cluster


# --- an example, its tasks routed to both workers ------------------------------------------------


@pytest.mark.timeout(300)
def test_the_example_runs_on_both_workers_with_what_crosses_tasks_on_the_store(tmp_path, celery):
    by_kedro = copy_example("spaceflights", tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    project = copy_example("spaceflights", tmp_path / "spaceflights")
    catalog = yaml.safe_load((project / "conf" / "base" / "catalog.yml").read_text())
    saved = [name for name, entry in catalog.items() if not entry["filepath"].startswith("data/01_raw/")]
    default = yaml.safe_load((project / "conf" / "base" / "airflow.yml").read_text())["default"]
    routes = {"queue": "b", "tasks": {"tag:preprocessing": {"queue": "a"}}}
    bucket = celery.store.new_bucket("spaceflights")
    # shared_filesystem: false, as such a deployment declares: the pre-flight check lets it through
    unshared = {"shared_filesystem": False}
    write_cluster_env(project, bucket, saved, {"default": default | routes | unshared})
    generate(project, "--env", ENV)
    dag_id = "spaceflights"
    celery.deploy(project, dag_id)

    run_id = celery.scheduler.trigger(dag_id, "manual__celery")
    state = celery.scheduler.wait(dag_id, run_id, timeout=200)
    tasks = celery.scheduler.tasks(dag_id, run_id)

    assert state == "success", {t.task_id: t.state for t in tasks.values()}
    assert {t.state for t in tasks.values()} == {"success"}
    on_a = {"preprocess_companies_node", "preprocess_shuttles_node"}
    assert celery.where(dag_id, run_id) == {(t, 1): "a" if t in on_a else "b" for t in tasks}
    assert celery.store.outputs(bucket) == outputs(by_kedro)
    version = version_of(celery.scheduler.logical_date(dag_id, run_id))
    assert celery.store.versions(bucket, "06_models/regressor.pickle") == [version]
    for worker in WORKERS:  # nothing went through a worker's disk
        assert outputs(celery.project_copy(worker, project.name)) == {}


@pytest.mark.timeout(120)
def test_the_example_with_local_paths_is_refused_at_generate_naming_each_dataset_between_tasks(tmp_path):
    project = copy_example("spaceflights", tmp_path / "spaceflights")
    default = yaml.safe_load((project / "conf" / "base" / "airflow.yml").read_text())["default"]
    write_cluster_env(project, "s3://unused", [], {"default": default | {"shared_filesystem": False}})

    refused = run([str(BIN / "kedro-taskflow"), "generate", "--all", "--env", ENV], cwd=project, check=False)

    assert (refused.returncode, refused.stdout) == (2, "")
    (line,) = refused.stderr.splitlines()
    assert line.startswith(
        "Error: conf/cluster/airflow.yml: default.shared_filesystem is false, but DAG 'spaceflights' "
        "passes data between tasks on a local path"
    )
    for dataset, saved_by, loaded_by in (
        ("model_input_table", "create_model_input_table_node", "split_data_node_to_evaluate_model_node"),
        ("preprocessed_companies", "preprocess_companies_node", "create_model_input_table_node"),
        ("preprocessed_shuttles", "preprocess_shuttles_node", "create_model_input_table_node"),
    ):
        assert f"dataset '{dataset}' at data/" in line
        assert f", saved by '{saved_by}', loaded by '{loaded_by}'" in line
    assert line.endswith(
        "put them on object storage (s3://, gs://, abfs://...) in the catalog of the "
        "environment the workers use (the one --env names), or keep each in one task with "
        "the tasks that load it (--group-by namespace, or a MemoryDataset between their nodes)."
    )
    assert not (project / "airflow_dags").exists(), "nothing written"


# --- Kedro preloaded on one worker ----------------------------------------------------------------


@pytest.mark.timeout(180)
def test_a_task_inherits_kedro_on_the_worker_that_preloads_it_and_not_on_the_other(tmp_path, celery):
    """The preloading worker imported Kedro when it started, and the task processes it forks
    inherit it (docs/execution.md); on the worker under Airflow's default the same task has none.
    The task's freeze check holds on either worker: Airflow's Celery integration freezes the
    worker's heap itself before it forks its pool."""
    (plain,) = set(WORKERS) - {PRELOADED}
    dags = tmp_path / "inherits" / "airflow_dags"
    dags.mkdir(parents=True)
    (dags / "inherits_kedro.py").write_text(inherits_kedro_dag(major=2, queues=(PRELOADED, plain)))
    celery.deploy(dags.parent, "inherits_kedro")
    inheriting, lacking = f"inherited_on_{PRELOADED}", f"inherited_on_{plain}"

    run_id = celery.scheduler.trigger("inherits_kedro", "manual__inherits")
    state = celery.scheduler.wait("inherits_kedro", run_id, timeout=120)
    tasks = celery.scheduler.tasks("inherits_kedro", run_id)

    assert state == "failed"
    assert {t.task_id: (t.state, t.try_number) for t in tasks.values()} == {
        inheriting: ("success", 1),
        lacking: ("failed", 1),  # not retried
    }
    assert celery.where("inherits_kedro", run_id) == {(inheriting, 1): PRELOADED, (lacking, 1): plain}
    preloading = celery.workers[PRELOADED]
    assert f"Kedro preloaded by process {preloading.process.pid}, an ancestor of this task's" in (
        preloading.log("inherits_kedro", run_id, inheriting, attempt=1)
    )
    assert "AssertionError: Kedro is not imported" in celery.workers[plain].log(
        "inherits_kedro", run_id, lacking, attempt=1
    )


# --- a 200-node project ---------------------------------------------------------------------------

LANES, STAGES, CHAIN = 5, 4, 10  # 200 nodes; a stage of a lane is a task of CHAIN nodes joined in memory


def _load_nodes() -> tuple[Node, ...]:
    """Lanes of stages; a stage reads the tables its lane and the next lane saved at the stage before."""
    nodes = []
    for lane in range(LANES):
        for stage in range(STAGES):
            for step in range(CHAIN):
                if step:
                    inputs = (f"m_{lane}_{stage}_{step - 1}",)
                elif stage:
                    inputs = (f"table_{lane}_{stage - 1}", f"table_{(lane + 1) % LANES}_{stage - 1}")
                else:
                    inputs = (f"raw_{lane}",)
                output = f"table_{lane}_{stage}" if step == CHAIN - 1 else f"m_{lane}_{stage}_{step}"
                nodes.append(Node(f"n_{lane}_{stage}_{step}", inputs, (output,)))
    return tuple(nodes)


TABLES = [f"table_{lane}_{stage}" for lane in range(LANES) for stage in range(STAGES)]
LOAD = Project(
    package="load_200",
    pipelines={"__default__": _load_nodes()},
    persisted=frozenset(TABLES + [f"raw_{lane}" for lane in range(LANES)]),
    versioned=frozenset(TABLES),
)


@pytest.mark.timeout(400)
def test_a_200_node_project_runs_on_the_cluster_like_kedro_run(tmp_path, celery):
    by_kedro = write_project(tmp_path / "by_kedro", LOAD)
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    project = write_project(tmp_path, LOAD)
    bucket = celery.store.new_bucket("load")
    write_cluster_env(project, bucket, TABLES)  # every task on the queue both workers serve
    generate(project, "--env", ENV)
    dag_id = LOAD.package
    celery.deploy(project, dag_id)

    run_id = celery.scheduler.trigger(dag_id, "manual__load")
    state = celery.scheduler.wait(dag_id, run_id, timeout=300)
    tasks = celery.scheduler.tasks(dag_id, run_id)

    assert state == "success", {t.task_id: t.state for t in tasks.values() if t.state != "success"}
    assert len(tasks) == LANES * STAGES
    assert {(t.state, t.try_number) for t in tasks.values()} == {("success", 1)}
    # Both workers ran tasks and every task is linked to every other through the tables, so some
    # tables went from one worker to the other, each saved and read under the run's one version.
    assert set(celery.where(dag_id, run_id).values()) == set(WORKERS)
    version = version_of(celery.scheduler.logical_date(dag_id, run_id))
    assert {t: celery.store.versions(bucket, data_file(t)) for t in TABLES} == {t: [version] for t in TABLES}
    raw = {data_file(name) for name in LOAD.persisted - set(TABLES)}
    assert celery.store.outputs(bucket) == {k: v for k, v in outputs(by_kedro).items() if k not in raw}


# --- a worker lost while its task runs ------------------------------------------------------------

RELAY_NODES = """\
import time


def make_value(value):
    return {"value": value}, value


def hold(value, pause):
    time.sleep(pause)
    return {"held": value}


def double(record):
    return {"value": record["value"] * 2}
"""

RELAY_REGISTRY = """\
from kedro.pipeline import Node, Pipeline

from relay.nodes import double, hold, make_value


def register_pipelines():
    return {
        "__default__": Pipeline(
            [
                Node(make_value, "params:value", ["value", "handle"], name="make_value"),
                Node(hold, ["handle", "params:pause"], "held", name="hold"),
                Node(double, "value", "doubled", name="double"),
            ]
        )
    }
"""


def write_relay_project(root: Path) -> Path:
    """A task (``make_value`` then ``hold``, joined in memory) that saves, then holds for a while."""
    project = write_project(root, Project(package="relay", pipelines={}, params={"value": 0, "pause": 10}))
    (project / "src" / "relay" / "nodes.py").write_text(RELAY_NODES)
    (project / "src" / "relay" / "pipeline_registry.py").write_text(RELAY_REGISTRY)
    catalog = {
        "value": {"type": "json.JSONDataset", "filepath": "data/value.json", "versioned": True},
        "held": {"type": "json.JSONDataset", "filepath": "data/held.json"},
        "doubled": {"type": "json.JSONDataset", "filepath": "data/doubled.json", "versioned": True},
    }
    (project / "conf" / "base" / "catalog.yml").write_text(json.dumps(catalog))
    return project


@pytest.mark.timeout(300)
def test_a_task_whose_worker_is_killed_is_retried_on_the_other_worker(tmp_path, celery):
    by_kedro = write_relay_project(tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run", "--params", "value=3,pause=0"], cwd=by_kedro)
    project = write_relay_project(tmp_path)
    bucket = celery.store.new_bucket("relay")
    write_cluster_env(project, bucket, ["value", "held", "doubled"])  # both workers serve the queue
    dags = generate(project, "--env", ENV)
    hand_tune(dags / "relay.py")  # retry after a second
    tasks_of = {node: task for task, nodes in plan(project, "relay").items() for node in nodes}
    holding, doubling = tasks_of["hold"], tasks_of["double"]
    celery.deploy(project, "relay")

    run_id = celery.scheduler.trigger("relay", "manual__kill", {"value": 3})
    version = version_of(celery.scheduler.logical_date("relay", run_id))
    saved = f"value.json/{version}/value.json"
    deadline = time.monotonic() + 120
    while saved not in celery.store.keys(bucket):  # the first attempt saved `value`, and holds
        assert time.monotonic() < deadline, celery.scheduler.tasks("relay", run_id)
        time.sleep(0.2)
    (victim,) = (w for (task, _), w in celery.where("relay", run_id).items() if task == holding)
    first_saved = celery.store.modified(bucket, saved)
    celery.workers[victim].kill()

    state = celery.scheduler.wait("relay", run_id, timeout=200)
    tasks = celery.scheduler.tasks("relay", run_id)

    assert state == "success", {t.task_id: t.state for t in tasks.values()}
    assert (tasks[holding].state, tasks[holding].try_number) == ("success", 2)
    (survivor,) = set(WORKERS) - {victim}
    assert celery.where("relay", run_id) == {
        (holding, 1): victim,
        (holding, 2): survivor,
        (doubling, 1): survivor,
    }
    retry = celery.workers[survivor].log("relay", run_id, holding, attempt=2)
    assert f"Replacing dataset 'value' of version {version}, saved by an earlier attempt." in retry
    assert celery.store.versions(bucket, "value.json") == [version]  # replaced, not duplicated
    assert celery.store.modified(bucket, saved) > first_saved
    assert celery.store.outputs(bucket) == outputs(by_kedro)
