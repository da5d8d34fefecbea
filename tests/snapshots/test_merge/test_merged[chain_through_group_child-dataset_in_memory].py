# conflict: the DAG function ownership: eu.score >> check_scores: added here, but the pipeline no longer has eu.score; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: check_scores >> report: added here, but the pipeline no longer has report; undo the edit, regenerate, then redo it
