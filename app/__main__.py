"""`python -m app` runs anitui."""

from app.cli import main

raise SystemExit(main())
