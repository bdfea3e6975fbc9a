-- name: decide_evidence
-- description: Evidence for the Decide engine: per framework, workload, size, scenario and device, the best valid result measured on a local machine (lowest p50) with its raw samples.
-- params: machine_id=
-- Valid = status 'ok', a measured p50, and no flag that voids the number. Results imported from other
-- machines or shipped as sample data are not "measured on this machine", so only local machines count.
-- An empty machine_id means every local machine.
WITH valid AS (
    SELECT r.*
    FROM results AS r
    LEFT JOIN machines AS m ON m.machine_id = r.machine_id
    WHERE r.status = 'ok'
      AND r.p50_ms IS NOT NULL
      AND NOT list_has_any(coalesce(r.flags, []), ['output_mismatch', 'faster_than_peak', 'inconsistent_latency_throughput'])
      AND coalesce(m.source, r.source, 'local') = 'local'
      AND (coalesce($machine_id, '') = '' OR r.machine_id = $machine_id)
),
best AS (
    SELECT *,
           row_number() OVER (
               PARTITION BY framework, workload, size, scenario, device
               ORDER BY p50_ms, created_at DESC, result_id
           ) AS pick
    FROM valid
)
SELECT b.framework, b.framework_version, b.variant, b.workload, b.size, b.scenario, b.mode, b.device,
       b.batch_size, b.p50_ms,
       (SELECT list(s.ms ORDER BY s.seq) FROM samples AS s WHERE s.result_id = b.result_id) AS samples_ms
FROM best AS b
WHERE b.pick = 1
ORDER BY b.workload, b.size, b.scenario, b.device, b.framework;
