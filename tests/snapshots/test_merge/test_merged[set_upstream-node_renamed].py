# conflict: the DAG function ownership: clean_task = clean(): bound here, but the pipeline no longer has clean; undo the edit, regenerate, then redo it
