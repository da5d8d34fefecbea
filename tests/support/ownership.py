"""The ownership corpus: a small pipeline, the pipeline changes, and the hand edits of its DAG file.

Each pipeline change is a function of the node list; each hand edit replaces text of the generated
file with what a person would write (and fails loudly if the text it edits is not there).
"""

from __future__ import annotations

import dataclasses
import itertools

from kedro_taskflow import config
from kedro_taskflow.codegen import render
from kedro_taskflow.model import GroupBy, NodeSpec, PipelineSpec, ProjectSpec, Selection
from kedro_taskflow.planning import plan_dag
from kedro_taskflow.target import AirflowVersion, Deployment, Target

NODES = (
    NodeSpec("ingest", None, ("raw",), ("orders",)),
    NodeSpec("clean", None, ("orders",), ("clean_orders",)),
    NodeSpec("eu.score", "eu", ("clean_orders",), ("eu.scores",)),
    NodeSpec("eu.audit", "eu", ("clean_orders",), ("eu.audit_log",)),
    NodeSpec("report", None, ("eu.scores",), ("report",)),
)
PERSISTED = frozenset({"raw", "orders", "clean_orders", "eu.scores", "eu.audit_log", "report", "published"})


def _moved(node: NodeSpec, name: str) -> NodeSpec:
    namespace = name.rpartition(".")[0] or None
    return dataclasses.replace(node, name=name, namespace=namespace)


def _renamed(nodes, old: str, new: str):
    return tuple(_moved(n, new) if n.name == old else n for n in nodes)


# Pipeline change: (nodes, persisted datasets) -> the same, changed. Any of them compose.
CHANGES = {
    "node_added": lambda nodes, persisted: (
        (*nodes, NodeSpec("publish", None, ("report",), ("published",))),
        persisted,
    ),
    "node_removed": lambda nodes, persisted: (tuple(n for n in nodes if n.name != "eu.audit"), persisted),
    "node_renamed": lambda nodes, persisted: (_renamed(nodes, "clean", "scrub"), persisted),
    "moved_into_namespace": lambda nodes, persisted: (_renamed(nodes, "report", "eu.report"), persisted),
    "moved_out_of_namespace": lambda nodes, persisted: (_renamed(nodes, "eu.audit", "audit"), persisted),
    "dataset_in_memory": lambda nodes, persisted: (nodes, persisted - {"eu.scores"}),
    # The EU group no longer waits for clean as a whole: its audit reads the raw orders.
    "audit_reads_orders": lambda nodes, persisted: (
        tuple(dataclasses.replace(n, inputs=("orders",)) if n.name == "eu.audit" else n for n in nodes),
        persisted,
    ),
}


def changed(*changes: str) -> tuple[tuple[NodeSpec, ...], frozenset[str]]:
    """The corpus pipeline after ``changes``, in order."""
    pipeline = (NODES, PERSISTED)
    for change in changes:
        pipeline = CHANGES[change](*pipeline)
    return pipeline


TARGET = Target(AirflowVersion.AIRFLOW_2, Deployment(project_path="/opt/airflow/projects/ownership"))


def generated(nodes=NODES, persisted=PERSISTED, airflow_yml=None, target=TARGET) -> str:
    """The DAG file of the pipeline, with an ``airflow.yml`` (its parsed dict) and a target."""
    spec = ProjectSpec("Ownership", "ownership", (PipelineSpec("__default__", tuple(nodes)),), persisted)
    dag = plan_dag(spec, "__default__", GroupBy.MEMORY, Selection())
    if airflow_yml is not None:
        files = {name: f"conf/{name}/airflow.yml" for name in airflow_yml}
        dag = config.apply(dag, config.parse(airflow_yml, files, {"__default__": tuple(nodes)}))
    return render(dag, target)


# Changes that leave the task graph alone: (airflow.yml, target) of the new generation.
QUIET_CHANGES = {
    "airflow_yml": (
        {"default": {"start_date": [2025, 6, 1], "retries": 2, "tasks": {"node:report": {"retries": 5}}}},
        TARGET,
    ),
    "env": (
        None,
        Target(
            AirflowVersion.AIRFLOW_2,
            Deployment(env="prod", project_path="/opt/airflow/projects/ownership"),
            "kedro-taskflow generate --env prod",
        ),
    ),
}


