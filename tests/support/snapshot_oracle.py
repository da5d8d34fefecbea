"""The reader as it was: a ProjectSpec built from ``kedro.inspection.get_project_snapshot``.

The reader now reads the project through Kedro's public API without the snapshot; the tests
require both to give the same ProjectSpec, field for field.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from kedro_taskflow.model import NodeSpec, PipelineSpec, ProjectSpec
from kedro_taskflow.reader import _LOGGING, _MEMORY_TYPES, _absolute, _airflow_config, check_project
from kedro_taskflow.runtime.task_logging import KEDRO_NOISE, import_kedro_project_module


def snapshot_spec(path: Path, env: str | None = None, conf_source: str | None = None) -> ProjectSpec:
    """The ProjectSpec the snapshot gives (without the reader's checks of its arguments)."""
    path = check_project(path)
    import_kedro_project_module(_LOGGING)
    from kedro.inspection import get_project_snapshot

    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("ignore", message=KEDRO_NOISE)
        snapshot = get_project_snapshot(path, env=env, conf_source=_absolute(path, conf_source))
        airflow_config, airflow_files = _airflow_config(path, env, _absolute(path, conf_source))
    return ProjectSpec(
        project_name=snapshot.metadata.project_name,
        package_name=snapshot.metadata.package_name,
        pipelines=tuple(
            PipelineSpec(name=p.name, nodes=tuple(_node(n) for n in p.nodes)) for p in snapshot.pipelines
        ),
        persisted=frozenset(
            name for name, ds in snapshot.datasets.items() if ds.type.rsplit(".", 1)[-1] not in _MEMORY_TYPES
        ),
        warnings=tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)),
        airflow_config=airflow_config,
        airflow_files=airflow_files,
        filepaths={name: ds.filepath for name, ds in snapshot.datasets.items() if ds.filepath},
    )


def _node(node) -> NodeSpec:
    source = node.source and f"{node.source.filepath}:{node.source.line_start}"
    return NodeSpec(
        name=node.name,
        namespace=node.namespace,
        inputs=tuple(node.inputs),
        outputs=tuple(node.outputs),
        tags=tuple(node.tags),
        source=source,
        func_name=getattr(node, "func_name", None),
    )
