"""GitHub through PyGithub: configuration, the adapter, hidden markers.

`api` is the small interface the engine sees, `client` implements it over
PyGithub (idempotent creates, dry runs), `transport` carries PyGithub's
requests within our limits (deadline, size, origin, waits), `retry` says
when a request is tried again, how long to wait and how a failure reads,
`config` reads flags, the token and the environment Actions provides,
`markers` finds our own objects again.
"""
