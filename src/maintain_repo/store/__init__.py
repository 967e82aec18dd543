"""The ops repository on disk: discovery, YAML, ids, atomic writes, caches."""
