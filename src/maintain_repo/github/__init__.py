"""GitHub through PyGithub: configuration, the adapter, hidden markers.

`api` is the small interface the engine sees, `client` implements it over
PyGithub (retries, idempotent creates, dry runs), `config` reads flags and
the environment Actions provides, `markers` finds our own objects again.
"""
