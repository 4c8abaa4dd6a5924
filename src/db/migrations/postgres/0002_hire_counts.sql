-- 0002: hires per (year, department, job) and quarter, for the reports. Every path that writes
-- hired_employees records its changes to these counts in its own transaction (db/hire_counts.hpp),
-- so a report reads about departments x jobs rows instead of every hire. Filled here from the
-- hires already stored.
--
-- Loads append their changes to hire_count_deltas (insert-only: concurrent loads never wait on
-- each other's count rows); a compactor folds the deltas into hire_counts every second, and a
-- report adds the not-yet-folded deltas, so it is exact at any moment.
CREATE TABLE hire_counts (
  year          integer NOT NULL,
  department_id integer NOT NULL,
  job_id        integer NOT NULL,
  q1            bigint  NOT NULL DEFAULT 0,
  q2            bigint  NOT NULL DEFAULT 0,
  q3            bigint  NOT NULL DEFAULT 0,
  q4            bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (year, department_id, job_id)
);

INSERT INTO hire_counts (year, department_id, job_id, q1, q2, q3, q4)
SELECT extract(year FROM datetime AT TIME ZONE 'UTC')::integer, department_id, job_id,
       count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 1),
       count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 2),
       count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 3),
       count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 4)
FROM hired_employees
GROUP BY 1, 2, 3;

-- One row per load: its changes as parallel arrays (element i of each array is one key's change),
-- so a 1000-row batch appends one row rather than a row per (year, department, job) it touched.
CREATE TABLE hire_count_deltas (
  years          integer[] NOT NULL,
  department_ids integer[] NOT NULL,
  job_ids        integer[] NOT NULL,
  q1             bigint[]  NOT NULL,
  q2             bigint[]  NOT NULL,
  q3             bigint[]  NOT NULL,
  q4             bigint[]  NOT NULL
);

-- A number that grows with every committed load, so a cached report can tell it is still
-- current with one tiny read. One row per server connection (backend): concurrent loads never
-- update the same row; the data version is the sum.
CREATE TABLE data_version (
  backend_pid integer PRIMARY KEY,
  commits     bigint  NOT NULL
);
