"""`python -m hardgate_pipeline ENV`: what `pipeline/run ENV` executes."""

from hardgate_pipeline.cli import main

main(prog_name="pipeline/run")