def quietly_changed(change: str) -> str:
    """The new generation after a change that leaves the graph alone."""
    airflow_yml, target = QUIET_CHANGES[change]
    return generated(airflow_yml=airflow_yml, target=target)


SENSOR_IMPORT = "from airflow.sensors.external_task import ExternalTaskSensor\n"
EMPTY_IMPORT = "from airflow.operators.empty import EmptyOperator\n"
RUNTIME_IMPORT = "from kedro_taskflow.runtime import KedroProject\n"
CHAIN_IMPORT = "from airflow.models.baseoperator import chain\n"
CROSS_IMPORT = "from airflow.models.baseoperator import cross_downstream\n"  # 3: airflow.sdk
LINEAR_IMPORT = "from airflow.models.baseoperator import chain_linear\n"  # Airflow 2.7 on
HELPER = '''

def alert(context):
    """Tell the on-call person."""
    print("failed:", context["task_instance"].task_id)
'''

# Hand edit -> its replacements (old text, new text), each old text found exactly once.
EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    "task_retries": (("    @task\n    def clean():", "    @task(retries=3)\n    def clean():"),),
    "task_pool": (("    @task\n    def report():", '    @task(pool="reports")\n    def report():'),),
    "task_execution_timeout": (
        (
            "        @task\n        def score():",
            "        @task(execution_timeout=pendulum.duration(minutes=30))\n        def score():",
        ),
    ),
    "audit_pool": (
        ("        @task\n        def audit():", '        @task(pool="audit")\n        def audit():'),
    ),
    "dag_schedule": (("    schedule=None,", '    schedule="@daily",'),),
    "dag_id_renamed": (('    dag_id="ownership",', '    dag_id="ownership_v2",'),),
    "dag_tags": (('    tags=["kedro", "ownership"],', '    tags=["kedro", "ownership", "team-a"],'),),
    "default_args_value": (('        "retries": 1,', '        "retries": 4,'),),
    "default_args_key": (
        (
            '        "retry_delay": pendulum.duration(minutes=5),\n',
            '        "retry_delay": pendulum.duration(minutes=5),\n        "email_on_failure": False,\n',
        ),
    ),
    "on_failure_callback": (
        ("\n\n@dag(", f"{HELPER}\n\n@dag("),
        ("    doc_md=__doc__,\n", "    doc_md=__doc__,\n    on_failure_callback=alert,\n"),
    ),
    "code_before_runner": (
        (
            '        project.run_nodes("clean")',
            '        print("cleaning the orders")\n        project.run_nodes("clean")',
        ),
    ),
    "code_after_runner": (
        (
            '        project.run_nodes("ingest")',
            '        project.run_nodes("ingest")\n        print("ingested")',
        ),
    ),
    "comment_above_task": (
        ("    @task\n    def clean():", "    # Cleaning is slow on Mondays.\n    @task\n    def clean():"),
    ),
    "task_docstring": (
        ('        """eu.scores -> report"""', '        """Write the weekly report for the board."""'),
    ),
    "extra_import": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + "import logging\n"),
        ("\n\n@dag(", "\nlog = logging.getLogger(__name__)\n\n\n@dag("),
    ),
    "module_helper": (("\n\n@dag(", f"{HELPER}\n\n@dag("),),
    "notification_after_last_task": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + EMPTY_IMPORT),
        (
            '    eu_group.get_child_by_label("score") >> report()\n',
            '    notify = EmptyOperator(task_id="notify")\n'
            '    eu_group.get_child_by_label("score") >> report() >> notify\n',
        ),
    ),
    "sensor_before_first_task": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + SENSOR_IMPORT),
        (
            "    eu_group = eu()\n    ingest() >> clean() >> eu_group\n",
            '    wait_for_raw = ExternalTaskSensor(task_id="wait_for_raw", external_dag_id="upstream")\n'
            "    eu_group = eu()\n    wait_for_raw >> ingest() >> clean() >> eu_group\n",
        ),
    ),
    # The causes of lost edits that issue 20 found: each is merged, or refused, never lost.
    "task_signature": (
        (
            '    @task\n    def report():\n        """eu.scores -> report"""\n',
            '    @task\n    def report(**context) -> None:\n        """eu.scores -> report"""\n'
            '        print("run", context["run_id"])\n',
        ),
    ),
    "sensor_after_group_binding": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + SENSOR_IMPORT),
        (
            "    eu_group = eu()\n    ingest() >> clean() >> eu_group\n",
            "    eu_group = eu()\n"
            '    wait_for_raw = ExternalTaskSensor(task_id="wait_for_raw", external_dag_id="upstream")\n'
            "    wait_for_raw >> ingest() >> clean() >> eu_group\n",
        ),
    ),
    "chain_wiring": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + CHAIN_IMPORT),
        (
            '    ingest() >> clean() >> eu_group\n    eu_group.get_child_by_label("score") >> report()\n',
            "    chain(ingest(), clean(), eu_group)\n"
            '    chain(eu_group.get_child_by_label("score"), report())\n',
        ),
    ),
    "start_date_edited": (
        (
            '    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),',
            '    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),',
        ),
    ),
    "comment_in_wiring": (
        (
            "    ingest() >> clean() >> eu_group\n",
            "    # The EU group waits for the cleaned orders.\n    ingest() >> clean() >> eu_group\n",
        ),
    ),
    "task_order": (
        (
            '    @task\n    def report():\n        """eu.scores -> report"""\n'
            '        project.run_nodes("report")\n\n',
            "",
        ),
        (
            "def ownership():\n",
            'def ownership():\n    @task\n    def report():\n        """eu.scores -> report"""\n'
            '        project.run_nodes("report")\n\n',
        ),
    ),
    # A task of the person's own, first in the EU group: it waits for what the group waits for.
    "task_first_in_group": (
        (
            "        audit()\n        score()\n",
            "        @task\n        def check_orders():\n"
            '            print("checking the cleaned orders")\n\n'
            "        audit()\n        check_orders() >> score()\n",
        ),
    ),
    # Shapes a person writes that the merge matches by identity (issue 20 §3).
    "override_bound": (
        (
            '    eu_group.get_child_by_label("score") >> report()\n',
            '    weekly_report = report.override(task_id="weekly_report")()\n'
            '    eu_group.get_child_by_label("score") >> weekly_report\n',
        ),
    ),
    "set_upstream": (
        (
            "    ingest() >> clean() >> eu_group\n",
            "    clean_task = clean()\n    clean_task.set_upstream(ingest())\n    clean_task >> eu_group\n",
        ),
    ),
    "branch_in_chain": (
        (
            "    eu_group = eu()\n",
            '    @task.branch\n    def on_weekdays():\n        return "report"\n\n    eu_group = eu()\n',
        ),
        (
            '    eu_group.get_child_by_label("score") >> report()\n',
            '    eu_group.get_child_by_label("score") >> on_weekdays() >> report()\n',
        ),
    ),
    "task_id_in_group": (
        ("        @task\n        def score():", '        @task(task_id="scoring")\n        def score():'),
        ('eu_group.get_child_by_label("score")', 'eu_group.get_child_by_label("scoring")'),
    ),
    # Operators wired with Airflow's helpers, through a group's child (Airflow 2 imports them so).
    "chain_through_group_child": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + EMPTY_IMPORT + CHAIN_IMPORT),
        (
            '    eu_group.get_child_by_label("score") >> report()\n',
            '    check_scores = EmptyOperator(task_id="check_scores")\n'
            '    chain(eu_group.get_child_by_label("score"), check_scores, report())\n',
        ),
    ),
    "cross_downstream": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + EMPTY_IMPORT + CROSS_IMPORT),
        (
            '    eu_group.get_child_by_label("score") >> report()\n',
            "    report_task = report()\n"
            '    eu_group.get_child_by_label("score") >> report_task\n'
            '    archive = EmptyOperator(task_id="archive")\n'
            '    notify_board = EmptyOperator(task_id="notify_board")\n'
            "    cross_downstream(\n"
            '        [eu_group.get_child_by_label("audit"), report_task], [archive, notify_board]\n'
            "    )\n",
        ),
    ),
    # Every task of a list to every task of the next (``chain`` would pair two lists of one length).
    "chain_linear": (
        (RUNTIME_IMPORT, RUNTIME_IMPORT + EMPTY_IMPORT + LINEAR_IMPORT),
        (
            '    eu_group.get_child_by_label("score") >> report()\n',
            '    eu_group.get_child_by_label("score") >> report()\n'
            '    archive = EmptyOperator(task_id="archive")\n'
            '    notify = EmptyOperator(task_id="notify")\n'
            "    chain_linear(\n"
            '        [eu_group.get_child_by_label("audit"), eu_group.get_child_by_label("score")],\n'
            "        [archive, notify],\n"
            "    )\n",
        ),
    ),
    "project_path_edited": (
        ('    project_path="/opt/airflow/projects/ownership",', '    project_path="/srv/kedro/ownership",'),
    ),
}


