# conflict: the DAG function ownership: @dag argument default_args["retries"]: edited here and changed by the pipeline; undo the edit, regenerate, then redo it
