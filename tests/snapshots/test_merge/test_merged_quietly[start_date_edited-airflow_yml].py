# conflict: the DAG function ownership: @dag argument start_date: its positional arguments: edited here and changed by the pipeline; undo the edit, regenerate, then redo it
