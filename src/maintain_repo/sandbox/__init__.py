"""Running repository-supplied expressions with bounded time and memory.

Record policies and probe conditions are CEL written in the repository, so
any pull request can change them. The CEL engine bounds loop iterations, but
not memory or time: a chain of `replace` calls doubles a string at every
step, `split('')` inside a loop allocates millions of values, and C++ code
cannot be interrupted from Python. So evaluation runs in forked child
processes (`pool`) whose address space is capped and whose every evaluation
is armed with a CPU timer that ends the process (`guard`); the parent sees
which evaluation was running, reports it, and carries on with the rest.
"""
