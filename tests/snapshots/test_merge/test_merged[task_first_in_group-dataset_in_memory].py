# conflict: group eu: check_orders >> score: added here, but the pipeline no longer has score; undo the edit, regenerate, then redo it
