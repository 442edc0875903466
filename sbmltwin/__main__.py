"""``python -m sbmltwin`` runs the command line."""

from sbmltwin.cli import main

main()
