"""Built-in checks: pure functions from records (or their facts) to findings.

No rule reads a file, runs git or touches the network; the engine gathers
everything first and passes it in.
"""
