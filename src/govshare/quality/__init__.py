"""Data quality: check files against resource schemas, score and report (task 8)."""
