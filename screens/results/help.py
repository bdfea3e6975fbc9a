"""The Results area's help text (shown by ``?`` above the app's key map)."""

HELP_TEXT = """\
# Results

Every stored result, from this machine and any imported ones. The table holds a window of rows and
fetches more as you scroll, so it stays quick with millions of results.

| key | does |
|---|---|
| `j` `k` / `↑` `↓`, `pgup` `pgdn` | move; the window follows |
| `g` `G` / `home` `end` | first / last row |
| `h` `l` / `←` `→` | column left / right; the framework column stays pinned while the rest pans |
| `s` | sort by the column under the cursor (again: reverse); clicking a header does the same |
| `S` | choose the sort column from a list |
| `/` | find: the rows narrow as you type (framework, variant, workload, scenario, device, status, flags); `enter` keeps it, `escape` clears it |
| `enter` | details of the result: every statistic, its flags explained, environment, histogram |
| `space` | mark/unmark the result (the cursor stays); `c` compares the marked ones (ratios, significance across processes) |
| `b` | group by framework, workload, machine, scenario, device or variant, one row per scenario and batch (`enter` drills in) |
| `p` | charts: p50 and throughput per framework, the latency percentiles, and curves against batch size and threads |
| `M` | machines side by side: hardware, peaks, versions; one framework across machines (fraction of peak) and the fleet's best framework per workload |
| `:` | SQL console (read-only; `↑` `↓` recall earlier queries; a query name such as `leaderboard` runs it) |
| `e` | export the database (Parquet, CSV or JSON) |
| `a` | show all runs (clear the run filter) |
| `f5` / `ctrl+r` | reload (and open the local database again if another process held it; a fleet store: fetch it again) |
| `escape` | back to the table |

Latencies are per call, in µs below a millisecond; *mean samples/s* is computed from the mean time per
call, so it is not batch / p50. The filters and the sort are kept for the next launch.

**Filters** (top two rows): framework, workload, scenario, device, precision, machine, status and a date range
(`YYYY-MM-DD`, press enter). Flags such as `high_variance` or `output_mismatch` mean a number should
not be trusted; the detail view explains each. Results marked *external* are published numbers kept for
reference, never measured here.

Headless: `fwtui query NAME|SQL` (`fleet_machines`, `fleet_compare`, `fleet_best` for machines side by side),
`fwtui export`, `fwtui import`, `fwtui sample-data`. A fleet store (`fwtui s3://bucket/prefix`) opens here read-only.
"""
