-- name: decide_evidence_elsewhere
-- description: Ok results measured on machines other than the given one, counted per machine: what the Decide engine leaves out when it uses one machine's results.
-- params: machine_id=
SELECT r.machine_id, coalesce(nullif(m.label, ''), r.machine_id) AS machine_label, count(*) AS results
FROM results AS r
LEFT JOIN machines AS m ON m.machine_id = r.machine_id
WHERE r.status = 'ok'
  AND coalesce(r.source, 'local') NOT IN ('sample', 'external')
  AND coalesce(m.source, 'local') NOT IN ('sample', 'external')
  AND coalesce($machine_id, '') <> ''
  AND r.machine_id IS DISTINCT FROM $machine_id
GROUP BY ALL
ORDER BY results DESC, machine_id;
