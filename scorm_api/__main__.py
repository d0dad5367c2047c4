from scorm_api.cli import main

main(prog_name="scorm-api")
