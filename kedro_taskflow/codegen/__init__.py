"""DagPlan and Target -> formatted source text. Pure: reads no files and no Kedro."""

from __future__ import annotations

import black

from kedro_taskflow.codegen.dag_module import build_module
from kedro_taskflow.codegen.formatting import format_code
from kedro_taskflow.codegen.printing import print_module
from kedro_taskflow.model import DagPlan
from kedro_taskflow.target import Target

BLACK_MODE = black.Mode(
    target_versions={black.TargetVersion.PY39},
    line_length=88,
    string_normalization=True,
    magic_trailing_comma=True,
    preview=False,
)


def render(plan: DagPlan, target: Target) -> str:
    """The DAG file's text for ``target``: built as a syntax tree, rendered as black formats it."""
    module = build_module(plan, target)
    printed = print_module(module)
    if printed is None:  # a node the printer leaves to LibCST
        return format_code(module.code, BLACK_MODE)
    return format_code(printed.code, BLACK_MODE, printed.units)
