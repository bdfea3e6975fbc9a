"""The Results area on a fleet store in a local S3-compatible server: browsing it, and machines side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from app_helpers import settle
from fleet_fixtures import bucket_fixture, counts, list_keys, machine_items, moto_endpoint_fixture  # noqa: F401
from results_fixtures import populate
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Static

from fwtui.store import open_store
from fwtui.store.fleet_push import push
from fwtui.store.remote import open_filesystem, parse_remote
from screens.context import AppContext
from screens.results.area import ResultsArea
from screens.results.grid import ResultsGrid
from screens.results.machines import DIFFERENT_VERSIONS

HOSTILE = "evil\x1b[2J\x1b]0;owned\x07box"


class ResultsHost(App[None]):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield ResultsArea(self.context)

    def on_unmount(self) -> None:
        self.context.close()


def _plain(renderable: Any, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _push_machine(tmp_path: Path, url: str, machine_id: str, **changes: str) -> int:
    items = machine_items(machine_id)
    for item in items:
        if item["kind"] == "result" and item["framework"] == "torch" and "torch_version" in changes:
            item["framework_version"] = changes["torch_version"]
        if item["kind"] == "machine" and "label" in changes:
            item["label"] = changes["label"]
    path = tmp_path / f"{machine_id}.duckdb"
    with open_store(path) as store:
        populate(store, items)
    with open_store(path, read_only=True) as store:
        push(store.connection, parse_remote(url))
    return counts(path)["results"]


@pytest.fixture
def fleet_url(bucket: str, tmp_path: Path) -> tuple[str, int]:
    url = f"s3://{bucket}/fleet"
    total = _push_machine(tmp_path, url, "m-cpu-box", label=HOSTILE)
    total += _push_machine(tmp_path, url, "m-gpu-box", torch_version="2.12.1")
    return url, total


async def test_browse_a_fleet_store_and_compare_machines(fleet_url: tuple[str, int], tmp_path: Path) -> None:
    url, total = fleet_url
    context = AppContext(db_path=tmp_path / "local.duckdb", browse_remote=parse_remote(url))
    async with ResultsHost(context).run_test(size=(160, 40)) as pilot:
        area = pilot.app.query_one(ResultsArea)
        await settle(pilot, node=area)
        grid = area.query_one("#results-table", ResultsGrid)
        assert grid.total == total
        status = str(area.query_one("#results-status", Static).content)
        assert "read-only" in status and "object store" in status
        assert not (tmp_path / "local.duckdb").exists()  # browsing a store never touches the local database

        await pilot.press("M")
        await settle(pilot, node=area)
        assert area.view == "results-machines"
        text = _plain(area.query_one("#results-machines-body", Static).content)
        assert "gpu-box (A100)" in text and "evil" in text and "box" in text
        assert "\x1b" not in text and "\x07" not in text  # a stored label cannot drive the terminal
        assert "cpu float32 120.0" in text  # the CPU box's measured peak
        assert "One framework across machines" in text and "of peak" in text
        assert DIFFERENT_VERSIONS in text  # torch 2.13.0 on one machine, 2.12.1 on the other
        assert "The fleet's best framework per workload" in text
        await pilot.press("escape")
        assert area.view == "results-table"

        # A machine pushes while the store is open: f5 fetches the store again and shows its results too.
        items = machine_items("m-cpu-box")
        for item in items:
            for key in ("machine_id", "run_id", "result_id"):
                if isinstance(item.get(key), str):
                    item[key] = item[key].replace("cpu-box", "laptop")
        path = tmp_path / "laptop.duckdb"
        with open_store(path) as store:
            populate(store, items)
        with open_store(path, read_only=True) as store:
            push(store.connection, parse_remote(url))
        await pilot.press("f5")
        await settle(pilot, node=area)
        assert grid.total == total + counts(path)["results"]


async def test_the_sql_console_on_a_fleet_store_reads_its_tables_only(
    fleet_url: tuple[str, int], tmp_path: Path, moto_endpoint: str
) -> None:
    """Typed SQL runs in a locked copy of the store's tables: other objects of the bucket stay out of reach."""
    url, total = fleet_url
    location = parse_remote(url)
    bucket = location.bucket
    open_filesystem(location).pipe(f"{bucket}/other/secret.csv", b"secret\nCANARY-fleet-console\n")
    before = list_keys(moto_endpoint, bucket)
    context = AppContext(db_path=tmp_path / "local.duckdb", browse_remote=location)
    async with ResultsHost(context).run_test(size=(160, 40)) as pilot:
        area = pilot.app.query_one(ResultsArea)
        await settle(pilot, node=area)
        await pilot.press("colon")  # the SQL console
        sql_input = area.query_one("#results-sql-input", Input)
        message = area.query_one("#results-sql-message", Static)

        async def run(text: str) -> str:
            sql_input.value = text
            await pilot.press("enter")
            await settle(pilot, node=area)
            return str(message.content)

        table = area.query_one("#results-sql-table", DataTable)
        assert (await run("SELECT count(*) AS n FROM results")).startswith("1 row")
        assert int(str(table.get_row_at(0)[0])) == total
        assert (await run("SELECT count(*) AS n FROM samples")).startswith("1 row")
        assert int(str(table.get_row_at(0)[0])) > 0  # the samples are copied once a statement asks for them
        for attack in (
            f"SELECT * FROM read_csv('s3://{bucket}/other/secret.csv')",
            f"SELECT * FROM 's3://{bucket}/other/secret.csv'",
            f"COPY results TO 's3://{bucket}/fleet/leak.csv'",
        ):
            shown = await run(attack)
            assert message.has_class("error") and "CANARY" not in shown, shown
    assert list_keys(moto_endpoint, bucket) == before
    assert not (tmp_path / "local.duckdb").exists()
