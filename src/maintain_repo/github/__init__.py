"""GitHub through PyGithub: configuration, the adapter, hidden markers.

`api` is the small interface the engine sees, `client` implements it over
PyGithub (idempotent creates, dry runs), `retry` says when a request is
tried again and how a failure reads, `config` reads flags and the
environment Actions provides, `markers` finds our own objects again.
"""
