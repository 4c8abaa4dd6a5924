-- 0002: hires per (year, department, job) and quarter, for the reports. Every path that writes
-- hired_employees keeps these counts exact in its own transaction (db/hire_counts.hpp), so a
-- report reads about departments x jobs rows instead of every hire. Filled here from the hires
-- already stored (datetime is RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS...Z).
CREATE TABLE hire_counts (
  year          INTEGER NOT NULL,
  department_id INTEGER NOT NULL,
  job_id        INTEGER NOT NULL,
  q1            INTEGER NOT NULL DEFAULT 0,
  q2            INTEGER NOT NULL DEFAULT 0,
  q3            INTEGER NOT NULL DEFAULT 0,
  q4            INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (year, department_id, job_id)
) WITHOUT ROWID;

INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4)
SELECT CAST(substr(datetime, 1, 4) AS INTEGER), department_id, job_id,
       sum((CAST(substr(datetime, 6, 2) AS INTEGER) + 2) / 3 = 1),
       sum((CAST(substr(datetime, 6, 2) AS INTEGER) + 2) / 3 = 2),
       sum((CAST(substr(datetime, 6, 2) AS INTEGER) + 2) / 3 = 3),
       sum((CAST(substr(datetime, 6, 2) AS INTEGER) + 2) / 3 = 4)
FROM hired_employees
GROUP BY 1, 2, 3;

-- A number that grows with every committed load, so a cached report can tell it is still
-- current with one tiny read (SQLite has one writer at a time: one row is enough).
CREATE TABLE data_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  commits INTEGER NOT NULL
);
INSERT INTO data_version (id, commits) VALUES (1, 0);
