"""Facts from git (GitPython and git plumbing): configuration, diffs, history."""
