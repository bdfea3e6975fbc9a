-- name: leaderboard
-- description: Per machine, workload, size, scenario and device: the best valid p50 latency of each framework/variant, its rank and its ratio to the best.
-- params: workload=, machine_id=
-- Valid = status 'ok', a measured p50, and none of fwtui.bench.flags.INVALIDATING_FLAGS (tests keep the list
-- here equal to it). An empty parameter means "all".
WITH valid AS (
    SELECT *
    FROM results
    WHERE status = 'ok'
      AND p50_ms IS NOT NULL
      AND (len(flags) = 0 OR flags IS NULL
           OR NOT list_has_any(flags, ['dtype_mismatch', 'faster_than_peak', 'inconsistent_stats', 'no_samples', 'output_mismatch', 'recompiled', 'too_few_iterations', 'unsynced_step']))
      AND (coalesce($workload, '') = '' OR workload = $workload)
      AND (coalesce($machine_id, '') = '' OR machine_id = $machine_id)
),
best AS (
    SELECT machine_id, workload, size, scenario, device, framework, variant,
           min(p50_ms) AS p50_ms,
           arg_min(throughput_samples_per_s, p50_ms) AS throughput_samples_per_s,
           count(*) AS results
    FROM valid
    GROUP BY ALL
)
SELECT coalesce(m.label, b.machine_id) AS machine,
       b.workload, b.size, b.scenario, b.device,
       rank() OVER w AS rank,
       b.framework, b.variant,
       round(b.p50_ms, 4) AS p50_ms,
       round(b.p50_ms / min(b.p50_ms) OVER w, 2) AS ratio_to_best,
       round(b.throughput_samples_per_s, 1) AS throughput_samples_per_s,
       b.results
FROM best b
LEFT JOIN machines m USING (machine_id)
WINDOW w AS (PARTITION BY b.machine_id, b.workload, b.size, b.scenario, b.device ORDER BY b.p50_ms)
ORDER BY machine, b.workload, b.size, b.scenario, b.device, rank, b.framework, b.variant
