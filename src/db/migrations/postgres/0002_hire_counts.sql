-- 0002: hires per (year, department, job) and quarter, for the reports. Every path that writes
-- hired_employees keeps these counts exact in its own transaction (db/hire_counts.hpp), so a
-- report reads about departments x jobs rows instead of every hire. Filled here from the hires
-- already stored.
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
