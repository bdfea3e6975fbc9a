-- name: fleet_compare
-- description: One framework across machines: for each workload, size, scenario, precision and batch, each machine's best valid p50, its ratio to the fastest machine, and its fraction of that machine's measured peak (roofline); versions_differ marks machines that ran other framework versions.
-- params: framework=, variant=, workload=, size=, mode=, scenario=, dtype=, batch=
-- Valid as in the leaderboard: status 'ok', a measured p50, no flag that voids the number; published
-- reference numbers (source 'external') are not measurements of any machine. Empty parameters mean "all".
WITH valid AS (
    SELECT r.*, coalesce(m.label, r.machine_id) AS machine,
           TRY_CAST(coalesce(m.peak_gflops -> r.device, m.peak_gflops -> (r.device || ':0')) ->> r.dtype AS DOUBLE) AS peak
    FROM results r
    LEFT JOIN machines m USING (machine_id)
    WHERE r.status = 'ok'
      AND r.p50_ms IS NOT NULL
      AND r.source IS DISTINCT FROM 'external'
      AND (len(r.flags) = 0 OR r.flags IS NULL
           OR NOT list_has_any(r.flags, ['output_mismatch', 'faster_than_peak', 'unsynced_step', 'inconsistent_latency_throughput']))
      AND (coalesce($framework, '') = '' OR r.framework = $framework)
      AND (coalesce($variant, '') = '' OR r.variant = $variant)
      AND (coalesce($workload, '') = '' OR r.workload = $workload)
      AND (coalesce($size, '') = '' OR r.size = $size)
      AND (coalesce($mode, '') = '' OR r.mode = $mode)
      AND (coalesce($scenario, '') = '' OR r.scenario = $scenario)
      AND (coalesce($dtype, '') = '' OR r.dtype = $dtype)
      AND (coalesce($batch, '') = '' OR CAST(r.batch_size AS VARCHAR) = $batch)
),
best AS (
    SELECT workload, size, mode, scenario, dtype, batch_size, framework, variant, machine_id,
           any_value(machine) AS machine, min(p50_ms) AS p50_ms,
           arg_min(device, p50_ms) AS device, arg_min(throughput_samples_per_s, p50_ms) AS throughput,
           arg_min(gflops, p50_ms) AS gflops, arg_min(peak, p50_ms) AS peak,
           arg_min(framework_version, p50_ms) AS framework_version
    FROM valid
    GROUP BY workload, size, mode, scenario, dtype, batch_size, framework, variant, machine_id
),
versions AS (
    SELECT workload, size, mode, scenario, dtype, batch_size, framework, variant,
           count(DISTINCT machine_id) AS machines,
           count(DISTINCT coalesce(framework_version, '?')) AS n_versions
    FROM best
    GROUP BY ALL
)
SELECT b.workload, b.size, b.mode, b.scenario, b.dtype, b.batch_size AS batch, b.framework, b.variant,
       b.machine, b.device,
       round(b.p50_ms, 4) AS p50_ms,
       round(b.p50_ms / min(b.p50_ms) OVER w, 2) AS ratio_to_fastest,
       round(b.throughput, 1) AS samples_per_s,
       round(b.gflops, 2) AS gflops,
       round(b.peak, 1) AS peak_gflops,
       round(b.gflops / b.peak, 4) AS fraction_of_peak,
       b.framework_version,
       v.n_versions > 1 AS versions_differ,
       v.machines
FROM best b
JOIN versions v USING (workload, size, mode, scenario, dtype, batch_size, framework, variant)
WINDOW w AS (PARTITION BY b.workload, b.size, b.mode, b.scenario, b.dtype, b.batch_size, b.framework, b.variant)
ORDER BY b.workload, b.size, b.mode, b.scenario, b.dtype, b.batch_size, b.framework, b.variant, b.p50_ms, b.machine
