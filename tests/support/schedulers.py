"""Real Airflow schedulers for tests, as production launches tasks.

- ``PostgresServer``: a throw-away PostgreSQL cluster (the server binaries ``initdb`` and
  ``pg_ctl``), reachable only through a Unix socket in its own folder.
- ``Scheduler``: Airflow 2 (scheduler with LocalExecutor on PostgreSQL) or Airflow 3
  (``airflow standalone``: scheduler, dag-processor, api-server, triggerer) over a DAG folder.

Every process a scheduler starts carries a marker in its environment, and ``stop`` ends every
process that has it, including Airflow 2's task runners, which leave the scheduler's process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy

DONE = {"success", "failed"}


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder; as root, it runs as an unprivileged user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kedro-taskflow-pg-"))
        self.data = self.folder / "data"
        self.user = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.user = next(u for u in ("postgres", "nobody") if _user_exists(u))
            shutil.chown(self.folder, user=self.user)

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "airflow", "--auth=trust", "--no-sync")
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://airflow@/{database}?host={self.folder}"

    def create_database(self, name: str, template: str | None = None) -> str:
        engine = sqlalchemy.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(
                sqlalchemy.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            )
        engine.dispose()
        return self.url(name)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marked_processes(leader: subprocess.Popen | None, marker: str | None = None) -> list[int]:
    """Live processes in ``leader``'s session, or anywhere with ``marker`` (``NAME=value``) in their
    environment (Airflow renames its processes, which can overwrite what /proc shows of the
    environment, and its task runners leave their parent's process group)."""
    session = leader.pid if leader else None
    if leader:
        leader.poll()  # reaped, so that it is not counted as alive
    needle = marker.encode() if marker else None
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            state, sid = fields[0], int(fields[3])
            if state != "Z" and (
                sid == session or (needle and needle in (entry / "environ").read_bytes().split(b"\0"))
            ):
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def end_processes(find, signals=(signal.SIGTERM, signal.SIGKILL), grace: float = 20) -> None:
    """Send each signal in turn to the processes ``find()`` returns, until none is left."""
    for sig in signals:
        pids = find()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            time.sleep(0.2)
            pids = find()
        if not pids:
            return
    raise AssertionError(f"processes survived {signals[-1].name}: {find()}")


@dataclass
class TaskRun:
    task_id: str
    state: str | None
    try_number: int
    start_date: object
    end_date: object


class Scheduler:
    """An Airflow scheduler (2: LocalExecutor on ``database_url``; 3: ``airflow standalone``)."""

    def __init__(
        self,
        airflow_bin: Path,
        home: Path,
        dags_folder: Path,
        database_url: str,
        major: int,
        settings: dict[str, str] | None = None,  # Airflow settings over these defaults
    ) -> None:
        self.airflow = str(airflow_bin / "airflow")
        self.home, self.dags_folder, self.major = home, dags_folder, major
        self.marker = f"kedro-taskflow-test-{uuid.uuid4().hex}"
        self.database_url = database_url
        self.env = {
            **os.environ,
            "PATH": f"{airflow_bin}{os.pathsep}{os.environ['PATH']}",
            "KEDRO_TASKFLOW_TEST_PROCESS": self.marker,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY": "True",
        }
        if major == 3:
            port = free_port()
            self.env |= {
                "AIRFLOW__API__PORT": str(port),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                # A task's calls to the api-server: generous on a loaded 2-core machine.
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
            }
        self.env |= settings or {}
        self.process: subprocess.Popen | None = None
        self.engine = sqlalchemy.create_engine(database_url)

    def cli(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [self.airflow, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(
                f"airflow {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def start(self) -> Scheduler:
        self.cli("db", "migrate")
        self.cli("dags", "reserialize")  # the DAGs are in the database before anything is triggered
        command = ["scheduler"] if self.major == 2 else ["standalone"]
        log = open(self.home / "scheduler.log", "w")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [self.airflow, *command],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if self.major == 3:
            self._wait_for_api_server()
        return self

    def _wait_for_api_server(self, timeout: float = 180) -> None:
        """Tasks talk to the api-server: a run triggered before it listens fails its first tasks
        (slow to start on a loaded machine, or with Kedro preloaded in every Airflow process)."""
        url = f"http://localhost:{self.env['AIRFLOW__API__PORT']}/api/v2/monitor/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
            if self.process and self.process.poll() is not None:
                raise AssertionError(f"airflow standalone exited {self.process.returncode}:\n{self.tail()}")
            time.sleep(1)
        raise AssertionError(f"the api-server did not answer {url} within {timeout} s:\n{self.tail()}")

    def stop(self) -> None:
        """End the scheduler and every process it started, whatever group or session it is in."""
        try:
            end_processes(self.processes)
        finally:
            self.engine.dispose()

    def processes(self) -> list[int]:
        """Live processes in the scheduler's session, or anywhere with its marker in their environment."""
        return marked_processes(self.process, f"KEDRO_TASKFLOW_TEST_PROCESS={self.marker}")

    def trigger(self, dag_id: str, run_id: str, conf: dict | None = None) -> str:
        self.cli("dags", "trigger", dag_id, "--run-id", run_id, "--conf", json.dumps(conf or {}))
        return run_id

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        with self.engine.connect() as c:
            row = c.execute(
                sqlalchemy.text("SELECT state FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).first()
        return row and row[0]

    def runs(self, dag_id: str) -> dict[str, str]:
        """The DAG's runs: run id -> how each came about (``manual``, ``dataset_triggered``...)."""
        with self.engine.connect() as c:
            rows = c.execute(
                sqlalchemy.text("SELECT run_id, run_type FROM dag_run WHERE dag_id = :d"), {"d": dag_id}
            ).all()
        return dict(rows)

    def run_duration(self, dag_id: str, run_id: str) -> float:
        """Seconds from the run's start to its end, as Airflow recorded them."""
        with self.engine.connect() as c:
            start, end = c.execute(
                sqlalchemy.text("SELECT start_date, end_date FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).one()
        return (end - start).total_seconds()

    def logical_date(self, dag_id: str, run_id: str):
        with self.engine.connect() as c:
            column = "execution_date" if self.major == 2 else "logical_date"
            return c.execute(
                sqlalchemy.text(f"SELECT {column} FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).scalar_one()

    def version_date(self, dag_id: str, run_id: str):
        """What the run's Kedro version is made of: its logical date, else (Airflow 3) when it was due."""
        columns = "execution_date" if self.major == 2 else "logical_date, run_after"
        with self.engine.connect() as c:
            row = c.execute(
                sqlalchemy.text(f"SELECT {columns} FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).one()
        when = next(value for value in row if value is not None)
        if isinstance(when, str):  # SQLite's text, in UTC
            when = datetime.fromisoformat(when).replace(tzinfo=timezone.utc)
        return when

    def tasks(self, dag_id: str, run_id: str) -> dict[str, TaskRun]:
        with self.engine.connect() as c:
            rows = c.execute(
                sqlalchemy.text(
                    "SELECT task_id, state, try_number, start_date, end_date FROM task_instance "
                    "WHERE dag_id = :d AND run_id = :r"
                ),
                {"d": dag_id, "r": run_id},
            ).all()
        return {row[0]: TaskRun(*row) for row in rows}

    def wait(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Wait for the run to end; its final state, or an AssertionError with what is known."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in DONE:
                return state
            if self.process and self.process.poll() is not None:
                raise AssertionError(f"the scheduler exited {self.process.returncode}:\n{self.tail()}")
            time.sleep(1)
        states = {t.task_id: t.state for t in self.tasks(dag_id, run_id).values()}
        raise AssertionError(f"run {run_id} of {dag_id} not done after {timeout} s: {states}\n{self.tail()}")

    def tail(self, lines: int = 60) -> str:
        path = self.home / "scheduler.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def log(self, dag_id: str, run_id: str, task_id: str, attempt: int = 1) -> str:
        """The task's log as a person reads it in the UI: Airflow 3's JSON lines as their events."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        text = (folder / f"attempt={attempt}.log").read_text(errors="replace")
        if self.major == 2:
            return text
        return "\n".join(map(_event_line, text.splitlines()))

    def clear(self, dag_id: str, task_id: str) -> None:
        """Clear the task and its downstream tasks in every run, as a person does after a fix:
        with the CLI on Airflow 2, through the api-server's REST API on Airflow 3."""
        if self.major == 2:
            self.cli(
                "tasks", "clear", dag_id, "--task-regex", f"^{re.escape(task_id)}$", "--downstream", "--yes"
            )
            return
        body = {"dry_run": False, "only_failed": False, "task_ids": [task_id], "include_downstream": True}
        request = urllib.request.Request(
            f"http://localhost:{self.env['AIRFLOW__API__PORT']}/api/v2/dags/{dag_id}/clearTaskInstances",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            cleared = json.load(response)["task_instances"]
        assert cleared, f"nothing cleared for {task_id} of {dag_id}"


def _event_line(line: str) -> str:
    """One of Airflow 3's JSON log lines as text, with the exceptions it carries."""
    event = json.loads(line)
    errors = [f"{e['exc_type']}: {e['exc_value']}" for e in event.get("error_detail") or ()]
    return " ".join([event.get("level", ""), f"{event.get('logger', '')}:", event["event"], *errors])
