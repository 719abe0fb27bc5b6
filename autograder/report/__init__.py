"""Step 5 of grading: what people read (tables) and what tools read (JSON, CSV, SQLite)."""
