# conflict: the DAG function ownership: report >> archive: added here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: report >> notify_board: added here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: report_task = report(): bound here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
