"""The learner's own code: running it in a child process and checking it."""
