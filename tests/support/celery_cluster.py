"""A Celery cluster for tests, on loopback, whose machines share no disk.

- ``RedisServer``: Debian's ``redis-server`` on 127.0.0.1 and a free port, saving nothing: the broker.
- ``S3Store``: moto's server, speaking the S3 API on 127.0.0.1: the storage that tasks share.
- ``CeleryCluster``: an Airflow 2 scheduler (CeleryExecutor on PostgreSQL) and two
  ``airflow celery worker`` processes, ``a`` and ``b``. Each of the three has its own AIRFLOW_HOME,
  with its own DAG folder, task logs and copy of every project deployed, as three machines would.
  Worker ``a`` serves queue ``a``, worker ``b`` queue ``b``, and both serve Airflow's ``default``.
  Worker ``a`` preloads Kedro (docs/execution.md), worker ``b`` runs under Airflow's default, so
  that every case runs on both. Only the workers have the store's credentials.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import boto3
import sqlalchemy
import yaml

from support.environment import BIN, output_name
from support.scheduled import preloading
from support.schedulers import Scheduler, end_processes, free_port, marked_processes

WORKERS = ("a", "b")
PRELOADED = "a"  # the worker that preloads Kedro; the other runs under Airflow's default
ENV = "cluster"  # the configuration environment a project is deployed to the cluster with

# What a deployment sets on the workers for the store (botocore and s3fs read AWS_ENDPOINT_URL).
STORE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "kedro-taskflow-tests",
    "AWS_SECRET_ACCESS_KEY": "kedro-taskflow-tests",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _serve(command: list[str], port: int, log: Path, timeout: float = 60) -> subprocess.Popen:
    """Start a server in its own session; return once it accepts connections on ``port``."""
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{command[0]} exited {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return process
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"{command[0]} not listening on {port} after {timeout} s:\n{log.read_text()}")


def _end(process: subprocess.Popen) -> None:
    end_processes(lambda: marked_processes(process), grace=10)


class RedisServer:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kedro-taskflow-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        if not shutil.which("redis-server"):
            raise AssertionError("no redis-server: install it (Debian/Ubuntu: apt-get install redis-server)")
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = _serve(command, self.port, self.folder / "log")
        return self

    def stop(self) -> None:
        try:
            if self.process:
                _end(self.process)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class S3Store:
    """moto's S3 API server on 127.0.0.1; its buckets live in its memory."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**STORE_CREDENTIALS, "AWS_ENDPOINT_URL": self.url}
        self.process: subprocess.Popen | None = None

    def start(self) -> S3Store:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)]
        self.process = _serve(command, self.port, self.folder / "log")
        self.client = boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=STORE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=STORE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=STORE_CREDENTIALS["AWS_DEFAULT_REGION"],
        )
        return self

    def stop(self) -> None:
        if self.process:
            _end(self.process)

    def new_bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name)
        return f"s3://{name}"

    def keys(self, bucket: str) -> list[str]:
        """The key of every object in ``bucket`` (``s3://name`` or ``name``)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket.removeprefix("s3://"))
        return [o["Key"] for page in pages for o in page.get("Contents", ())]

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Key -> bytes of every object in ``bucket``."""
        name = bucket.removeprefix("s3://")
        return {key: self.client.get_object(Bucket=name, Key=key)["Body"].read() for key in self.keys(name)}

    def outputs(self, bucket: str) -> dict[str, bytes]:
        """The bucket as ``environment.outputs`` shows a project's data/: versions left out of the keys."""
        return {output_name(tuple(key.split("/"))): data for key, data in self.objects(bucket).items()}

    def modified(self, bucket: str, key: str) -> datetime:
        """When the object at ``key`` was last written."""
        return self.client.head_object(Bucket=bucket.removeprefix("s3://"), Key=key)["LastModified"]

    def versions(self, bucket: str, dataset_path: str) -> list[str]:
        """The versions saved of the versioned dataset at ``dataset_path`` within ``bucket``."""
        prefix = dataset_path.rstrip("/") + "/"
        return sorted({k[len(prefix) :].split("/")[0] for k in self.keys(bucket) if k.startswith(prefix)})


