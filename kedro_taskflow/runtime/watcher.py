"""Watcher execution: one Kedro run for the whole DAG run, and a task per node that reports it.

The producer task runs the DAG's nodes in one Kedro session, so pipeline hooks fire once per DAG
run. It keeps going past a failing node (what depends on it does not run) and returns each
node's outcome: its state, its log records, and its error. The producer succeeds even when nodes
failed: their tasks fail, and Airflow marks what is downstream ``upstream_failed``. A node's task
replays its node's records into its own log and succeeds or fails as the node did, importing
nothing of Kedro. When it runs again (a retry, or cleared after a fix), or when its node did not
run, it runs its nodes in a Kedro session of its own, as a task of execution ``tasks`` does.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections import Counter
from collections.abc import Iterator
from typing import Any

SUCCESS, FAILED, NOT_RUN = "success", "failed", "not_run"


class NodeFailed(RuntimeError):
    """A node failed in the DAG run's Kedro run: its task fails, and a retry runs it again."""


class Recorder(logging.Handler):
    """Collects the log records emitted while each node runs, by node."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.node: str | None = None
        self.records: dict[str, list[list[Any]]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if self.node is not None:
            self.records[self.node].append(
                [
                    record.name,
                    record.levelno,
                    record.getMessage(),
                    record.created,
                    record.filename,
                    record.lineno,
                ]
            )

    @contextlib.contextmanager
    def recording(self, node: str) -> Iterator[None]:
        """Records of ``node``, from the root logger, where Airflow's handlers are too."""
        self.node = node
        self.records.setdefault(node, [])
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield
        finally:
            root.removeHandler(self)
            self.node = None


def outcome(state: str, records: list | None = None, error: str | None = None) -> dict[str, Any]:
    return {"state": state, "log": records or [], "error": error}


def runner(outcomes: dict[str, dict[str, Any]], recorder: Recorder) -> Any:
    """A Kedro runner that runs every node it can, in order, and notes each node's outcome."""
    from kedro.runner import SequentialRunner, Task

    class WatchingRunner(SequentialRunner):
        @property
        def _logger(self) -> logging.Logger:  # Kedro's runner's, at the project's levels
            return logging.getLogger(SequentialRunner.__module__)

        def _run(self, pipeline, catalog, hook_manager=None, run_id=None):  # noqa: ANN001
            load_counts = Counter(name for node in pipeline.nodes for name in node.inputs)
            dependencies = pipeline.node_dependencies
            blocked: set = set()
            for node in pipeline.nodes:
                if dependencies[node] & blocked:
                    blocked.add(node)
                    outcomes[node.name] = outcome(NOT_RUN)
                    continue
                with recorder.recording(node.name):
                    try:
                        Task(node, catalog, self._is_async, hook_manager, run_id).execute()
                    except Exception:
                        blocked.add(node)
                        error = traceback.format_exc()
                    else:
                        error = None
                        self._logger.info("Completed node: %s", node.name)
                records = recorder.records.pop(node.name, [])
                outcomes[node.name] = outcome(FAILED if error else SUCCESS, records, error)
                if error is None:
                    self._release_datasets(node, catalog, load_counts, pipeline)
            failed = [name for name, o in outcomes.items() if o["state"] == FAILED]
            if failed:  # the session's on_pipeline_error hooks, instead of after_pipeline_run
                raise NodeFailed(f"Nodes failed in the DAG run's Kedro run: {', '.join(failed)}.")

    return WatchingRunner()


def report(produced: dict[str, Any], node_names: list[str], attempt: int) -> bool:
    """Replay the nodes' outcomes into this task's log: True when reported, False when the task
    must run its nodes itself (it runs again, or a node did not run in the producer)."""
    nodes = produced.get("nodes", {})
    if attempt > produced.get("attempt", 0) or any(
        nodes.get(name, {}).get("state") not in (SUCCESS, FAILED) for name in node_names
    ):
        return False
    failed = []
    for name in node_names:
        for logger, level, message, created, filename, lineno in nodes[name]["log"]:
            record = logging.makeLogRecord(
                {
                    "name": logger,
                    "levelno": level,
                    "levelname": logging.getLevelName(level),
                    "msg": message,
                    "created": created,
                    "msecs": (created % 1) * 1000,
                    "filename": filename,
                    "lineno": lineno,
                }
            )
            logging.getLogger(logger).handle(record)
        if nodes[name]["state"] == FAILED:
            failed.append(name)
            error = nodes[name]["error"]
            logging.getLogger(__name__).error("Node %s failed in the DAG run's Kedro run:\n%s", name, error)
    if failed:
        raise NodeFailed(
            f"Node {', '.join(failed)} failed in the DAG run's Kedro run (see above); "
            "a retry, or clearing this task, runs it again in a Kedro session of its own."
        )
    return True
