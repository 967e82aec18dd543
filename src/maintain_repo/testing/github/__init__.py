"""An emulator of the part of GitHub's REST API that maintain uses, for tests.

`Emulator` serves one repository on 127.0.0.1 over real HTTP (PyGithub talks to it with
`base_url=emu.base_url`); `Fault` describes errors and slow answers to inject. The
responses follow GitHub's OpenAPI description (the test suite checks every one of them).

Modules: `state` (the data), `render` (the API's shapes), `routes` (the endpoints),
`server` (HTTP, authentication, headers, recording), `faults`, `webhooks` (payloads),
`control` (the `/_emulator/` endpoints), `gitrepo` (contents from a bare git repository),
`heads` (what a pull request holds: from git or seeded),
`emulator` (the public class), `__main__` (the standalone command).
"""

from __future__ import annotations

from maintain_repo.testing.github.emulator import Emulator
from maintain_repo.testing.github.exchange import Exchange
from maintain_repo.testing.github.faults import Fault
from maintain_repo.testing.github.state import BOT_LOGIN, FileChange

__all__ = ["BOT_LOGIN", "Emulator", "Exchange", "Fault", "FileChange"]
