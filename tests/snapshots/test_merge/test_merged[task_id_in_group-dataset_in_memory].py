# conflict: task eu.score: edited here, but the pipeline no longer has it; undo the edit, regenerate, then redo it
