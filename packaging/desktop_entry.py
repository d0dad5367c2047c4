"""Entry of the desktop binary (`scorm-api`): a double-click opens the desktop app; with
arguments it is the whole `scorm-api` command line."""

from scorm_api.cli import main_with_default

main_with_default("desktop")
