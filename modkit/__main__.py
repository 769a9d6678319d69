"""``python -m modkit`` runs the command line."""

from modkit.cli import main

main()
