-- name: fleet_machines
-- description: Every machine side by side: its hardware, measured peak GFLOP/s per device and dtype, the fwtui and framework versions it ran, its runs and its last run.
-- params:
WITH run_counts AS (
    SELECT machine_id, count(*) AS runs, max(coalesce(finished_at, started_at)) AS last_run,
           string_agg(DISTINCT fwtui_version, ', ' ORDER BY fwtui_version) AS fwtui_versions
    FROM runs
    GROUP BY machine_id
),
result_counts AS (
    SELECT machine_id, count(*) AS results, count(*) FILTER (WHERE status = 'ok') AS ok_results,
           max(created_at) AS last_result,
           string_agg(DISTINCT framework || ' ' || coalesce(framework_version, '?'), ', '
                      ORDER BY framework || ' ' || coalesce(framework_version, '?')) AS framework_versions
    FROM results
    WHERE framework IS NOT NULL
    GROUP BY machine_id
),
-- peak_gflops is {"device": {"dtype": GFLOP/s or null}}; anything else stored there is read as no peak.
peaks AS (
    SELECT m.machine_id,
           string_agg(d.key || ' ' || t.key || ' ' || coalesce(CAST(round(TRY_CAST(t.value AS DOUBLE), 1) AS VARCHAR), '-'),
                      ', ' ORDER BY d.key, t.key) AS peak_gflops
    FROM machines m,
         json_each(CASE WHEN json_type(m.peak_gflops) = 'OBJECT' THEN m.peak_gflops ELSE '{}' END) d,
         json_each(CASE WHEN json_type(d.value) = 'OBJECT' THEN d.value ELSE '{}' END) t
    GROUP BY m.machine_id
)
SELECT coalesce(m.label, m.machine_id) AS machine, m.cpu_brand AS cpu, m.logical_cores AS cores,
       round(m.memory_total_bytes / 1073741824) AS memory_gib, array_to_string(m.gpu_names, ', ') AS gpus,
       p.peak_gflops, rc.fwtui_versions, r.framework_versions,
       coalesce(rc.runs, 0) AS runs, coalesce(r.results, 0) AS results, coalesce(r.ok_results, 0) AS ok_results,
       coalesce(rc.last_run, r.last_result) AS last_run, m.machine_id
FROM machines m
LEFT JOIN run_counts rc USING (machine_id)
LEFT JOIN result_counts r USING (machine_id)
LEFT JOIN peaks p USING (machine_id)
ORDER BY machine
