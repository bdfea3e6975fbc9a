-- name: machines
-- description: The machines in the database, with how many results (and valid ones) each has.
-- params:
WITH counts AS (
    SELECT machine_id, count(*) AS results, count(*) FILTER (WHERE status = 'ok') AS ok_results,
           max(created_at) AS latest_result
    FROM results
    GROUP BY machine_id
)
SELECT m.machine_id, m.label, m.source, m.cpu_brand, array_to_string(m.gpu_names, ', ') AS gpus,
       coalesce(c.results, 0) AS results, coalesce(c.ok_results, 0) AS ok_results,
       c.latest_result, m.first_seen, m.last_seen
FROM machines m
LEFT JOIN counts c USING (machine_id)
ORDER BY m.last_seen DESC NULLS LAST
