-- name: compare_runs
-- description: Two runs side by side, matched on framework, variant, workload, size, scenario, device, dtype and batch size, with the ratio of their p50 latencies (default: the two most recent runs).
-- params: run_a=, run_b=
WITH recent AS (
    SELECT run_id, row_number() OVER (ORDER BY started_at DESC NULLS LAST, run_id) AS k
    FROM runs
    WHERE run_id IN (SELECT DISTINCT run_id FROM results)
),
pick AS (
    SELECT coalesce(nullif($run_a, ''), (SELECT run_id FROM recent WHERE k = 2)) AS run_a,
           coalesce(nullif($run_b, ''), (SELECT run_id FROM recent WHERE k = 1)) AS run_b
),
a AS (SELECT * FROM results WHERE run_id = (SELECT run_a FROM pick)),
b AS (SELECT * FROM results WHERE run_id = (SELECT run_b FROM pick))
SELECT coalesce(a.framework, b.framework) AS framework,
       coalesce(a.variant, b.variant) AS variant,
       coalesce(a.workload, b.workload) AS workload,
       coalesce(a.size, b.size) AS size,
       coalesce(a.scenario, b.scenario) AS scenario,
       coalesce(a.device, b.device) AS device,
       a.status AS status_a, b.status AS status_b,
       round(a.p50_ms, 4) AS p50_ms_a, round(b.p50_ms, 4) AS p50_ms_b,
       round(b.p50_ms / a.p50_ms, 3) AS ratio_b_to_a,
       a.framework_version AS version_a, b.framework_version AS version_b,
       (SELECT run_a FROM pick) AS run_a, (SELECT run_b FROM pick) AS run_b
FROM a
FULL OUTER JOIN b
  ON a.framework = b.framework AND a.variant IS NOT DISTINCT FROM b.variant AND a.workload = b.workload
 AND a.size IS NOT DISTINCT FROM b.size AND a.scenario IS NOT DISTINCT FROM b.scenario
 AND a.device IS NOT DISTINCT FROM b.device AND a.dtype IS NOT DISTINCT FROM b.dtype
 AND a.batch_size IS NOT DISTINCT FROM b.batch_size
ORDER BY workload, size, scenario, framework, variant
