"""Registry lines of the broken test frameworks (light: nothing heavy is imported)."""

from fwtui.frameworks import Framework


def _line(name: str, runner: str) -> Framework:
    return Framework(
        name=name, display=name, import_name="numpy", distributions=("numpy",), extra="test",
        runner=f"broken_runners:{runner}", variants=("numpy",),
    )  # fmt: skip


RUNNERS = {
    "honest": "HonestRunner",
    "nosync": "NoSyncRunner",
    "forward_only": "ForwardOnlyRunner",
    "recompile_always": "RecompileAlwaysRunner",
    "recompile_once": "RecompileOnceRunner",
    "partial_batch": "PartialBatchRunner",
    "bf16_step": "Bf16StepRunner",
    "cached_output": "CachedOutputRunner",
}
LINES = {name: _line(f"broken_{name}", runner) for name, runner in RUNNERS.items()}
globals().update({name.upper(): line for name, line in LINES.items()})  # one entry point per framework
