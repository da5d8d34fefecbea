"""Data science pipeline: model input table to a fitted model and its metrics."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from .nodes import evaluate_model, predict, split_data, summarise_features, train_model


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the data science pipeline.

    ``X_train``, ``X_test``, ``y_train``, ``y_test`` and ``y_pred`` are not in
    the catalog, so they only live in memory for the duration of a run.
    """
    return Pipeline(
        [
            Node(
                func=split_data,
                inputs=["model_input_table", "params:model_options"],
                outputs=["X_train", "X_test", "y_train", "y_test"],
                name="split_data_node",
            ),
            Node(
                func=summarise_features,
                inputs=["X_train", "y_train"],
                outputs="feature_summary",
                name="feature_summary_node",
                tags="reporting",
            ),
            Node(
                func=train_model,
                inputs=["X_train", "y_train"],
                outputs="regressor",
                name="train_model_node",
                tags="training",
            ),
            Node(
                func=predict,
                inputs=["regressor", "X_test"],
                outputs="y_pred",
                name="predict_node",
            ),
            Node(
                func=evaluate_model,
                inputs=["y_pred", "y_test"],
                outputs="metrics",
                name="evaluate_model_node",
                tags="reporting",
            ),
        ]
    )
