"""Entry of the server-only binary (`scorm-api-server`, no Qt): with no arguments it serves;
with arguments it is the whole `scorm-api` command line."""

from scorm_api.cli import main_with_default

main_with_default("serve")
