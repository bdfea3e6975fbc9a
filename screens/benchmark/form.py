"""The form that picks what to benchmark, with a live estimate of how long it will take."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection as Choice

from fwtui.bench.byom.model_file import KINDS, parse_input_shapes
from fwtui.bench.limits import MAX_BATCH, MAX_THREADS, parse_counts
from fwtui.bench.plan import (
    MODES,
    PRESETS,
    SIZES,
    TOY_WORKLOADS,
    WORKLOADS,
    RunSpec,
    Selection,
    default_threads,
    expand,
)
from fwtui.errors import FwtuiError
from fwtui.frameworks import ALL_PRECISIONS, BENCHMARK_FRAMEWORKS, BY_NAME, installed_version
from screens.benchmark.estimate import ModelRequest, estimate
from screens.toggles import GlyphSelectionList

SIZE_FROM_PRESET = "preset"
COUNTS = r"[0-9, ]*"  # what the batch and threads fields accept: counts separated by commas
CUSTOM = "custom"  # what the preset box says once the ticks differ from every preset
SETTINGS = "benchmark"  # <config dir>/benchmark.json: the last selection, restored at the next launch
_LISTS = ("frameworks", "workloads", "modes", "variants")
SIZE_CHOICES: tuple[tuple[str, str], ...] = (
    ("preset's", SIZE_FROM_PRESET),
    *((size, size) for size in SIZES),
)


class BenchForm(Vertical):
    """Presets, frameworks, workloads, modes, variants, size, device, threads and batch, plus the estimate.

    Variants are chosen per framework (``torch · compile``), which the engine's plain variant names cannot
    say on their own, so the expanded specs are filtered to the chosen (framework, variant) pairs.
    """

    DEFAULT_CSS = """
    /* narrow enough that the results table beside it shows its numbers at 80 columns */
    BenchForm { width: 32; height: 1fr; border-right: vkey $foreground 20%; }
    BenchForm #bench-fields { height: 1fr; padding-right: 1; }
    BenchForm #bench-fields > Label { margin-top: 1; text-style: bold; color: $accent; }
    BenchForm SelectionList { height: auto; max-height: 8; border: none; padding: 0; }
    BenchForm .field { height: 1; margin-top: 1; }
    BenchForm .field > Label { width: 9; }
    BenchForm .field > Select, BenchForm .field > Input { width: 1fr; }
    BenchForm #bench-install-hints { color: $text-muted; }
    BenchForm #bench-estimate { height: auto; max-height: 3; padding: 0 1; }
    BenchForm #bench-estimate.error { color: $error; }
    BenchForm #bench-run { width: 100%; }
    """

    class RunRequested(Message):
        """The Run button was pressed."""

    class PresetChosen(Message):
        """The user chose a preset while the ticks were their own: the area asks before replacing them."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._filling = False
        self._applied_preset: str | None = None
        self._cuda_offered = False
        self.estimate_s: float | None = None
        self.error: str | None = None
        self.specs: list[RunSpec] = []
        self.unsupported: list[RunSpec] = []  # chosen, but cannot run here (said in the estimate)
        self.note: str | None = None  # why the remembered selection was not restored
        self.model: ModelRequest | None = None

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="bench-fields"):
            with Horizontal(classes="field"):
                yield Label("Preset")
                yield Select(
                    [*((name, name) for name in PRESETS), (CUSTOM, CUSTOM)],
                    value="quick",
                    allow_blank=False,
                    compact=True,
                    id="bench-preset",
                )
            yield Label("Frameworks")
            yield GlyphSelectionList(*self._framework_choices(), id="bench-frameworks", compact=True)
            hints = self._install_hints()
            if hints:
                yield Static(hints, id="bench-install-hints", markup=False)
            yield Label("Workloads")
            yield GlyphSelectionList(
                *((w, w, w in TOY_WORKLOADS) for w in WORKLOADS), id="bench-workloads", compact=True
            )
            yield Label("Modes")
            yield GlyphSelectionList(*((m, m, True) for m in MODES), id="bench-modes", compact=True)
            yield Label("Variants")
            yield GlyphSelectionList(*self._variant_choices(), id="bench-variants", compact=True)
            yield Label("Precisions")
            yield GlyphSelectionList(
                *((p, p, p == "float32") for p in ALL_PRECISIONS), id="bench-precisions", compact=True
            )
            with Horizontal(classes="field"):
                yield Label("Size")
                yield Select(
                    SIZE_CHOICES, value=SIZE_FROM_PRESET, allow_blank=False, compact=True, id="bench-size"
                )
            with Horizontal(classes="field"):
                yield Label("Device")
                yield Select(
                    [("cpu", "cpu")], value="cpu", allow_blank=False, compact=True, id="bench-device"
                )
            with Horizontal(classes="field"):
                yield Label("Threads")
                # A list (1,2,4) sweeps: one run per value, drawn as curves in Results.
                yield Input(str(default_threads()), restrict=COUNTS, compact=True, id="bench-threads")
            with Horizontal(classes="field"):
                yield Label("Batch")
                yield Input(placeholder="workload's, or 1,8,32", restrict=COUNTS, compact=True, id="bench-batch")
            yield Label("Your model (instead)")
            with Horizontal(classes="field"):
                yield Label("File")
                yield Input(placeholder=".keras .onnx .pt2", compact=True, id="bench-model")
            with Horizontal(classes="field"):
                yield Label("Shapes")
                yield Input(placeholder="x=1x3x224x224 …", compact=True, id="bench-input-shapes")
        yield Static("", id="bench-estimate", markup=False)
        yield Button("Run  (r)", id="bench-run", variant="primary", compact=True)

    def on_mount(self) -> None:
        # The lists are composed already ticked for the quick preset (setting Select values here would
        # fail when the area is mounted into a running app: their own parts are not composed yet).
        self._applied_preset = "quick"
        self._restore()
        self.update_estimate()

    @staticmethod
    def _framework_choices() -> Iterable[Choice[str]]:
        for fw in BENCHMARK_FRAMEWORKS:
            version = installed_version(fw.distributions)
            if version:
                yield Choice(f"{fw.display} {version}", fw.name, PRESETS["quick"].runs_framework(fw.name))
            else:
                yield Choice(f"{fw.display}: not installed", fw.name, disabled=True)

    @staticmethod
    def _install_hints() -> str:
        missing = [fw for fw in BENCHMARK_FRAMEWORKS if not installed_version(fw.distributions)]
        return "\n".join(f"{fw.display}: {fw.install_command}" for fw in missing)

    @staticmethod
    def _variant_choices() -> Iterable[Choice[str]]:
        for fw in BENCHMARK_FRAMEWORKS:
            if installed_version(fw.distributions):
                quick = PRESETS["quick"].variants.get(fw.name, ())
                for variant in fw.variants:
                    yield Choice(f"{fw.name} · {variant}", f"{fw.name}:{variant}", variant in quick)

    # -- reading and filling ----------------------------------------------------------------------

    def _list(self, name: str) -> SelectionList[str]:
        return self.query_one(f"#bench-{name}", SelectionList)

    def _value(self, name: str) -> str:
        widget = self.query_one(f"#bench-{name}")
        if isinstance(widget, Input):
            return widget.value
        assert isinstance(widget, Select)
        return str(widget.value)

    @property
    def preset(self) -> str:
        """The preset the measurement settings come from: the one applied last, even when the box says custom."""
        return self._applied_preset or "quick"

    def chosen_pairs(self) -> set[tuple[str, str]]:
        """The (framework, variant) pairs ticked, for ticked frameworks only."""
        frameworks = set(self._list("frameworks").selected)
        pairs = {tuple(value.split(":", 1)) for value in self._list("variants").selected}
        return {(fw, variant) for fw, variant in pairs if fw in frameworks}

    def selection(self) -> Selection:
        """The engine's Selection for the form; raises FwtuiError for anything it cannot run."""
        frameworks = list(self._list("frameworks").selected)
        if not frameworks:
            raise FwtuiError("choose at least one installed framework")
        workloads = list(self._list("workloads").selected)
        modes = list(self._list("modes").selected)
        if not workloads or not modes:
            raise FwtuiError("choose at least one workload and one mode")
        pairs = self.chosen_pairs()
        without = [BY_NAME[fw].display for fw in frameworks if not any(p[0] == fw for p in pairs)]
        if without:
            raise FwtuiError(f"choose a variant for {', '.join(without)}")
        size = self._value("size")
        precisions = list(self._list("precisions").selected)
        if not precisions:
            raise FwtuiError("choose at least one precision")
        return Selection(
            precisions=precisions,
            frameworks=frameworks,
            workloads=workloads,
            modes=modes,
            variants=sorted({variant for _, variant in pairs}),
            batches=self._counts("batch", MAX_BATCH),
            size=None if size == SIZE_FROM_PRESET else size,
            device=self._value("device"),
            thread_counts=self._counts("threads", MAX_THREADS),
            preset=self.preset,
        )

    def _counts(self, name: str, maximum: int) -> list[int] | None:
        """A field's comma list of counts; None when blank (the preset's or the workload's)."""
        text = self._value(name)
        if not text.strip():
            return None
        try:
            return parse_counts(text, maximum)
        except ValueError as exc:
            raise FwtuiError(f"{name}: {exc}") from None

    def model_request(self) -> ModelRequest | None:
        """The user's own model to run instead of the selection, or None; raises FwtuiError when the path
        or the shapes are wrong. Only cheap checks here (it runs on every keystroke): the worker opens and
        hashes the file."""
        path = self._value("model").strip()
        shapes_text = self._value("input-shapes").split()
        if not path:
            if shapes_text:
                raise FwtuiError("input shapes are for your own model: give its file")
            return None
        shapes = parse_input_shapes(shapes_text)
        file = Path(path).expanduser()
        if file.suffix.lower() not in KINDS:
            raise FwtuiError(f"model: give a {', '.join(KINDS)} file")
        if not file.is_file():
            raise FwtuiError(f"model: no such file {path}")
        threads = self._counts("threads", MAX_THREADS) or [1]
        if len(threads) > 1:
            raise FwtuiError("threads: your own model runs at one thread count")
        return ModelRequest(str(file), shapes, threads[0])

    def expand(self) -> list[RunSpec]:
        """The runs the form describes, in the engine's order."""
        pairs = self.chosen_pairs()
        return [spec for spec in expand(self.selection()) if (spec.framework, spec.variant) in pairs]

    def apply_preset(self, name: str) -> None:
        """Fill the form with what the preset runs (the installed part of it)."""
        preset = PRESETS[name]
        chosen = {
            "frameworks": {name for name in preset.variants if preset.runs_framework(name)},
            "workloads": set(preset.workloads),
            "modes": set(MODES),
            "variants": {
                f"{fw}:{variant}" for fw, variants in preset.variants.items() for variant in variants
            },
        }
        self._applied_preset = name
        self._filling = True
        try:
            for list_name, wanted in chosen.items():
                self._tick(list_name, wanted)
            self.query_one("#bench-size", Select).value = SIZE_FROM_PRESET
            self.query_one("#bench-preset", Select).value = name
        finally:
            self._filling = False
        self.update_estimate()
        self._remember()

    def _preset_ticks(self, name: str) -> dict[str, set[str]]:
        """What ``name`` ticks in each list (its installed part)."""
        preset = PRESETS[name]
        wanted = {
            "frameworks": {name for name in preset.variants if preset.runs_framework(name)},
            "workloads": set(preset.workloads),
            "modes": set(MODES),
            "variants": {f"{fw}:{v}" for fw, variants in preset.variants.items() for v in variants},
        }
        return {
            list_name: {str(o.value) for o in self._list(list_name).options if o.value in values and not o.disabled}
            for list_name, values in wanted.items()
        }

    def _tick(self, list_name: str, wanted: Collection[object]) -> None:
        """Tick exactly the offered (installed) options of ``list_name`` that are in ``wanted``."""
        widget = self._list(list_name)
        widget.deselect_all()
        for option in widget.options:
            if option.value in wanted and not option.disabled:
                widget.select(option.value)

    def ticks(self) -> dict[str, set[str]]:
        return {name: set(self._list(name).selected) for name in _LISTS}

    @property
    def customised(self) -> bool:
        """The ticks or the size differ from what the last preset chose."""
        base = self._applied_preset or "quick"
        return self.ticks() != self._preset_ticks(base) or self._value("size") != SIZE_FROM_PRESET

    def _show_preset(self) -> None:
        """The preset box says the preset, or "custom" once the user changed its ticks."""
        select = self.query_one("#bench-preset", Select)
        shown = CUSTOM if self.customised else (self._applied_preset or "quick")
        if select.value != shown:
            with select.prevent(Select.Changed):
                select.value = shown

    def keep_custom(self) -> None:
        """The user chose to keep their ticks: the preset box goes back to "custom"."""
        self._show_preset()

    # -- remembered between launches --------------------------------------------------------------

    def _remember(self) -> None:
        from fwtui.settings import save_settings

        values: dict[str, object] = {name: sorted(ticked) for name, ticked in self.ticks().items()}
        values.update(preset=self._applied_preset, size=self._value("size"), threads=self._value("threads"),
                      batch=self._value("batch"))  # fmt: skip
        try:
            save_settings(SETTINGS, values)  # type: ignore[arg-type]
        except OSError as exc:
            self.note = f"could not keep the selection for the next launch: {exc}"

    def _restore(self) -> None:
        """The last selection, as far as it still applies (frameworks since uninstalled are left out)."""
        from fwtui.settings import load_settings

        loaded = load_settings(SETTINGS)
        self.note = loaded.note
        values = loaded.values
        if not values:
            return
        preset = values.get("preset")
        if isinstance(preset, str) and preset in PRESETS:
            self._applied_preset = preset
        self._filling = True
        try:
            for list_name in _LISTS:
                saved = values.get(list_name)
                if isinstance(saved, list):
                    self._tick(list_name, saved)
            size = values.get("size")
            if isinstance(size, str) and size in {value for _, value in SIZE_CHOICES}:
                self.query_one("#bench-size", Select).value = size
            for name in ("threads", "batch"):
                text = values.get(name)
                if isinstance(text, str):
                    self.query_one(f"#bench-{name}", Input).value = text
        finally:
            self._filling = False
        self._show_preset()

    def set_devices(self, cuda: bool) -> None:
        """Offer cuda (and pick it) once the hardware probe found a GPU that a framework sees."""
        if cuda == self._cuda_offered:
            return
        self._cuda_offered = cuda
        select = self.query_one("#bench-device", Select)
        options = [("cpu", "cpu"), ("cuda", "cuda")] if cuda else [("cpu", "cpu")]
        select.set_options(options)
        select.value = "cuda" if cuda else "cpu"

    # -- estimate ---------------------------------------------------------------------------------

    def update_estimate(self) -> None:
        label = self.query_one("#bench-estimate", Static)
        self.unsupported = []
        try:
            self.model = self.model_request()
        except FwtuiError as exc:
            self.model, self.specs, self.estimate_s, self.error = None, [], None, str(exc)
            label.update(f"✗ {self.error}")
            label.set_class(True, "error")
            self.query_one("#bench-run", Button).disabled = True
            return
        if self.model is not None:
            self.specs, self.estimate_s, self.error = [], None, None
            label.update(f"your model {Path(self.model.path).name}, in every engine that runs it")
            label.set_class(False, "error")
            self.query_one("#bench-run", Button).disabled = False
            return
        found = estimate(self.expand)
        self.specs, self.unsupported, self.estimate_s, self.error = (
            found.specs, found.unsupported, found.seconds, found.error,
        )  # fmt: skip
        label.update(found.text)
        label.set_class(self.error is not None, "error")
        self.query_one("#bench-run", Button).disabled = self.error is not None

    # -- events -----------------------------------------------------------------------------------

    @on(Select.Changed, "#bench-preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        event.stop()
        # The Select also reports its initial value; refilling then would undo the user's first edits.
        if not isinstance(event.value, str) or self._filling:
            return
        if event.value == CUSTOM:
            self._show_preset()  # "custom" is what the ticks are, not something to apply
        elif self.customised:
            self.post_message(self.PresetChosen(event.value))  # the user's ticks are not replaced unasked
        elif event.value != self._applied_preset:
            self.apply_preset(event.value)

    @on(SelectionList.SelectedChanged)
    @on(Select.Changed, "#bench-size, #bench-device")
    @on(Input.Changed)
    def _field_changed(self, event: Message) -> None:
        event.stop()
        if not self._filling and self.is_mounted:
            self.update_estimate()
            self._show_preset()
            self._remember()

    @on(Button.Pressed, "#bench-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RunRequested())
