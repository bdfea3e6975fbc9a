-- name: fleet_best
-- description: The fleet's best framework per workload: for each workload, size, scenario, precision and batch, each framework/variant's wins (machines where it is fastest), the machines it was measured on, its geometric-mean ratio to the fastest on each machine and its median fraction of peak; versions_differ marks framework versions that differ across machines.
-- params: workload=, size=, mode=, scenario=, dtype=, batch=
WITH valid AS (
    SELECT r.*,
           TRY_CAST(coalesce(m.peak_gflops -> r.device, m.peak_gflops -> (r.device || ':0')) ->> r.dtype AS DOUBLE) AS peak
    FROM results r
    LEFT JOIN machines m USING (machine_id)
    WHERE r.status = 'ok'
      AND r.p50_ms > 0
      AND r.source IS DISTINCT FROM 'external'
      AND (len(r.flags) = 0 OR r.flags IS NULL
           OR NOT list_has_any(r.flags, ['output_mismatch', 'faster_than_peak', 'unsynced_step', 'inconsistent_latency_throughput']))
      AND (coalesce($workload, '') = '' OR r.workload = $workload)
      AND (coalesce($size, '') = '' OR r.size = $size)
      AND (coalesce($mode, '') = '' OR r.mode = $mode)
      AND (coalesce($scenario, '') = '' OR r.scenario = $scenario)
      AND (coalesce($dtype, '') = '' OR r.dtype = $dtype)
      AND (coalesce($batch, '') = '' OR CAST(r.batch_size AS VARCHAR) = $batch)
),
best AS (
    SELECT workload, size, mode, scenario, dtype, batch_size, framework, variant, machine_id,
           min(p50_ms) AS p50_ms, arg_min(gflops, p50_ms) AS gflops, arg_min(peak, p50_ms) AS peak,
           arg_min(framework_version, p50_ms) AS framework_version
    FROM valid
    GROUP BY ALL
),
ranked AS (
    SELECT *,
           p50_ms / min(p50_ms) OVER m AS ratio_on_machine,
           rank() OVER (PARTITION BY workload, size, mode, scenario, dtype, batch_size, machine_id ORDER BY p50_ms) AS rank_on_machine,
           count(DISTINCT machine_id) OVER (PARTITION BY workload, size, mode, scenario, dtype, batch_size) AS fleet_machines
    FROM best
    WINDOW m AS (PARTITION BY workload, size, mode, scenario, dtype, batch_size, machine_id)
),
fleet AS (
    SELECT workload, size, mode, scenario, dtype, batch_size, framework, variant,
           count(*) FILTER (WHERE rank_on_machine = 1) AS wins,
           count(*) AS machines,
           any_value(fleet_machines) AS fleet_machines,
           exp(avg(ln(ratio_on_machine))) AS mean_ratio,
           median(gflops / peak) AS median_fraction_of_peak,
           string_agg(DISTINCT coalesce(framework_version, '?'), ', ' ORDER BY coalesce(framework_version, '?')) AS versions,
           count(DISTINCT coalesce(framework_version, '?')) > 1 AS versions_differ
    FROM ranked
    GROUP BY ALL
)
SELECT workload, size, mode, scenario, dtype, batch_size AS batch,
       rank() OVER (PARTITION BY workload, size, mode, scenario, dtype, batch_size
                    ORDER BY wins DESC, mean_ratio) AS fleet_rank,
       framework, variant, wins, machines, fleet_machines,
       round(mean_ratio, 2) AS mean_ratio_to_fastest,
       round(median_fraction_of_peak, 4) AS median_fraction_of_peak,
       versions, versions_differ
FROM fleet
ORDER BY workload, size, mode, scenario, dtype, batch_size, fleet_rank, framework, variant
