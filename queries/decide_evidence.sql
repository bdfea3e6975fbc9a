-- name: decide_evidence
-- description: Evidence for the Decide engine: the newest ok results per framework and setting (machine, workload, size, mode, scenario, batch, threads, device, dtype, variant), with their flags, and raw samples for those not excluded.
-- params: machine_id=, excluded_flags=
-- The Decide engine chooses and compares (fwtui/decide/selection.py); this query only narrows what it reads.
-- An empty machine_id means every machine. Sample data and external references are never evidence.
-- excluded_flags is a comma-separated list (empty: none); the engine passes its own (selection.EXCLUDING_FLAGS).
-- Per setting, the five newest results without an excluded flag carry samples, and the five newest with one are
-- listed (without samples) so the engine can say why they were skipped; `older` counts the rest.
WITH scoped AS (
    SELECT r.result_id, r.run_id, r.machine_id, coalesce(nullif(m.label, ''), r.machine_id) AS machine_label,
           r.created_at, r.framework, r.framework_version, r.variant, r.workload, r.size, r.mode, r.scenario,
           r.batch_size, r.threads, r.device, coalesce(r.dtype, 'float32') AS dtype, r.p50_ms, r.process_p50_ms,
           coalesce(r.flags, []) AS flags,
           list_has_any(coalesce(r.flags, []), string_split(coalesce($excluded_flags, ''), ',')) AS excluded
    FROM results AS r
    LEFT JOIN machines AS m ON m.machine_id = r.machine_id
    WHERE r.status = 'ok'
      AND coalesce(r.source, 'local') NOT IN ('sample', 'external')
      AND coalesce(m.source, 'local') NOT IN ('sample', 'external')
      AND (coalesce($machine_id, '') = '' OR r.machine_id = $machine_id)
),
ranked AS (
    SELECT *,
           row_number() OVER setting AS recency,
           count(*) OVER (PARTITION BY machine_id, framework, variant, workload, size, mode, scenario, batch_size,
                                       threads, device, dtype, excluded) AS in_setting
    FROM scoped
    WINDOW setting AS (
        PARTITION BY machine_id, framework, variant, workload, size, mode, scenario, batch_size, threads, device,
                     dtype, excluded
        ORDER BY created_at DESC, result_id
    )
)
SELECT k.result_id, k.run_id, k.machine_id, k.machine_label, k.created_at, k.framework, k.framework_version,
       k.variant, k.workload, k.size, k.mode, k.scenario, k.batch_size, k.threads, k.device, k.dtype, k.p50_ms,
       k.flags,
       CASE WHEN k.excluded THEN NULL
            ELSE (SELECT list(s.ms ORDER BY s.seq) FROM samples AS s WHERE s.result_id = k.result_id)
       END AS samples_ms,
       CASE WHEN k.recency = 1 THEN k.in_setting - least(k.in_setting, 5) ELSE 0 END AS older,
       CASE WHEN k.excluded THEN NULL ELSE k.process_p50_ms END AS process_p50_ms
FROM ranked AS k
WHERE k.recency <= 5
ORDER BY k.workload, k.size, k.mode, k.scenario, k.framework, k.created_at DESC, k.result_id;
