"""Step 5 of grading: what people read and what tools read.

    table.py       result tables for the terminal
    batch.py       the batch verb's front end (progress, summary, --reports)
    gradebook.py   every graded submission in SQLite; CSV export
    student.py     a feedback page per student (Markdown, HTML)
    analytics.py   pass rates, scores and hinted bugs of a class, from the gradebook
    histogram.py   the score distribution as a PNG (matplotlib, optional)
    instructor.py  the class report (`python -m autograder report`)
    hints.py       a hint key's sentence as the reports print it
"""
