"""Small real Kedro projects written to disk by the tests, from plain data.

Node and dataset names reach the project only through JSON files, so the tests can use any
string Kedro accepts. Every node returns a JSON-able record of what it received, so a run's
outputs show whether data flowed exactly as the pipeline says.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kedro.pipeline.transcoding import _strip_transcoding


@dataclass(frozen=True)
class Node:
    name: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    namespace: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    package: str
    pipelines: dict[str, tuple[Node, ...]]
    persisted: frozenset[str] = field(default_factory=frozenset)  # stored as JSON files
    versioned: frozenset[str] = field(default_factory=frozenset)  # of those, the ones Kedro versions
    params: dict = field(default_factory=dict)
    conf: dict[str, str] = field(default_factory=dict)  # more files under conf/, by path: text
    # The registry finds pipelines.json from the working directory, as `kedro run` (which runs in
    # the project folder) lets a project do: ./src/<package>/pipelines.json.
    relative_registry: bool = False

    def node_edges(self, pipeline: str) -> set[tuple[str, str]]:
        """Kedro's dependency graph between full node names (``x@a`` and ``x@b`` are one dataset)."""
        nodes = self.pipelines[pipeline]
        base = _strip_transcoding
        producer = {base(d): full_name(n) for n in nodes for d in n.outputs}
        return {(producer[base(d)], full_name(n)) for n in nodes for d in n.inputs if base(d) in producer}


def full_name(node: Node) -> str:
    return f"{node.namespace}.{node.name}" if node.namespace else node.name


PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "{package}"
version = "0.1"

[tool.kedro]
package_name = "{package}"
project_name = "{package}"
kedro_init_version = "1.7.0"
source_dir = "src"
"""

SETTINGS = '"""Project settings: Kedro defaults."""\n'

REGISTRY = '''\
"""Pipelines read from pipelines.json, so that any name Kedro accepts can be used."""

import json
from pathlib import Path

from kedro.pipeline import Node, Pipeline

SPEC = json.loads(({spec_file}).read_text(encoding="utf-8"))


def _function(name, count):
    def record(*inputs):
        value = {"node": name, "inputs": list(inputs)}
        return [value] * count if count else None

    return record


def register_pipelines():
    return {
        pipeline: Pipeline(
            [
                Node(
                    _function(n["name"], len(n["outputs"])),
                    n["inputs"] or None,
                    n["outputs"] or None,
                    name=n["name"],
                    namespace=n["namespace"],
                    tags=n["tags"],
                )
                for n in nodes
            ]
        )
        for pipeline, nodes in SPEC.items()
    }
'''


def write_project(root: Path, project: Project) -> Path:
    """Write ``project`` under ``root / package`` and return the project folder."""
    path = root / project.package
    src = path / "src" / project.package
    src.mkdir(parents=True)
    (path / "conf" / "base").mkdir(parents=True)
    (path / "conf" / "local").mkdir()
    (path / "data").mkdir()
    (path / "pyproject.toml").write_text(PYPROJECT.format(package=project.package))
    (src / "__init__.py").write_text("")
    (src / "settings.py").write_text(SETTINGS)
    spec_file = (
        f'Path("src/{project.package}/pipelines.json")'
        if project.relative_registry
        else 'Path(__file__).parent / "pipelines.json"'
    )
    (src / "pipeline_registry.py").write_text(REGISTRY.replace("{spec_file}", spec_file))
    spec = {
        name: [
            {
                "name": n.name,
                "inputs": list(n.inputs),
                "outputs": list(n.outputs),
                "namespace": n.namespace,
                "tags": list(n.tags),
            }
            for n in nodes
        ]
        for name, nodes in project.pipelines.items()
    }
    (src / "pipelines.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    catalog = {
        name: {"type": "json.JSONDataset", "filepath": f"data/{data_file(name)}"}
        | ({"versioned": True} if name in project.versioned else {})
        for name in sorted(project.persisted)
    }
    # JSON is YAML: names reach the catalog without any YAML quoting of ours.
    (path / "conf" / "base" / "catalog.yml").write_text(
        json.dumps(catalog, ensure_ascii=False), encoding="utf-8"
    )
    produced = {d for nodes in project.pipelines.values() for n in nodes for d in n.outputs}
    for name in sorted(project.persisted - produced):  # the pipelines' raw data
        (path / "data" / data_file(name)).write_text(json.dumps({"raw": name}), encoding="utf-8")
    (path / "conf" / "base" / "parameters.yml").write_text(json.dumps(project.params), encoding="utf-8")
    for name, text in project.conf.items():
        (path / "conf" / name).parent.mkdir(parents=True, exist_ok=True)
        (path / "conf" / name).write_text(text, encoding="utf-8")
    return path


def data_file(dataset: str) -> str:
    return hashlib.sha1(dataset.encode()).hexdigest()[:12] + ".json"
