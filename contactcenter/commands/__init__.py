"""The command line's commands beyond serve: the database, watching the event stream."""
