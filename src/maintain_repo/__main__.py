from __future__ import annotations

from maintain_repo.cli import main

raise SystemExit(main())
