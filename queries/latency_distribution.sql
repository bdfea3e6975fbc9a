-- name: latency_distribution
-- description: The raw per-call samples of one result, binned into a histogram (default: the most recent result that has samples).
-- params: result_id=, bins=20
WITH target AS (
    SELECT coalesce(
        nullif($result_id, ''),
        (SELECT r.result_id
         FROM results r
         WHERE r.result_id IN (SELECT DISTINCT result_id FROM samples)
         ORDER BY r.created_at DESC
         LIMIT 1)
    ) AS result_id
),
s AS (
    SELECT ms FROM samples WHERE result_id = (SELECT result_id FROM target) AND isfinite(ms)
),
bounds AS (
    SELECT min(ms) AS lo, max(ms) AS hi, count(*) AS total, greatest(1, $bins::INTEGER) AS nbins FROM s
),
binned AS (
    SELECT least(coalesce(floor((ms - lo) / nullif(hi - lo, 0) * nbins), 0)::INTEGER, nbins - 1) AS bin
    FROM s, bounds
)
SELECT (SELECT result_id FROM target) AS result_id,
       bin,
       round(lo + (hi - lo) * bin / nbins, 5) AS low_ms,
       round(lo + (hi - lo) * (bin + 1) / nbins, 5) AS high_ms,
       count(*) AS samples,
       round(100.0 * count(*) / any_value(total), 1) AS percent
FROM binned, bounds
GROUP BY bin, lo, hi, nbins
ORDER BY bin
