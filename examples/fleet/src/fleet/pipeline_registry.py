"""Project pipelines."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from fleet.pipelines import consolidation, handover, regional, reporting

# Each region is a namespace of the regional pipeline, with its own section in
# conf/base/parameters.yml.
REGIONS = ("eu", "us")


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Pipelines are listed explicitly (rather than discovered) so the registry is
    the same on every machine.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    regional_pipeline = regional.create_pipeline(regions=REGIONS)
    consolidation_pipeline = consolidation.create_pipeline(regions=REGIONS)
    reporting_pipeline = reporting.create_pipeline()
    return {
        "__default__": regional_pipeline + consolidation_pipeline + reporting_pipeline,
        "regional": regional_pipeline,
        # Everything downstream of the regional models; it reads their persisted
        # raw orders and metrics, so run `regional` (or everything) first.
        "reporting": consolidation_pipeline + reporting_pipeline,
        # Not part of __default__: a two-node example of transcoding (one file
        # written as JSON, read back as text); see pipelines/handover.
        "handover": handover.create_pipeline(),
    }
