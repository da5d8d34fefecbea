"""conf/<env>/airflow*.yml -> DAG and task settings, validated. Pure: the reader loads the YAML.

The file is kedro-airflow's: a ``default:`` section and one section per pipeline name, pipeline
keys over default keys; per-task settings under ``tasks:``, keyed by selectors. The modules:

- ``schema``: the keys, which section takes each, their order, checks, built-in values and the
  reference's words for each (docs/configuration.md is rendered from it);
- ``values``: the checks of single values, and ``checked`` over a mapping (did-you-mean);
- ``where``: the file and key path a message names; ``parsing``: YAML data -> ``AirflowConfig``;
- ``selectors``, ``precedence``: which value each DAG and task setting takes, and from where;
- ``datasets``: outlets, their URIs, schedules on datasets; ``flavours``: isolated tasks;
- ``deployment``: what the settings must agree with where the DAG runs (isolated tasks, watcher
  execution, datasets on a local path between tasks on workers that share no disk).

The checks are plain functions rather than a validation library: pydantic (2.14, here) would
add about 90 ms to every ``generate`` for its import and first model (measured on the 2-core
test machine; this whole package imports in about 25 ms, most of it the standard library's
dataclasses, re and urllib), and its messages would still have to be rewritten into ours, key
path, did-you-mean and an example included; attrs validators would give nothing over these
functions. Parsing and applying airflow.yml to a 3,000-node DAG took 0.35-0.5 s before and after
this package was split out of one module (the same, within the loaded machine's noise).
"""

from kedro_taskflow.config.datasets import dataset_uri
from kedro_taskflow.config.deployment import (
    check_shared_filesystem,
    crossings_note,
    isolated_project_path,
    local_crossings,
)
from kedro_taskflow.config.parsing import AirflowConfig, Section, parse
from kedro_taskflow.config.precedence import apply, dag_only, form, given
from kedro_taskflow.config.schema import DAG_KEYS, DEFAULT_ARGS, EXECUTION, FLAVOUR, TRIGGER_RULES, written
from kedro_taskflow.config.values import OnPipeline, valid_uri

__all__ = [
    "DAG_KEYS",
    "DEFAULT_ARGS",
    "EXECUTION",
    "FLAVOUR",
    "TRIGGER_RULES",
    "AirflowConfig",
    "OnPipeline",
    "Section",
    "apply",
    "dag_only",
    "form",
    "given",
    "check_shared_filesystem",
    "crossings_note",
    "dataset_uri",
    "isolated_project_path",
    "local_crossings",
    "parse",
    "valid_uri",
    "written",
]
