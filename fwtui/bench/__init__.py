"""The benchmark engine: plans runs, times each framework in its own child process, checks and stores results.

Modules:

* :mod:`fwtui.bench.plan` - a selection of frameworks/workloads/modes becomes a list of run specs.
* :mod:`fwtui.bench.child` - the child process entry point (``python -m fwtui.bench.child '<json>'``).
* :mod:`fwtui.bench.harness` - calibration and the timing loop, inside the child.
* :mod:`fwtui.bench.stats` / :mod:`fwtui.bench.flags` - statistics and validity flags.
* :mod:`fwtui.bench.records` - result records built from what a child measured.
* :mod:`fwtui.bench.process` - spawning, timeouts, memory limit and killing of one child.
* :mod:`fwtui.bench.session` - the queue used by ``fwtui bench`` and the Benchmark screen.
* :mod:`fwtui.bench.environment` - the environment stored with every run.
* :mod:`fwtui.bench.workloads` / :mod:`fwtui.bench.runners` - the workloads and one runner per framework.

Nothing here imports a framework at import time; the frameworks only ever load in children.
"""
