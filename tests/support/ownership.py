"""The ownership corpus: a small pipeline, the pipeline changes, and the hand edits of its DAG file.

Each pipeline change is a function of the node list; each hand edit replaces text of the generated
file with what a person would write (and fails loudly if the text it edits is not there).
"""

from __future__ import annotations

import dataclasses

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


# Pipeline change -> (nodes, persisted datasets).
CHANGES = {
    "node_added": (NODES + (NodeSpec("publish", None, ("report",), ("published",)),), PERSISTED),
    "node_removed": (tuple(n for n in NODES if n.name != "eu.audit"), PERSISTED),
    "node_renamed": (tuple(_moved(n, "scrub") if n.name == "clean" else n for n in NODES), PERSISTED),
    "moved_into_namespace": (
        tuple(_moved(n, "eu.report") if n.name == "report" else n for n in NODES),
        PERSISTED,
    ),
    "moved_out_of_namespace": (
        tuple(_moved(n, "audit") if n.name == "eu.audit" else n for n in NODES),
        PERSISTED,
    ),
    "dataset_in_memory": (NODES, PERSISTED - {"eu.scores"}),
}

TARGET = Target(AirflowVersion.AIRFLOW_2, Deployment(project_path="/opt/airflow/projects/ownership"))


def generated(nodes=NODES, persisted=PERSISTED) -> str:
    spec = ProjectSpec("Ownership", "ownership", (PipelineSpec("__default__", tuple(nodes)),), persisted)
    return render(plan_dag(spec, "__default__", GroupBy.MEMORY, Selection()), TARGET)


SENSOR_IMPORT = "from airflow.sensors.external_task import ExternalTaskSensor\n"
EMPTY_IMPORT = "from airflow.operators.empty import EmptyOperator\n"
RUNTIME_IMPORT = "from kedro_taskflow.runtime import KedroProject\n"
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
}


def edited(text: str, edit: str) -> str:
    """``text`` with a hand edit made, as a person saving the file would leave it."""
    for old, new in EDITS[edit]:
        assert text.count(old) == 1, f"{edit}: {old!r} is not in the file exactly once"
        text = text.replace(old, new)
    return text
