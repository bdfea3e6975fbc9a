-- name: flagged
-- description: Results that are not clean measurements: any status other than 'ok', or any flag, with the flags and the reason.
-- params: limit=500
SELECT r.created_at, coalesce(m.label, r.machine_id) AS machine, r.framework, r.variant, r.workload, r.size,
       r.scenario, r.status, array_to_string(r.flags, ', ') AS flags, r.reason, r.result_id
FROM results r
LEFT JOIN machines m USING (machine_id)
WHERE r.status <> 'ok' OR len(coalesce(r.flags, [])) > 0
ORDER BY r.created_at DESC
LIMIT $limit::INTEGER
