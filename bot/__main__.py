"""`python -m bot` is the same as the `anlaufstelle` command."""

from bot.cli import main

raise SystemExit(main())
