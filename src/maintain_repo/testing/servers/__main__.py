"""`python -m maintain_repo.testing.servers`: runs the command line in `cli`."""

import sys

from maintain_repo.testing.servers.cli import main

if __name__ == "__main__":
    sys.exit(main())
