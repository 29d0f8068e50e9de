"""The SQLite store: one database, WAL, PRAGMA user_version migrations."""
