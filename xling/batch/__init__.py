"""The batch path: corpora in (files, folders, JSON Lines, Parquet), the pipeline over them in this process or on
Ray Data, and the stages people reuse in their own Ray pipelines. Importing the package loads nothing heavy."""
