"""Instructor verbs that turn the course sources into what students get."""
