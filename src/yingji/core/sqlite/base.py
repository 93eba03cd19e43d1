"""Django's SQLite backend, plus `PRAGMA optimize` before each connection closes.

SQLite's planner has no statistics until ANALYZE has run; without them it picks poor plans on big
tables (page 1 of 100k rescue forces sorted by township: 190 ms through the wrong index, 18 ms with
statistics). SQLite recommends `PRAGMA optimize` before closing every connection: it analyses only the
tables this connection's queries would have planned better with statistics, so it costs nothing most
of the time. Connections close after every request (CONN_MAX_AGE = 0 for SQLite).
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and not self.is_in_memory_db():
            try:
                # SQLite < 3.46 sets no limit of its own: without one a big table is analysed whole.
                self.connection.execute("PRAGMA analysis_limit=1000")
                self.connection.execute("PRAGMA optimize")
            except base.Database.Error:
                pass  # a busy or read-only database: keep the old statistics, still close
        super()._close()
