"""Policy as code: record policies in CEL, SLAs, freeze windows and waivers.

Between the engine (which gathers records and facts) and the built-in
rules: policies are compiled once and evaluated as pure functions.
"""
