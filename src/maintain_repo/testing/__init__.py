"""Test doubles that maintain ships for its tests and its users' (maintain never imports them).

`maintain_repo.testing.github` is an emulator of the part of GitHub's REST API
that maintain uses, served over HTTP on the loopback interface.
"""
