# conflict: the DAG function ownership: weekly_report = report.override(task_id="weekly_report")(): bound here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
