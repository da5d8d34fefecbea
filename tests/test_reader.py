"""The reader gives the ProjectSpec that ``kedro.inspection.get_project_snapshot`` gives (the
reader's former way, kept as an oracle in support/snapshot_oracle.py), field for field, and prints
nothing more while reading."""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import inspect
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from support.environment import EXAMPLES, ROOT, SUPPORT
from support.kedro_projects import PYPROJECT, SETTINGS

from kedro_taskflow import reader
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import ProjectSpec, Storage

CATALOG = """\
_folder: data/01_raw  # not a dataset: a string for interpolation
_csv: &csv
  type: pandas.CSVDataset
  credentials: base_credentials
companies:
  <<: *csv
  filepath: ${_folder}/companies.csv
shuttles:
  type: pandas.CSVDataset
  filepath: s3://user:secret@bucket/shuttles.csv
  credentials: s3_credentials
_private:
  type: pandas.CSVDataset
  filepath: data/private.csv
reviews@pandas:
  type: pandas.CSVDataset
  filepath: data/reviews.csv
  versioned: true
reviews@spark:
  type: spark.SparkDataset
  filepath: data/reviews.csv
  versioned: true
partitions:
  type: partitions.PartitionedDataset
  path: s3://key:secret@bucket/partitions
  dataset: pandas.CSVDataset
scratch:
  type: MemoryDataset
"{namespace}.{name}_table":
  type: pandas.ParquetDataset
  filepath: s3://key:token@lake/{namespace}/{name}.parquet
  credentials: "{namespace}_credentials"
  load_args:
    storage_options:
      credentials: nested_credentials
"{name}_table":
  type: pandas.ParquetDataset
  filepath: data/{name}.parquet
  credentials: lake
"{name}@spark":
  type: spark.SparkDataset
  filepath: data/{name}.delta
"{name}_empty": {}
"{name}_shared":
  type: kedro.io.SharedMemoryDataset
"{default}":
  type: pickle.PickleDataset
  filepath: data/06_models/{default}.pkl
  credentials: catch_all
"""

# Functions defined in the project, by decorators with and without functools.wraps.
NODES = '''\
"""Node functions."""

import dataclasses
import functools
import importlib.metadata


def logged(func):
    @functools.wraps(func)
    def wrapper(*args):
        return func(*args)

    return wrapper


def opaque(func):
    def wrapper(*args):  # no functools.wraps: the source is this wrapper
        return func(*args)

    return wrapper


def plain(*args):
    return args[0] if args else None


@logged
@logged
def decorated(*args):
    return args[0]


@opaque
def hidden(*args):
    return args[0]


def scaled(x, factor):
    return x


class Model:
    def fit(self, x, extra):
        return x

    @staticmethod
    def score(x):
        return x
'''

REGISTRY = '''\
"""Pipelines that use every kind of node function."""

import dataclasses
import functools
import importlib.metadata
import posixpath

from kedro.pipeline import Node, Pipeline

from .nodes import Model, decorated, hidden, plain, scaled


def register_pipelines():
    first = Pipeline(
        [
            Node(plain, ["companies", "params:alpha"], "prepared_table", name="prepare", tags=["z", "a"]),
            Node(decorated, "prepared_table", "featured_table", name="decorate"),
            Node(hidden, "featured_table", "reviews@pandas", tags=["m", "b", "a"]),
            Node(functools.partial(scaled, factor=2), "reviews@spark", "scaled_empty", name="scale"),
            Node(functools.partial(scaled, factor=3), "scaled_empty", "rescaled_shared"),
            Node(lambda x: x, "rescaled_shared", "mapped", name="map"),
            Node(posixpath.normpath, "mapped", "normalised@spark", name="normalise"),
            Node(Model().fit, ["shuttles", "_private"], "fitted", name="fit"),
            Node(Model.score, "fitted", "scratch", name="score"),
            Node(max, ["scratch", "parameters"], "maximum", name="maximum"),
        ]
    )
    second = Pipeline(
        [Node(decorated, "companies", "region_table", name="again"), Node(plain, "shuttles", "summary")],
        namespace="eu",
        inputs={"companies", "shuttles"},
        prefix_datasets_with_namespace=True,
    )
    return {"__default__": first + second, "first": first, "second": second, "nothing": None}
'''


