"""The live session: cursor, checkpoints and time travel."""
