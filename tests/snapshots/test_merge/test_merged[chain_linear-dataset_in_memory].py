# conflict: the DAG function ownership: eu.score >> archive: added here, but the pipeline no longer has eu.score; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: eu.score >> notify: added here, but the pipeline no longer has eu.score; undo the edit, regenerate, then redo it
