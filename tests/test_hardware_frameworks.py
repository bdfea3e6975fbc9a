"""Framework device probes: real children that work, crash, exit with an error or hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fwtui.frameworks import BY_NAME, installed_version
from fwtui.hardware import probe_frameworks
from fwtui.hardware.device_probes import identity_model_raw
from fwtui.hardware.frameworks_probe import not_probed, probe_framework

needs_ort = pytest.mark.skipif(installed_version("onnxruntime") is None, reason="onnxruntime not installed")
needs_jax = pytest.mark.skipif(installed_version("jax") is None, reason="jax not installed")


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


@needs_ort
def test_onnxruntime_child_reports_the_providers_a_session_gets() -> None:
    result = probe_framework("onnxruntime", timeout_s=120)
    assert result.status == "ok", result.reason
    assert result.version == installed_version("onnxruntime")
    assert "CPUExecutionProvider" in result.devices
    assert set(result.details["session_providers"]) <= set(result.details["available_providers"])
    assert (
        result.details["gpu_devices"] == 0
        or result.details["session_providers"][0] != "CPUExecutionProvider"
    )


@needs_jax
def test_jax_child_reports_backend_and_devices() -> None:
    result = probe_framework("jax", timeout_s=120)
    assert result.status == "ok", result.reason
    assert result.devices
    assert result.details["default_backend"] in {"cpu", "gpu", "tpu"}
    assert result.details["jaxlib_version"] == installed_version("jaxlib")
    if result.details["default_backend"] == "cpu":
        assert result.devices[0].startswith("cpu:")


def test_children_run_in_parallel_and_report_each_result(tmp_path: Path) -> None:
    names = [name for name in ("torch", "tensorflow", "jax", "onnxruntime") if installed_version(name)]
    if len(names) < 2:
        pytest.skip("needs two installed frameworks")

    def command(name: str) -> list[str]:
        # A barrier: each child succeeds only if it sees every other child running at the same time.
        return _python(f"""
            import json, pathlib, sys, time
            folder = pathlib.Path({str(tmp_path)!r})
            (folder / {name!r}).touch()
            deadline = time.monotonic() + 60
            while len(list(folder.iterdir())) < {len(names)}:
                if time.monotonic() > deadline:
                    sys.exit("the other probes never started")
                time.sleep(0.05)
            print(json.dumps({{"devices": ["cpu"], "details": {{}}}}))
        """)

    reported: list[str] = []
    results = probe_frameworks(
        names, timeout_s=90, child_command=command, on_result=lambda name, result: reported.append(name)
    )
    assert sorted(reported) == sorted(names)
    assert list(results) == names
    for name in names:
        assert results[name].status == "ok", results[name].reason
        assert results[name].devices == ("cpu",)


def test_child_killed_by_a_signal_is_crashed_with_the_signal_name() -> None:
    command = _python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    result = probe_framework("onnxruntime", timeout_s=30, child_command=lambda name: command)
    if not result.installed:
        pytest.skip("onnxruntime not installed")
    assert result.status == "crashed"
    assert result.reason.startswith("killed by SIGSEGV")
    assert result.devices == ()


def test_child_that_exits_with_an_error_reports_its_last_stderr_line() -> None:
    command = _python("""
        import sys
        print("loading...", file=sys.stderr)
        print("ImportError: libcudart.so.12: cannot open shared object file", file=sys.stderr)
        sys.exit(3)
    """)
    results = probe_frameworks(["jax"], timeout_s=30, child_command=lambda name: command)
    if not results["jax"].installed:
        pytest.skip("jax not installed")
    assert results["jax"].status == "crashed"
    assert results["jax"].reason == "ImportError: libcudart.so.12: cannot open shared object file"


def test_child_with_a_silent_nonzero_exit_reports_the_status() -> None:
    result = probe_framework(
        "jax", timeout_s=30, child_command=lambda name: _python("import sys; sys.exit(3)")
    )
    if not result.installed:
        pytest.skip("jax not installed")
    assert (result.status, result.reason) == ("crashed", "exited with status 3")


def test_child_printing_no_report_is_crashed() -> None:
    result = probe_framework("jax", timeout_s=30, child_command=lambda name: _python("print('hello')"))
    if not result.installed:
        pytest.skip("jax not installed")
    assert result.status == "crashed"
    assert "no report" in result.reason


def test_hanging_child_times_out_and_its_process_group_is_killed(tmp_path: Path) -> None:
    def command(name: str) -> list[str]:
        return _python(f"""
            import subprocess, sys, time
            grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            open({str(tmp_path / name)!r}, "w").write(str(grandchild.pid))
            time.sleep(120)
        """)

    results = probe_frameworks(["onnxruntime", "jax"], timeout_s=3, child_command=command)
    for name, result in results.items():
        if not result.installed:
            continue
        assert result.status == "timeout"
        assert result.reason == "no answer within 3 s (killed)"
        pid_file = tmp_path / name
        if not pid_file.exists():  # the child had not even started its grandchild
            continue
        grandchild = int(pid_file.read_text())
        for _ in range(50):  # the kill is asynchronous; give the kernel a moment to reap
            try:
                os.kill(grandchild, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(grandchild, signal.SIGKILL)
            pytest.fail("the hung probe's grandchild survived the timeout")


def test_a_crash_fails_only_its_own_framework() -> None:
    def command(name: str) -> list[str]:
        if name == "jax":
            return _python("import os, signal; os.kill(os.getpid(), signal.SIGABRT)")
        return _python("import json; print(json.dumps({'devices': ['cpu'], 'details': {'gpu_devices': 0}}))")

    results = probe_frameworks(["jax", "onnxruntime"], timeout_s=30, child_command=command)
    if not (results["jax"].installed and results["onnxruntime"].installed):
        pytest.skip("needs jax and onnxruntime")
    assert results["jax"].status == "crashed" and "SIGABRT" in results["jax"].reason
    assert results["onnxruntime"].status == "ok"


def test_unknown_framework_name_is_rejected() -> None:
    with pytest.raises(KeyError, match="choose from"):
        probe_frameworks(["caffe"])


def test_not_probed_uses_metadata_only() -> None:
    results = not_probed()
    assert set(results) == set(BY_NAME) >= {"torch", "tensorflow", "jax", "onnxruntime", "keras", "sklearn"}
    for name, result in results.items():
        assert result.status in {"not_probed", "not_installed"}
        assert result.installed == (result.version is not None), name
        assert result.devices == ()


@needs_ort
def test_hand_encoded_onnx_model_loads_in_onnxruntime() -> None:
    # The fallback for machines without the onnx package must be a model ORT accepts.
    code = textwrap.dedent("""
        import sys, numpy as np, onnxruntime as ort
        from fwtui.hardware.device_probes import identity_model_raw
        session = ort.InferenceSession(identity_model_raw(), providers=["CPUExecutionProvider"])
        out = session.run(None, {"x": np.array([2.5], dtype=np.float32)})[0]
        print(float(out[0]))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "2.5"
    assert identity_model_raw().startswith(b"\x08\x0a")  # field 1 (ir_version) = 10
