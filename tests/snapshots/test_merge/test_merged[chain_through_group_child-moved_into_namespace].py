# conflict: the DAG function ownership: check_scores >> report: added here, but the pipeline moved report to eu.report; undo the edit, regenerate, then redo it
