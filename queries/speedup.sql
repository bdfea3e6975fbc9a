-- name: speedup
-- description: Each framework's best valid p50 against a baseline framework's on the same machine, workload, size, scenario and device (speedup > 1 = faster than the baseline).
-- params: baseline=torch
WITH valid AS (
    SELECT *
    FROM results
    WHERE status = 'ok'
      AND p50_ms IS NOT NULL
      AND (len(flags) = 0 OR flags IS NULL
           OR NOT list_has_any(flags, ['dtype_mismatch', 'faster_than_peak', 'inconsistent_stats', 'no_samples', 'output_mismatch', 'recompiled', 'too_few_iterations', 'unsynced_step']))
),
best AS (
    SELECT machine_id, workload, size, scenario, device, framework,
           min(p50_ms) AS p50_ms, arg_min(variant, p50_ms) AS best_variant
    FROM valid
    GROUP BY ALL
),
base AS (
    SELECT machine_id, workload, size, scenario, device, p50_ms AS baseline_p50_ms
    FROM best
    WHERE framework = $baseline
)
SELECT coalesce(m.label, b.machine_id) AS machine,
       b.workload, b.size, b.scenario, b.device,
       b.framework, b.best_variant,
       round(b.p50_ms, 4) AS p50_ms,
       round(base.baseline_p50_ms, 4) AS baseline_p50_ms,
       round(base.baseline_p50_ms / b.p50_ms, 2) AS speedup
FROM best b
JOIN base USING (machine_id, workload, size, scenario, device)
LEFT JOIN machines m ON m.machine_id = b.machine_id
ORDER BY machine, b.workload, b.size, b.scenario, b.device, speedup DESC
