"""``python -m sbmltwin.cli`` runs the command line (as ``python -m sbmltwin`` does)."""

from sbmltwin.cli import main

main()
