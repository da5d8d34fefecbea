# conflict: the DAG function ownership: eu.audit >> archive: added here, but the pipeline moved eu.audit to audit; undo the edit, regenerate, then redo it
# conflict: the DAG function ownership: eu.audit >> notify: added here, but the pipeline moved eu.audit to audit; undo the edit, regenerate, then redo it
