# conflict: ownership comment: the merge lost what you added, `# The EU group waits for the cleaned orders.` (verified: every hand edit is kept); undo the edit, regenerate, then redo it
