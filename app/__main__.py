from app.cli import main

main(prog_name="scorm-api")
