"""The Hardware area's help text (shown by ``?`` above the app's key map)."""

HELP_TEXT = """\
# Hardware

What this machine has and what each framework can actually use.

| key | does |
|---|---|
| `f5` / `ctrl+r` | probe the frameworks again (each runs in its own process), even if the cached probe still holds |
| `m` | measure peak compute (a square matrix multiply per device, a few seconds) |
| `j` `k` / `↑` `↓`, `pgup` `pgdn`, `g` `G` | scroll |

Next: `2` Benchmark measures the frameworks on this machine; `4` Decide recommends one for your project.

- **System / CPU**: OS, Python, CPU model and cores. Feature chips show the instruction-set
  extensions that decide which kernels frameworks can use: highlighted ones are present, dim ones
  are missing (AVX-512 and AMX speed up float32/bfloat16 GEMMs and convolutions).
- **Memory & load**: live CPU, memory (and GPU) use on a fixed 0-100% scale, sampled every second.
  Busy machines give noisy benchmarks.
- **Accelerators**: GPUs from the NVIDIA driver (NVML) and sysfs (AMD), TPUs, Apple MPS.
- **Frameworks**: each installed framework is imported in a child process and asked which devices it
  sees; a crash or hang there only marks that framework. The answer is cached: while the Python, the
  packages, the driver and the relevant environment variables (`CUDA_VISIBLE_DEVICES`, `TF_*`, ...)
  stay the same, a later launch shows the cached probe and says how old it is; `f5` probes again.
- **Peak compute**: best GFLOP/s of a square GEMM per device. Benchmark results faster than this
  are flagged `faster_than_peak`. Measured once per machine and cached; `fwtui hw --measure-peak`
  measures it from the command line.
- **Warnings**: CUDA builds without a driver, builds newer than the driver, GPUs a framework
  cannot see, GPU memory preallocation.

Same information headless: `fwtui hw` (or `fwtui hw --json`).
"""
