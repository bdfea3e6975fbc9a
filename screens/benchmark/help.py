"""The Benchmark area's help text (`?`)."""

HELP = """\
Pick what to run in the form on the left (a preset fills it; every change updates the time estimate),
then press `r`. Each run is a separate child process; results appear in the table as they finish and
are saved to the local database one by one.

Choosing a preset after changing the ticks asks before replacing them; the preset box says *custom*
once the ticks are your own. The last selection is kept for the next launch.

| key | does |
|---|---|
| `r` | run the selection (or your own model) |
| `x` | cancel the current run (asks first; the queue goes on) |
| `X` | cancel the whole queue (asks first; finished results are kept) |
| `f` | show or hide the form |
| `o` | open this queue's results in the Results area |
| `space` / `enter` | tick or untick the highlighted item of a list |
| `j` `k` `g` `G` | move in the results table |

*Your model (instead)*: a `.keras`, `.onnx` or `.pt2` file (and its input shapes, `x=1x3x224x224`) replaces the
ticks: `r` runs it in every engine that can (one process each) and cross-checks their outputs. Each engine's
result is a row of the table (workload `model:<file name>`), saved like every result; `o` opens them in Results.
While a text field has the focus, keys type into it; `tab` leaves it.

Latencies are per call (µs below a millisecond); *mean samples/s* comes from the mean time per call.

Row status: `ok`, `failed` / `timeout` (the child crashed or ran out of time; the reason is shown),
`unsupported` (e.g. ONNX Runtime does not train), `skipped`, `cancelled`. Flags such as
`high_variance` mean the number needs care; the Results area explains each flag.

If the database cannot be written (locked by another process, say) the queue goes on and the
results stay on screen, marked as not saved.
"""
