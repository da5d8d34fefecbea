# conflict: the DAG function ownership: report >> notify: added here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
