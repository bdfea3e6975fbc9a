-- name: machine_history
-- description: One machine's results over time, newest first, with the change against the previous result of the same configuration (default machine: the most recently seen local one).
-- params: machine_id=, limit=500
WITH target AS (
    SELECT coalesce(
        nullif($machine_id, ''),
        (SELECT machine_id FROM machines ORDER BY source = 'local' DESC, last_seen DESC NULLS LAST LIMIT 1)
    ) AS machine_id
),
history AS (
    SELECT created_at, run_id, framework, framework_version, variant, workload, size, scenario, device,
           status, p50_ms, throughput_samples_per_s,
           lag(p50_ms) OVER (PARTITION BY framework, variant, workload, size, scenario, device, dtype, batch_size
                             ORDER BY created_at) AS previous_p50_ms
    FROM results
    WHERE machine_id = (SELECT machine_id FROM target)
)
SELECT created_at, framework, framework_version, variant, workload, size, scenario, device, status,
       round(p50_ms, 4) AS p50_ms,
       round(throughput_samples_per_s, 1) AS throughput_samples_per_s,
       round(100.0 * (p50_ms - previous_p50_ms) / previous_p50_ms, 1) AS p50_change_percent,
       run_id
FROM history
ORDER BY created_at DESC
LIMIT $limit::INTEGER
