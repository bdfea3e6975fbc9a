"""The real models in every precision on CUDA, per framework: a result in that precision within its tolerance, or
the runner's reason. Skipped, without importing any framework, on a machine with no NVIDIA GPU."""

from __future__ import annotations

import pytest

from fwtui.hardware import local_system

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not local_system().nvidia.available, reason="needs an NVIDIA GPU and its driver"),
]

MODELS = ("resnet50", "bert-base", "gpt2")
PRECISIONS = ("float32", "bfloat16", "float16", "int8")


@pytest.mark.parametrize("framework", ["torch", "tensorflow", "jax", "onnxruntime"])
def test_models_on_cuda_in_every_precision(framework: str) -> None:
    from fwtui.bench.generation import check_input, scenario_step
    from fwtui.bench.runner import load_runner
    from fwtui.bench.spec import RunSpec
    from fwtui.bench.workload_data import check_output, make_batch, make_weights, reference_forward
    from fwtui.bench.workloads import get_spec
    from fwtui.frameworks import BY_NAME, installed_version

    if installed_version(BY_NAME[framework].distributions) is None:
        pytest.skip(f"{framework} is not installed")
    runner = load_runner(framework)
    runner.configure(0, "cuda")
    reason = runner.device_available("cuda")
    if reason is not None:
        pytest.skip(reason)
    for workload in MODELS:
        spec = get_spec(workload)
        weights = make_weights(spec)
        x, y = make_batch(spec, 2)
        expected = reference_forward(spec, weights, x)
        for precision in PRECISIONS:
            why = runner.precision_reason(spec, precision, mode="inference", device="cuda")
            if why is not None:
                assert why.strip()
                continue
            prepared = runner.build(spec, weights, mode="inference", variant=runner.variants[0], device="cuda",
                                    precision=precision)
            check = check_output(spec, prepared.infer(check_input(spec, x, expected)), expected, precision)
            assert check.ok, (workload, precision, check)
            for measurement in RunSpec(framework, workload, "inference", runner.variants[0]).measurements():
                scenario_step(prepared, measurement.scenario, x, y)()
