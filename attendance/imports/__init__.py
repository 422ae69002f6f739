"""The attendance import: a file checked and applied with set-based SQL, all or nothing.

reading.py streams the file into a temporary staging table with COPY; checks.py finds every
problem with a few set-based queries; applying.py writes pupils, enrolments and records;
derived.py recomputes the affected pupils' year-to-date figures, the queue and the at-risk list;
run.py ties them together in one transaction and reports progress through Redis.
"""
