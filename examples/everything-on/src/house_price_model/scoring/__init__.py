"""Batch scoring: predict a whole file of records with the champion, a chunk at a time."""

from ..commands import Command

COMMAND = Command(
    "score",
    "score a CSV or Parquet file of records with the champion",
    position=75,
    options=(
        (
            "records",
            {
                "nargs": "?",
                "metavar": "INPUT",
                "help": "records to score: a .csv or .parquet file with the schema's features "
                "(other columns are copied to the predictions; default: scoring.input)",
            },
        ),
        (
            "--output",
            {
                "metavar": "FOLDER",
                "help": "folder for predictions.csv, rejects.csv and summary.json, replaced "
                "all at once (default: scoring.output_dir)",
            },
        ),
    ),
    reads=("registry.champion_dir", "scoring.input"),
    writes=("scoring.output_dir",),
)
