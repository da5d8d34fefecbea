# conflict: the DAG function ownership: eu.score >> on_weekdays: added here, but the pipeline no longer has eu.score; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: on_weekdays >> report: added here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
