# conflict: the DAG function ownership: report >> notify: added here, but the pipeline moved report to eu.report; undo the edit, regenerate, then redo it