# What shows that a hand edit is in a file: these texts, and these edges in Airflow's task graph
# (a node's name stands for the task that runs it).
EVIDENCE = {edit: tuple(new.strip() for _, new in replacements) for edit, replacements in EDITS.items()}
EVIDENCE.update(
    {
        "comment_above_task": ("# Cleaning is slow on Mondays.\n    @task",),
        "on_failure_callback": (HELPER.strip(), "on_failure_callback=alert,"),
        "module_helper": (HELPER.strip(),),
        "extra_import": ("import logging\n", "log = logging.getLogger(__name__)"),
        "notification_after_last_task": (EMPTY_IMPORT, 'notify = EmptyOperator(task_id="notify")'),
        "sensor_before_first_task": (SENSOR_IMPORT, "wait_for_raw = ExternalTaskSensor("),
        "sensor_after_group_binding": (SENSOR_IMPORT, "wait_for_raw = ExternalTaskSensor("),
        "chain_wiring": (CHAIN_IMPORT,),
        "task_signature": ("def report(**context) -> None:", 'print("run", context["run_id"])'),
        "task_order": (),  # the order itself: test_merge's own test (a node moved away changes it)
        "task_pool": ('pool="reports"',),  # airflow.yml may add arguments beside it
        "task_first_in_group": ("def check_orders():", 'print("checking the cleaned orders")'),
        "set_upstream": (),  # the same graph as the base's: the pipeline's ``>>`` replace it
        "branch_in_chain": ("@task.branch\n    def on_weekdays():",),
        "override_bound": ('weekly_report = report.override(task_id="weekly_report")()',),
        "task_id_in_group": ('@task(task_id="scoring")',),  # a group wired whole names no child
        # The wiring is the pipeline's ``>>`` plus these edges where both changed it: the graph shows it.
        "chain_through_group_child": (
            EMPTY_IMPORT,
            CHAIN_IMPORT,
            'check_scores = EmptyOperator(task_id="check_scores")',
        ),
        "cross_downstream": (
            EMPTY_IMPORT,
            CROSS_IMPORT,
            'archive = EmptyOperator(task_id="archive")',
            'notify_board = EmptyOperator(task_id="notify_board")',
        ),
        "chain_linear": (  # only edges the person added: the statement stays as written
            EMPTY_IMPORT,
            LINEAR_IMPORT,
            'archive = EmptyOperator(task_id="archive")',
            'notify = EmptyOperator(task_id="notify")',
            "    chain_linear(\n"
            '        [eu_group.get_child_by_label("audit"), eu_group.get_child_by_label("score")],\n'
            "        [archive, notify],\n"
            "    )\n",
        ),
    }
)
HAND_TASKS = {"task_first_in_group": "eu.check_orders"}  # a person's own task, by its task id
RENAMED_TASKS = {"override_bound": {"report": "weekly_report"}}  # task ids a person gave: old -> new
# Extra edges by node name; ``<dataset`` names the task that writes the dataset.
EXTRA_EDGES = {
    "task_first_in_group": (("<clean_orders", "eu.check_orders"), ("eu.check_orders", "eu.score")),
    "notification_after_last_task": (("report", "notify"),),
    "branch_in_chain": (("eu.score", "on_weekdays"), ("on_weekdays", "report")),
    "sensor_before_first_task": (("wait_for_raw", "ingest"),),
    "sensor_after_group_binding": (("wait_for_raw", "ingest"),),
    "chain_through_group_child": (("eu.score", "check_scores"), ("check_scores", "report")),
    "cross_downstream": tuple(itertools.product(("eu.audit", "report"), ("archive", "notify_board"))),
    "chain_linear": tuple(itertools.product(("eu.audit", "eu.score"), ("archive", "notify"))),
}


def edited(text: str, edit: str) -> str:
    """``text`` with a hand edit made, as a person saving the file would leave it."""
    result = try_edit(text, edit)
    assert result is not None, f"{edit}: what it edits is not in the file exactly once"
    return result


def try_edit(text: str, edit: str) -> str | None:
    """``text`` with the hand edit made, or None if another edit took what it edits."""
    for old, new in EDITS[edit]:
        if text.count(old) != 1:
            return None
        text = text.replace(old, new)
    return text
