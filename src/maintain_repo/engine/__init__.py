"""Orchestration: gather files and facts, run rules and policies, build reports.

Submodules: `check` (maintain check), `files` (checking one file),
`speculate` (checking named files ahead, in a child process), `new`
(maintain new), `schemas` (maintain schema export|check). This package
imports nothing itself, so starting a child early costs nothing.
"""
