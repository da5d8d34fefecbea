# conflict: the DAG function ownership: weekly_report = report.override(task_id="weekly_report")(): bound here, but the pipeline moved report to eu.report; undo the edit, regenerate, then redo it
