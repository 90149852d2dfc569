-- One row that the health check rewrites, to prove that the database
-- still takes writes (a full disk fails it). One row in a table of its
-- own keeps each probe to a single page in the WAL.
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);
