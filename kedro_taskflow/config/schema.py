"""airflow.yml's keys: which section takes each, in what order they are written, each one's check,
its built-in value, and the words the reference in docs/configuration.md gives it (rendered from
here by scripts/config_reference.py, so the reference cannot drift from what is parsed)."""

from __future__ import annotations

from dataclasses import dataclass

from kedro_taskflow.config import values
from kedro_taskflow.config.values import Check, OnPipeline
from kedro_taskflow.model import Execution, Setting
from kedro_taskflow.target import Form

DEFAULT_SECTION = "default"
TASKS = "tasks"
EXECUTION = "execution"  # how the DAG runs its nodes (model.Execution): decides the file's shape
SHARED_FILESYSTEM = "shared_filesystem"  # whether the workers share one disk: config.deployment checks it
AS = "as"  # what the pipeline's file defines (target.Form): no setting of the plan, which it leaves alone
FLAVOUR = "flavour"  # an isolated task: written on each task's decorator, never in default_args
COMMAND_LINE = "command line"  # the source of a setting a flag gave (``--execution``)

DAG_KEYS = ("schedule", "start_date", "catchup", "max_active_runs")  # arguments of @dag
# default_args, in the order they are written; the task keys can also be set per task
TASK_KEYS = (
    "owner",
    "retries",
    "retry_delay",
    "execution_timeout",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "trigger_rule",
)
DEFAULT_ARGS = ("owner", "depends_on_past", "email_on_failure", "email_on_retry", *TASK_KEYS[1:])
DATASET_KEYS = ("datasets", "dataset_uris")
SECTION_KEYS = (
    *DAG_KEYS,
    "schedule_interval",
    *DEFAULT_ARGS,
    *DATASET_KEYS,
    EXECUTION,
    SHARED_FILESYSTEM,
    AS,
    FLAVOUR,
    TASKS,
)
SELECTOR_KEYS = (*TASK_KEYS, FLAVOUR)

# What a DAG has when airflow.yml does not say: trigger-only, daily-free, one run at a time.
BUILT_IN: dict[str, object] = {
    "schedule": None,
    "start_date": (2024, 1, 1),
    "catchup": False,
    "max_active_runs": 1,
    "owner": "kedro",
    "retries": 1,
    "retry_delay": 5,
    EXECUTION: Execution.TASKS.value,
}
# Airflow's trigger rules that both Airflow 2.4+ and 3 accept.
TRIGGER_RULES = (
    "all_success",
    "all_failed",
    "all_done",
    "all_skipped",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
)


@dataclass(frozen=True)
class Key:
    """One key of a section: its check, and what the reference says of it."""

    meaning: str
    written_as: str
    without_it: str
    check: Check | None  # None: parsed by code of its own (``flavour``, ``tasks``)


