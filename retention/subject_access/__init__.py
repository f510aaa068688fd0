"""The subject-access export (issue 14): everything the data map says is held on one child.

A reader of the data map (records/datamap.py), like the "What we hold" page: `export` walks
every Entry that reaches a child and writes the child's rows, one query per entry, into a ZIP
built in a temporary file; `services` writes the export into the access log and the child's
audit history; `views` are the Admin's or Manager's warning page and the download.
"""
