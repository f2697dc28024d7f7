"""The compare pipeline, one module per job: the result model (results), reading the inputs (inputs), getting
English for a source (english, which `xling find` shares), matching (compare, and stages for the batch engine),
writing the outputs (outputs) and the HTML report (report). It drives the library layers (translate, align) and
sits below the CLI, so nothing here imports click."""
