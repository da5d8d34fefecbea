# conflict: the DAG function ownership: eu.audit >> archive: added here, but the pipeline no longer has eu.audit; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: eu.audit >> notify: added here, but the pipeline no longer has eu.audit; undo the edit, regenerate, then redo it