DURATION = '`default_args={"retry_delay": pendulum.duration(minutes=...)}`'
KEYS: dict[str, Key] = {
    "schedule": Key(
        "when the DAG runs: a cron expression of 5 fields, a preset (`@daily`...), `null`, or Datasets "
        "(`{datasets: [...]}`, `{pipeline: <name>}`: see [Datasets and Assets](#datasets-and-assets))",
        '`schedule="0 6 * * *"`',
        "`None`: triggered only",
        values.schedule,
    ),
    "start_date": Key(
        "`[year, month, day]`",
        '`start_date=pendulum.datetime(y, m, d, tz="UTC")`',
        "2024-01-01",
        values.start_date,
    ),
    "catchup": Key("`true`/`false`", "`catchup=`", "`false`", values.flag),
    "max_active_runs": Key(
        "DAG runs at a time: a whole number ≥ 1", "`max_active_runs=`", "1", values.whole(1, 1)
    ),
    "schedule_interval": Key(
        "`schedule`'s older name: give one of the two", "`schedule=`", "", values.schedule
    ),
    "owner": Key("a non-empty string", "`default_args`", "`kedro`", values.text("data-team")),
    "depends_on_past": Key("`true`/`false`, as in Airflow", "`default_args`", "Airflow's", values.flag),
    "email_on_failure": Key("`true`/`false`, as in Airflow", "`default_args`", "Airflow's", values.flag),
    "email_on_retry": Key("`true`/`false`, as in Airflow", "`default_args`", "Airflow's", values.flag),
    "retries": Key("a whole number ≥ 0", "`default_args`", "1", values.whole(0, 2)),
    "retry_delay": Key("minutes between tries (> 0)", DURATION, "5", values.minutes),
    "execution_timeout": Key(
        "minutes a try may take (> 0)",
        DURATION.replace("retry_delay", "execution_timeout"),
        "Airflow's: none",
        values.minutes,
    ),
    "pool": Key(
        "the Airflow pool the tasks take slots of", "`default_args`", "Airflow's", values.text("ingest_pool")
    ),
    "pool_slots": Key(
        "slots of the pool a task takes: ≥ 1", "`default_args`", "Airflow's: 1", values.whole(1, 2)
    ),
    "queue": Key(
        "the queue the tasks go to: which workers run them (Celery)",
        "`default_args`",
        "Airflow's",
        values.text("reporting"),
    ),
    "priority_weight": Key("a whole number ≥ 1", "`default_args`", "Airflow's", values.whole(1, 10)),
    "trigger_rule": Key(
        "one of Airflow's trigger rules that Airflow 2.4+ and 3 both take: " + ", ".join(TRIGGER_RULES),
        "`default_args`",
        "Airflow's: `all_success`",
        values.one_of(TRIGGER_RULES, "all_done"),
    ),
    "datasets": Key(
        "`true`: each task declares the persisted datasets it saves as outlets (see "
        "[Datasets and Assets](#datasets-and-assets))",
        "`outlets=[...]`",
        "no outlets",
        values.flag,
    ),
    "dataset_uris": Key(
        "`{<dataset>: <uri>}`: a dataset's URI instead of the one made from its catalog filepath",
        "`Dataset(...)`/`Asset(...)`",
        "from the catalog",
        values.uris,
    ),
    EXECUTION: Key(
        "`tasks`: each task runs its nodes in its own Kedro session; `watcher`: one task runs every "
        "node in one Kedro session and each node's task reports its outcome (`--execution` wins)",
        "a `kedro_run` task and one reporting task per node, or one task per node or group",
        "`tasks`",
        values.one_of(tuple(e.value for e in Execution), Execution.WATCHER.value),
    ),
    SHARED_FILESYSTEM: Key(
        "`false`: the workers share no disk (Celery, Kubernetes), so `generate` and `plan` refuse a "
        "dataset on a local path that one task saves and another loads (see "
        "[Deploying](deploying.md#workers-that-share-no-disk))",
        "nothing: checked when generating",
        "`true`",
        values.flag,
    ),
    AS: Key(
        "`dag` or `task_group`: a DAG file, or a task group for a DAG of yours (see "
        "[A task group in your DAG](task-group.md)); `--as` wins",
        "the module `<dag_id>_group.py`",
        "`dag`",
        values.one_of(tuple(f.value for f in Form), Form.TASK_GROUP.value),
    ),
    FLAVOUR: Key(
        "run the tasks isolated (see [Isolated tasks](#isolated-tasks-flavour))",
        "`@task.<flavour>(...)`",
        "`@task`",
        None,
    ),
    TASKS: Key("per-task settings by selector (below)", "the task's decorator", "", None),
}
CHECKS: dict[str, Check | None] = {key: KEYS[key].check for key in SECTION_KEYS}
SELECTOR_CHECKS: dict[str, Check | None] = {key: KEYS[key].check for key in SELECTOR_KEYS}


def canonical(key: str) -> str:
    """The key as the plan holds it: ``schedule_interval`` is ``schedule``."""
    return "schedule" if key == "schedule_interval" else key


def written(setting: Setting) -> object:
    """A setting's value as airflow.yml writes it, for JSON: lists, a flavour as ``{name: {arguments}}``."""

    def plain(value: object) -> object:
        if isinstance(value, OnPipeline):
            return {"pipeline": value.pipeline}
        return list(value) if isinstance(value, tuple) else value

    if setting.key == FLAVOUR and isinstance(setting.value, tuple):
        name, arguments = setting.value
        return {name: {key: plain(value) for key, value in arguments}}
    return plain(setting.value)
