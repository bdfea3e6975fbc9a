"""The benchmark engine: plans runs, times each framework in its own child process, checks and stores results.

Modules:

* :mod:`fwtui.bench.plan` - a selection of frameworks/workloads/modes becomes a list of run specs.
* :mod:`fwtui.bench.spec` - :class:`RunSpec`, one child's job, and the one rule for what it measures.
* :mod:`fwtui.bench.events` - the typed events of a child and of a session, with their JSON round trip.
* :mod:`fwtui.bench.result_record` - the typed result record (the ``fwtui bench --json`` shape).
* :mod:`fwtui.bench.runner` - the Runner interface; :mod:`fwtui.bench.runners` - one runner per framework.
* :mod:`fwtui.bench.child` - the child process entry point (``python -m fwtui.bench.child '<json list>'``): one
  framework's runs in turn.
* :mod:`fwtui.bench.harness` - calibration and the timing loop, inside the child.
* :mod:`fwtui.bench.stats` / :mod:`fwtui.bench.flags` - statistics and validity flags.
* :mod:`fwtui.bench.records` - result records built from what a child measured.
* :mod:`fwtui.bench.process` - spawning, per-run timeouts, memory limit and killing of one child.
* :mod:`fwtui.bench.session` - the queue used by ``fwtui bench`` and the Benchmark screen: repetitions, restarts.
* :mod:`fwtui.bench.repetition` - the order of runs in each repetition; one result from several processes.
* :mod:`fwtui.bench.significance` - the confidence interval and significance test across processes.
* :mod:`fwtui.bench.sink` - where results go, and the policy when a save fails.
* :mod:`fwtui.bench.progress` - what a caller knows about a queue in progress, from its events.
* :mod:`fwtui.bench.summary` - the end-of-queue summary.
* :mod:`fwtui.bench.environment` - the environment stored with every run.
* :mod:`fwtui.bench.workloads` / :mod:`fwtui.bench.workload_data` / :mod:`fwtui.bench.reference` - the workload
  catalogue, their weights, inputs and checks, and the float64 NumPy reference.

Nothing here imports a framework at import time; the frameworks only ever load in children.
"""