def write_tricky_project(root: Path) -> Path:
    """A project with factory patterns (a catch-all one too), transcoded names, credentials, and
    node functions decorated, partial, lambda, bound methods, built-in, and outside the project."""
    path = root / "tricky"
    src = path / "src" / "tricky"
    src.mkdir(parents=True)
    (path / "pyproject.toml").write_text(PYPROJECT.format(package="tricky"))
    for folder in ("base", "local", "staging"):
        (path / "conf" / folder).mkdir(parents=True)
    (path / "conf" / "base" / "catalog.yml").write_text(CATALOG)
    (path / "conf" / "base" / "parameters.yml").write_text("alpha: 1\n")
    (path / "conf" / "staging" / "catalog.yml").write_text(
        "companies:\n  type: MemoryDataset\n'{name}_table':\n  type: MemoryDataset\n"
    )
    (path / "conf" / "base" / "airflow.yml").write_text("default:\n  retries: 1\n")
    (src / "__init__.py").write_text("")
    (src / "settings.py").write_text(SETTINGS)
    (src / "nodes.py").write_text(NODES)
    (src / "pipeline_registry.py").write_text(REGISTRY)
    return path


def read_in_fresh_interpreter(how: str, project: Path, env: str | None, out: Path, conf_source=None):
    """(ProjectSpec, stdout, stderr) of one read in a new process, with a fixed hash seed so that
    sets iterate alike in both processes."""
    result = subprocess.run(
        [
            sys.executable,
            str(SUPPORT / "read_spec.py"),
            how,
            str(project),
            env or "-",
            conf_source or "-",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return pickle.loads(out.read_bytes()), result.stdout, result.stderr


def snapshot_fields(read):
    """A read ProjectSpec without what the snapshot does not give (where datasets are stored:
    test_where_each_dataset_is_stored checks it), or the error it pickled."""
    return dataclasses.replace(read, storage={}) if isinstance(read, ProjectSpec) else read


@pytest.fixture(scope="module")
def benchmark_project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("benchmark")
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_project.py"), "100", str(folder)],
        check=True,
        capture_output=True,
    )
    return folder / "bench_100"


@pytest.mark.parametrize(
    "case, env, conf_source",
    [
        ("spaceflights", None, None),
        ("spaceflights", "production", None),
        ("spaceflights", "production", "conf"),
        ("fleet", None, None),
        ("benchmark", None, None),
        ("tricky", None, None),
        ("tricky", "staging", None),
    ],
)
def test_the_reader_gives_what_the_snapshot_gives(case, env, conf_source, benchmark_project, tmp_path):
    project = {**EXAMPLES, "benchmark": benchmark_project}.get(case) or write_tricky_project(tmp_path)
    read, out, err = read_in_fresh_interpreter("reader", project, env, tmp_path / "r.pickle", conf_source)
    expected, expected_out, expected_err = read_in_fresh_interpreter(
        "snapshot", project, env, tmp_path / "s.pickle", conf_source
    )
    assert snapshot_fields(read) == expected
    assert list(read.filepaths.items()) == list(expected.filepaths.items())  # in the same order too
    assert (out, err) == (expected_out, expected_err)
    if case == "tricky":
        assert (out, err) == ("", "")  # nor the resolver's warning about the catch-all pattern


def test_where_each_dataset_is_stored(tmp_path):
    """Its filepath or (partitioned) path without credentials, whether it is versioned, and the
    factory pattern it came from; nothing for what has neither (memory, an empty pattern)."""
    project = write_tricky_project(tmp_path)
    read, _, _ = read_in_fresh_interpreter("reader", project, None, tmp_path / "r.pickle")
    assert read.storage == {
        "companies": Storage("data/01_raw/companies.csv"),
        "shuttles": Storage("s3://bucket/shuttles.csv"),
        "reviews@pandas": Storage("data/reviews.csv", versioned=True),
        "reviews@spark": Storage("data/reviews.csv", versioned=True),
        "partitions": Storage("s3://bucket/partitions"),
        "prepared_table": Storage("data/prepared.parquet", pattern="{name}_table"),
        "featured_table": Storage("data/featured.parquet", pattern="{name}_table"),
        "normalised@spark": Storage("data/normalised.delta", pattern="{name}@spark"),
        "eu.region_table": Storage("s3://lake/eu/region.parquet", pattern="{namespace}.{name}_table"),
        **{
            name: Storage(f"data/06_models/{name}.pkl", pattern="{default}")
            # as the snapshot lists them, the catch-all matches parameters and "_private" too
            for name in ("fitted", "mapped", "maximum", "eu.summary")
            + ("_private", "parameters", "params:alpha")
        },
    }


BROKEN_PATTERNS = {
    "unused, placeholder not in the name": {
        "{name}_unused": {"type": "pandas.CSVDataset", "filepath": "{nam}"}
    },
    "used, placeholder not in the name": {"{name}_table": {"type": "pandas.CSVDataset", "filepath": "{nam}"}},
    "used, null": {"{name}_table": None},
    "used, a string": {"{name}_table": "pandas.CSVDataset"},
    "used, empty": {"{name}_table": {}},
    "two catch-alls": {"{a}": {"type": "MemoryDataset"}, "{b}": {"type": "MemoryDataset"}},
}


@pytest.mark.parametrize("case", BROKEN_PATTERNS)
def test_the_reader_fails_where_the_snapshot_fails(case, tmp_path):
    """Patterns Kedro's catalog would refuse: the reader reads or fails as the snapshot did, with
    the same error."""
    project = write_tricky_project(tmp_path)
    (project / "conf" / "local" / "catalog.yml").write_text(json.dumps(BROKEN_PATTERNS[case]))
    read, _, _ = read_in_fresh_interpreter("reader", project, None, tmp_path / "r.pickle")
    expected, _, _ = read_in_fresh_interpreter("snapshot", project, None, tmp_path / "s.pickle")
    assert snapshot_fields(read) == expected
    assert isinstance(read, str) != (case in ("unused, placeholder not in the name", "used, empty")), read


def test_the_tricky_project_is_read_as_kedro_would_run_it(tmp_path):
    """Spot checks that the comparison above covers what it should."""
    spec, _, _ = read_in_fresh_interpreter(
        "reader", write_tricky_project(tmp_path), None, tmp_path / "reader.pickle"
    )
    nodes = {n.name: n for p in spec.pipelines for n in p.nodes}

    def line(text: str) -> str:  # the first line of nodes.py that is text, indented or not
        return f"src/tricky/nodes.py:{[s.strip() for s in NODES.splitlines()].index(text) + 1}"

    assert [p.name for p in spec.pipelines] == ["__default__", "first", "second"]
    assert nodes["prepare"].tags == ("a", "z") and nodes["prepare"].source == line("def plain(*args):")
    decorated = line("@logged")  # the first decorator's line, as getsourcelines gives it
    assert nodes["decorate"].source == decorated
    assert nodes["eu.again"].source == decorated and nodes["eu.again"].func_name == "decorated"
    assert nodes["fit"].source == line("def fit(self, x, extra):") and nodes["fit"].func_name == "fit"
    hidden = next(n for n in nodes.values() if n.func_name == "wrapper")  # unnamed, by opaque
    assert hidden.source == line("def wrapper(*args):  # no functools.wraps: the source is this wrapper")
    assert nodes["scale"].func_name == "<partial>" and nodes["scale"].source is None
    assert (nodes["map"].func_name, nodes["map"].source) == ("<lambda>", None)
    assert (nodes["normalise"].func_name, nodes["normalise"].source) == ("normpath", None)
    assert (nodes["maximum"].func_name, nodes["maximum"].source) == ("max", None)
    assert any("made from a 'partial' function" in w for w in spec.warnings)
    assert spec.filepaths["shuttles"] == "s3://<redacted>@bucket/shuttles.csv"
    assert spec.filepaths["eu.region_table"] == "s3://<redacted>@lake/eu/region.parquet"
    assert spec.filepaths["prepared_table"] == "data/prepared.parquet"
    assert spec.filepaths["normalised@spark"] == "data/normalised.delta"
    assert spec.filepaths["params:alpha"] == "data/06_models/params:alpha.pkl"  # the catch-all
    assert spec.filepaths["_private"] == "data/06_models/_private.pkl"  # as the snapshot has it
    assert {"scaled_empty", "reviews@spark", "mapped"} <= spec.persisted
    assert not {"rescaled_shared", "scratch"} & spec.persisted
    assert spec.airflow_config == {"default": {"retries": 1}}


def test_findsource_gives_the_first_line_getsourcelines_gives():
    """The reader's shortcut: ``inspect.findsource`` gives the line ``getsourcelines`` starts at
    (for functions, methods, classes and decorated functions) without tokenizing the body."""
    functions = [
        f
        for module in (functools, inspect, json, reader, pytest)
        for _, f in inspect.getmembers(module, lambda f: inspect.isfunction(f) or inspect.isclass(f))
    ]
    functions += [pytest.fixture, read_in_fresh_interpreter, benchmark_project, functools.cache(lambda: 1)]
    checked = 0
    for f in functions:
        try:
            expected = inspect.getsourcelines(f)[1]
        except (OSError, TypeError):
            continue
        assert inspect.findsource(inspect.unwrap(f))[1] + 1 == expected, f
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("version", ["0.19.14", "1.3.1", "0.18.0rc1"])
def test_an_older_kedro_is_refused_with_the_kedro_it_needs(version):
    with pytest.raises(UsageError) as raised:
        reader.check_kedro(version)
    assert str(raised.value) == (
        f"kedro-taskflow needs Kedro >= 1.4, and this environment has Kedro {version}: "
        "upgrade it (pip install 'kedro>=1.4,<2')."
    )


@pytest.mark.parametrize("version", ["1.4.0", "1.7.0", "2.0.0.dev1"])
def test_kedro_from_the_needed_version_on_is_accepted(version):
    reader.check_kedro(version)


def test_the_kedro_needed_is_what_the_package_requires():
    requires = importlib.metadata.requires("kedro-taskflow")
    assert "kedro<2,>=1.4" in requires or "kedro>=1.4,<2" in requires, requires
    assert reader.KEDRO_NEEDED == (1, 4)


def test_each_copy_of_a_project_is_read_from_its_own_folder(tmp_path):
    """Kedro imports a project's package by name: reading another copy of it in the same process
    (two checkouts, a test's copies) reads that copy's pipelines and sources, not the first one's."""
    from support.cases import CHAIN
    from support.kedro_projects import Node, write_project

    first = dataclasses.replace(CHAIN, package="copied_project")
    publish = Node("publish", ("loaded",), ("published",))
    second = dataclasses.replace(first, pipelines={"__default__": (*first.pipelines["__default__"], publish)})
    one = write_project(tmp_path / "one", first)
    two = write_project(tmp_path / "two", second)
    for path, nodes in [(one, 3), (two, 4), (one, 3)]:
        (pipeline,) = reader.read_project(path).pipelines
        assert len(pipeline.nodes) == nodes, path
        assert {n.source for n in pipeline.nodes} == {"src/copied_project/pipeline_registry.py:12"}, path