class Worker:
    """``airflow celery worker`` in a home of its own: its DAG folder, task logs and projects."""

    def __init__(self, name: str, home: Path, env: dict[str, str]) -> None:
        self.name, self.home = name, home
        self.marker = f"KEDRO_TASKFLOW_TEST_WORKER={uuid.uuid4().hex}"
        key, value = self.marker.split("=")
        self.env = {
            **env,
            key: value,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        }
        self.process: subprocess.Popen | None = None
        (home / "dags").mkdir(parents=True)

    @property
    def log_file(self) -> Path:
        return self.home / "worker.log"

    def launch(self) -> None:
        """Start the worker; ``wait_ready`` waits until it takes tasks."""
        self.ready_from = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "a") as out:
            self.process = subprocess.Popen(
                [
                    str(BIN / "airflow"), "celery", "worker",
                    "--celery-hostname", f"{self.name}@%h",
                    "--queues", f"{self.name},default",
                    "--concurrency", "2",
                    "--skip-serve-logs",  # its log server would take a port another worker needs
                    "--without-mingle", "--without-gossip",
                ],
                env=self.env, cwd=self.home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited {self.process.returncode}:\n{self.tail()}")
            with open(self.log_file, errors="replace") as text:
                text.seek(self.ready_from)
                if " ready." in text.read():
                    return
            time.sleep(0.5)
        raise AssertionError(f"worker {self.name} not ready after {timeout} s:\n{self.tail()}")

    def processes(self) -> list[int]:
        """The worker, its pool and every task process it runs."""
        return marked_processes(self.process, self.marker)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and every process of it at once, as when its machine is lost."""
        end_processes(self.processes, signals=(signal.SIGKILL,))

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def log(self, dag_id: str, run_id: str, task_id: str, attempt: int) -> str:
        path = self._run_logs(dag_id, run_id) / f"task_id={task_id}" / f"attempt={attempt}.log"
        return path.read_text(errors="replace")

    def attempts(self, dag_id: str, run_id: str) -> set[tuple[str, int]]:
        """(task id, attempt) of every task attempt of the run that this worker ran: it has its log."""
        return {
            (log.parent.name.removeprefix("task_id="), int(log.stem.removeprefix("attempt=")))
            for log in self._run_logs(dag_id, run_id).glob("task_id=*/attempt=*.log")
        }

    def _run_logs(self, dag_id: str, run_id: str) -> Path:
        return self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"


class CeleryCluster:
    """A scheduler and two workers over one PostgreSQL database and one Redis broker."""

    def __init__(self, root: Path, database_url: str, broker_url: str, store: S3Store) -> None:
        scheduler_home = root / "scheduler"
        (scheduler_home / "dags").mkdir(parents=True)
        result_backend = "db+" + database_url.replace("postgresql+psycopg2://", "postgresql://", 1)
        settings = {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",  # more than the workers' 2 × 2 slots
            "AIRFLOW__CELERY__BROKER_URL": broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
            # A task whose worker was killed comes back from the broker only after 6 hours: what
            # runs it again is Airflow's retry.
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "2",  # a DAG deployed is seen at once
            # A task whose worker is gone is failed (and retried) 15 s after its last heartbeat.
            "AIRFLOW__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD": "15",
            "AIRFLOW__SCHEDULER__ZOMBIE_DETECTION_INTERVAL": "2",
        }
        self.scheduler = Scheduler(BIN, scheduler_home, scheduler_home / "dags", database_url, 2, settings)
        worker_env = {**self.scheduler.env, **store.env}
        self.workers = {name: Worker(name, root / f"worker_{name}", worker_env) for name in WORKERS}
        self.workers[PRELOADED].env |= preloading(self.workers[PRELOADED].home)
        self.store = store

    def start(self) -> CeleryCluster:
        for worker in self.workers.values():
            worker.launch()
        self.scheduler.start()
        for worker in self.workers.values():
            worker.wait_ready()
        return self

    def revive(self) -> None:
        """Start again any worker that is gone (a test killed it)."""
        for worker in self.workers.values():
            if not worker.alive:
                worker.launch()
                worker.wait_ready()

    def stop(self) -> None:
        try:
            end_processes(lambda: [pid for w in self.workers.values() for pid in w.processes()])
        finally:
            self.scheduler.stop()

    def deploy(self, project: Path, *dag_ids: str, timeout: float = 120) -> None:
        """Copy the project, with its generated DAGs, to every machine, link its DAG files into each
        DAG folder, and wait until the scheduler has ``dag_ids``."""
        homes = [self.scheduler.home, *(w.home for w in self.workers.values())]
        for home in homes:
            copy = shutil.copytree(
                project, home / "projects" / project.name, ignore=shutil.ignore_patterns("__pycache__")
            )
            for dag_file in sorted((copy / "airflow_dags").glob("*.py")):
                (home / "dags" / dag_file.name).symlink_to(dag_file)
        query = sqlalchemy.text(
            "SELECT count(*) FROM dag JOIN serialized_dag USING (dag_id) "
            "WHERE dag.is_active AND dag_id IN :ids"
        ).bindparams(sqlalchemy.bindparam("ids", expanding=True))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.scheduler.engine.connect() as c:
                if c.execute(query, {"ids": list(dag_ids)}).scalar_one() == len(dag_ids):
                    return
            time.sleep(0.5)
        tail = self.scheduler.tail()
        raise AssertionError(f"the scheduler has not parsed {dag_ids} after {timeout} s\n{tail}")

    def project_copy(self, worker: str, name: str) -> Path:
        return self.workers[worker].home / "projects" / name

    def where(self, dag_id: str, run_id: str) -> dict[tuple[str, int], str]:
        """(task id, attempt) -> the worker that ran it, for every attempt of the run."""
        ran: dict[tuple[str, int], str] = {}
        for worker in self.workers.values():
            for attempt in worker.attempts(dag_id, run_id):
                assert attempt not in ran, f"{attempt} ran on both {ran[attempt]} and {worker.name}"
                ran[attempt] = worker.name
        return ran


def write_cluster_env(
    project: Path, bucket: str, datasets: list[str], airflow_yml: dict | None = None
) -> None:
    """conf/cluster/ of ``project``: ``datasets`` (catalog entries of conf/base with paths under data/)
    moved to ``bucket`` on the store, and ``airflow_yml`` as its airflow.yml."""
    base = yaml.safe_load((project / "conf" / "base" / "catalog.yml").read_text())
    moved = {}
    for name in datasets:
        entry = base[name]
        assert entry["filepath"].startswith("data/"), entry
        moved[name] = {**entry, "filepath": f"{bucket}/{entry['filepath'].removeprefix('data/')}"}
    folder = project / "conf" / ENV
    folder.mkdir()
    (folder / "catalog.yml").write_text(yaml.safe_dump(moved))
    if airflow_yml:
        (folder / "airflow.yml").write_text(yaml.safe_dump(airflow_yml))
