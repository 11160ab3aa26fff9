"""The Prefect flow runs the same stages as tasks (one harness for the whole session), and
the served deployment runs on a real Prefect server."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import write
from pipeline.cli import main
from pipeline.config import (
    DEFAULT_TERMS,
    Settings,
    flag_name,
    load_settings,
    setting_info,
)
from pipeline.flows import deployment_parameters, driver_api
from pipeline.lock import run_lock
from tests.conftest import CATALOG, PROJECT_ROOT
from tests.test_build import _ambiguous_without_candidates
from tests.test_fanout import assert_same_tables

pytestmark = pytest.mark.prefect

ARTIFACT_KEY = re.compile(r"^[a-z0-9-]+$")


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def test_flow_publishes_the_dataset_and_its_report_as_artifacts(
    prefect_harness, small_raw: Path, tmp_path: Path
) -> None:
    from prefect.artifacts import Artifact

    from pipeline.flows import LANGUAGE_ARTIFACT_KEY, REPORT_ARTIFACT_KEY, build_dataset_flow

    out = tmp_path / "out"
    summary = build_dataset_flow(load_settings(raw_dir=small_raw, out_dir=out))
    assert summary["published"]
    assert "documents: 2 read" in summary["text"]
    papers = pd.read_parquet(out / "papers.parquet")
    assert "arxiv:1706.03762" in set(papers["paper_id"])
    for key in (REPORT_ARTIFACT_KEY, LANGUAGE_ARTIFACT_KEY):
        assert ARTIFACT_KEY.match(key)
    report = Artifact.get(REPORT_ARTIFACT_KEY)
    assert report is not None and summary["run_id"] in report.data
    assert Artifact.get(LANGUAGE_ARTIFACT_KEY).type == "table"


def test_a_flow_run_that_publishes_nothing_ends_failed(
    prefect_harness, small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.artifacts import Artifact

    from pipeline.flows import REPORT_ARTIFACT_KEY, NothingPublishedError, build_dataset_flow

    _ambiguous_without_candidates(monkeypatch, 1)  # 1 of 21 mentions: above the 1 % limit
    state = build_dataset_flow(
        load_settings(raw_dir=small_raw, out_dir=tmp_path / "out"), return_state=True
    )
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, NothingPublishedError)
    assert not error.summary["published"] and "above the limit" in error.summary["reasons"][0]
    assert "nothing published" in state.message
    report = Artifact.get(REPORT_ARTIFACT_KEY)
    assert "Verdict: not published" in report.data.split("## ", 1)[0]
    assert error.summary["run_id"] in report.data
    assert not (tmp_path / "out" / "papers.parquet").exists()


def test_a_degraded_flow_run_stays_completed_and_its_artifact_says_so(
    prefect_harness, small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.artifacts import Artifact

    from pipeline.flows import REPORT_ARTIFACT_KEY, build_dataset_flow

    _ambiguous_without_candidates(monkeypatch, 1)
    settings = load_settings(raw_dir=small_raw, out_dir=tmp_path / "out", max_quarantine_share=0.1)
    state = build_dataset_flow(settings, return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["published"] and summary["verdict"]["status"] == "published, degraded"
    report = Artifact.get(REPORT_ARTIFACT_KEY)
    head = report.data.split("## ", 1)[0]
    assert "Verdict: published, degraded" in head and "1 rows quarantined" in head
    assert "published, degraded" in report.description
    assert len(pd.read_parquet(tmp_path / "out" / "quarantine.parquet")) == 1


def test_a_locked_output_folder_ends_the_flow_in_one_log_line(
    prefect_harness, small_raw: Path, tmp_path: Path
) -> None:
    """Under --quiet, through the CLI and the Prefect engine: exit 3, one line, no traceback."""
    from prefect.settings import PREFECT_API_URL

    from pipeline.flows import build_dataset_flow

    out = tmp_path / "out"
    with run_lock(out, 0):
        state = build_dataset_flow(load_settings(raw_dir=small_raw, out_dir=out), return_state=True)
        assert state.is_failed() and "another run is writing" in state.message
        env = {
            **os.environ,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
        }
        command = [sys.executable, "-m", "pipeline", "run", "--quiet", "--raw", str(small_raw)]
        command += ["--out", str(out), "--catalog", str(CATALOG)]
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "another run is writing to" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_full_disk_ends_the_flow_failed_with_one_error_line_and_no_traceback(
    prefect_harness, small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.errors import OutputFolderError
    from pipeline.flows import build_dataset_flow

    def no_space(table, where, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))

    monkeypatch.setattr(write.pq, "write_table", no_space)
    handler = _Records()
    logging.getLogger("prefect").addHandler(handler)
    try:
        state = build_dataset_flow(
            load_settings(raw_dir=small_raw, out_dir=tmp_path / "out"), return_state=True
        )
    finally:
        logging.getLogger("prefect").removeHandler(handler)
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, OutputFolderError) and error.exit_code == 1
    errors = [r for r in handler.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "No space left on device" in errors[0].getMessage()
    assert not any(r.exc_info for r in handler.records if r.levelno >= logging.WARNING)
    assert not list((tmp_path / "out" / "runs").glob("*"))


OTHER_WORKERS = 1 if (os.cpu_count() or 1) > 1 else 2  # not the default (all cores)


def _every_run_flag(small_raw: Path, tmp_path: Path) -> tuple[list[str], Settings]:
    """A value other than the default for every setting that `run` takes, as flags, and the
    settings they must give (written out, not derived from the flags)."""
    catalog = shutil.copytree(CATALOG, tmp_path / "catalog")
    terms = shutil.copytree(DEFAULT_TERMS, tmp_path / "terms")
    flags = {
        "--raw": str(small_raw),
        "--out": str(tmp_path / "out"),
        "--catalog": str(catalog),
        "--terms": str(terms),
        "--max-file-bytes": "1000000",
        "--accept-score": "92",
        "--review-score": "84",
        "--margin-score": "6",
        "--index-cache": str(tmp_path / "index"),
        "--keep-runs": "2",
        "--cache": str(tmp_path / "documents"),
        "--full": None,
        "--wait": "0.5",
        "--quiet": None,
        "--allow-catalog-shrink": None,
        "--max-quarantine-share": "0.05",
        "--drift-max-drop-share": "0.2",
        "--drift-max-rate-drop": "0.1",
        "--drift-max-papers-change-share": "0.3",
        "--drift-max-documents-removed": "2",
        "--drift-history-runs": "3",
        "--drift-min-mentions": "5",
        "--workers": str(OTHER_WORKERS),
        "--batch-min-chars": "5000",
        "--task-runner": "dask",
        "--dask-address": "tcp://127.0.0.1:8786",
    }
    run_flags = {
        flag_name(n) for n in Settings.model_fields if "run" in setting_info(n)["commands"]
    }
    assert set(flags) == run_flags, "a setting of `run` is missing from this test"
    expected = Settings(
        raw_dir=small_raw,
        out_dir=tmp_path / "out",
        catalog_path=catalog,
        terms_dir=terms,
        max_file_bytes=1_000_000,
        accept_score=92,
        review_score=84,
        margin_score=6,
        index_cache_dir=tmp_path / "index",
        keep_runs=2,
        cache_dir=tmp_path / "documents",
        incremental=False,
        lock_wait_seconds=0.5,
        quiet=True,
        allow_catalog_shrink=True,
        max_quarantine_share=0.05,
        drift_max_drop_share=0.2,
        drift_max_rate_drop=0.1,
        drift_max_papers_change_share=0.3,
        drift_max_documents_removed=2,
        drift_history_runs=3,
        drift_min_mentions=5,
        workers=OTHER_WORKERS,
        batch_min_chars=5000,
        task_runner="dask",
        dask_address="tcp://127.0.0.1:8786",
    )
    argv = [part for flag, value in flags.items() for part in (flag, value) if part is not None]
    return argv, expected


def test_every_setting_reaches_both_engines_and_the_deployment(
    prefect_harness,
    small_raw: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`run --engine local`, `run --engine prefect` and a run of the served deployment's
    parameters all build with the very settings the flags gave."""
    import pipeline.build
    import pipeline.flows
    from pipeline.cli import PREFECT_DEFAULTS
    from pipeline.flows import build_dataset_flow

    # The CLI writes these into os.environ; set through monkeypatch first, they are restored.
    for key in [*PREFECT_DEFAULTS, "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"]:
        monkeypatch.setenv(key, os.environ.get(key, PREFECT_DEFAULTS.get(key, "INFO")))
    seen: dict[str, Settings] = {}

    def spy(engine: str, build):
        def recording_build(settings: Settings, *args, **kwargs):
            seen[engine] = settings
            return build(settings, *args, **kwargs)

        return recording_build

    real_build = pipeline.build.build_dataset
    monkeypatch.setattr(pipeline.build, "build_dataset", spy("local", real_build))
    monkeypatch.setattr(pipeline.flows, "build_dataset", spy("prefect", real_build))
    # The cluster the flags name does not exist here: record what the flow asks for, run on
    # threads (the Dask cluster test runs the flow on a real one).
    clusters: list[tuple[str | None, int]] = []

    def recording_dask_runner(address: str | None, workers: int) -> ThreadPoolTaskRunner:
        clusters.append((address, workers))
        return ThreadPoolTaskRunner(max_workers=1)

    monkeypatch.setattr(pipeline.flows, "dask_task_runner", recording_dask_runner)
    argv, expected = _every_run_flag(small_raw, tmp_path)
    assert expected != Settings() and all(
        getattr(expected, n) != getattr(Settings(), n)
        for n in Settings.model_fields
        if "run" in setting_info(n)["commands"]
    )

    assert main(["run", "--engine", "local", *argv]) == 0
    assert main(["run", "--engine", "prefect", *argv]) == 0
    assert capsys.readouterr().out == "", "--quiet must silence both engines"
    assert seen == {"local": expected, "prefect": expected}

    served: dict = {}
    monkeypatch.setattr(build_dataset_flow, "serve", lambda **options: served.update(options))
    schedule = ["--cron", "*/5 * * * *", "--timezone", "Europe/Berlin", "--name", "every"]
    assert main(["serve", *argv, *schedule]) == 0
    want = expected.model_copy(
        update={"schedule_cron": "*/5 * * * *", "schedule_timezone": "Europe/Berlin"}
    ).resolved()
    parameters = json.loads(json.dumps(served["parameters"]))
    assert parameters == deployment_parameters(want)
    assert served["schedules"][0].cron == "*/5 * * * *"
    assert served["schedules"][0].timezone == "Europe/Berlin"
    seen.clear()
    assert build_dataset_flow(**parameters)["published"]
    assert seen == {"prefect": want}
    assert clusters == [("tcp://127.0.0.1:8786", OTHER_WORKERS)] * 2


def test_deployment_parameters_carry_every_setting_with_absolute_paths() -> None:
    settings = load_settings(environ={}, out_dir=Path("relative-out"), keep_runs=3)
    parameters = deployment_parameters(settings)
    assert set(parameters) == {"settings"}
    stored = parameters["settings"]
    assert set(stored) == set(Settings.model_fields)
    assert Path(stored["out_dir"]).is_absolute() and stored["keep_runs"] == 3
    assert Settings.model_validate(stored) == settings.resolved()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen | None) -> None:
    """SIGTERM to the process group we started (the process and its children), then kill."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until(check, timeout: float, what: str, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: process exited {process.returncode}\n{log.read_text()[-3000:]}")
        result = check()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"{what}: not ready after {timeout} s\n{log.read_text()[-3000:]}")


@pytest.mark.prefect_server
def test_served_deployment_runs_on_a_real_server(small_raw: Path, tmp_path: Path) -> None:
    """Start `prefect server start` on a free loopback port, serve the deployment, trigger one
    run, check the dataset, and check that stopping serve left the schedule active."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    base_env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    base_env.pop("PREFECT_API_URL", None)
    out = tmp_path / "out"
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    server = serve = None
    try:
        with server_log.open("w") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=base_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def healthy() -> bool:
            try:
                return httpx.get(f"{api}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_until(healthy, 90, "prefect server", server, server_log)
        with serve_log.open("w") as log:
            serve = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipeline",
                    "serve",
                    "--raw",
                    str(small_raw),
                    "--out",
                    str(out),
                    "--catalog",
                    str(CATALOG),
                    "--cron",
                    "0 2 * * *",
                    "--timezone",
                    "Europe/Berlin",
                    "--name",
                    "integration",
                ],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**base_env, "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "2"},
            )
        with temporary_settings(updates={PREFECT_API_URL: api}):
            name = "build-dataset/integration"

            def registered():
                with get_client(sync_client=True) as client:
                    try:
                        return client.read_deployment_by_name(name)
                    except Exception:  # not registered yet
                        return None

            deployment = _wait_until(registered, 60, "deployment", serve, serve_log)
            assert deployment.schedules[0].schedule.cron == "0 2 * * *"
            assert deployment.schedules[0].schedule.timezone == "Europe/Berlin"
            flow_run = run_deployment(name, timeout=120)
            assert flow_run.state.is_completed(), serve_log.read_text()[-3000:]
            papers = pd.read_parquet(out / "papers.parquet")
            assert "arxiv:1706.03762" in set(papers["paper_id"])

            _stop(serve)
            with get_client(sync_client=True) as client:
                after = client.read_deployment_by_name(name)
            assert not after.paused and after.schedules[0].active
    finally:
        _stop(serve)
        _stop(server)


def _local_run(small_raw: Path, out: Path) -> None:
    options = ["--raw", str(small_raw), "--out", str(out), "--full", "--workers", "1"]
    assert main(["run", "--engine", "local", "--quiet", *options]) == 0


def test_the_flow_on_two_processes_gives_the_tables_of_a_one_process_run(
    prefect_harness, small_raw: Path, tmp_path: Path
) -> None:
    from pipeline.flows import build_dataset_flow

    settings = load_settings(
        raw_dir=small_raw, out_dir=tmp_path / "flow", incremental=False, workers=2
    )
    assert build_dataset_flow(settings)["published"]
    _local_run(small_raw, tmp_path / "local")
    assert_same_tables(tmp_path / "local", tmp_path / "flow")


def test_one_worker_or_one_batch_runs_in_this_process_more_on_a_pool() -> None:
    """As under the local engine: a pool process would load everything for one batch."""
    from prefect.task_runners import ProcessPoolTaskRunner

    from pipeline.flows import task_runner

    two_workers = load_settings(workers=2)
    assert isinstance(task_runner(two_workers, 1), ThreadPoolTaskRunner)
    assert isinstance(task_runner(load_settings(workers=1), 8), ThreadPoolTaskRunner)
    pool = task_runner(two_workers, 2)
    assert isinstance(pool, ProcessPoolTaskRunner) and pool._max_workers == 2


def _task_names(flow_run_id, expected: int) -> list[str]:
    """The tasks the flow run ran, in the order they started (the server records task runs
    from events, a moment after they ran), each mapped task once."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs: list = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
        if len(runs) >= expected and all(r.start_time for r in runs):
            break
        time.sleep(1)
    names = [r.name.rsplit("-", 1)[0] for r in sorted(runs, key=lambda r: r.start_time)]
    return [name for i, name in enumerate(names) if i == 0 or name != names[i - 1]]


def test_the_flow_runs_the_declared_stages_as_tasks_in_the_order_of_the_local_engine(
    prefect_harness, small_raw: Path, tmp_path: Path
) -> None:
    """Both engines run the one list of stages: the local engine times each in order, the
    flow records each as its Prefect task (the per-batch stage as mapped tasks)."""
    from pipeline.build import build_dataset
    from pipeline.flows import build_dataset_flow
    from pipeline.stages import STAGES

    declared = [stage.name for stage in STAGES]
    options = {"raw_dir": small_raw, "incremental": False, "workers": 2}
    local = build_dataset(load_settings(out_dir=tmp_path / "local", **options))
    assert list(local.report["run"]["stage_seconds"]) == [*declared, "write"]

    state = build_dataset_flow(
        load_settings(out_dir=tmp_path / "flow", **options), return_state=True
    )
    assert state.is_completed()
    tasks = _task_names(state.state_details.flow_run_id, expected=len(declared) + 1)
    assert tasks == [name.replace("_", "-") for name in declared]
    assert_same_tables(tmp_path / "local", tmp_path / "flow")


def _start(command: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as sink:
        return subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=PROJECT_ROOT,
        )


@pytest.mark.dask
def test_the_flow_on_a_dask_cluster_gives_the_tables_of_a_local_run(
    prefect_harness, small_raw: Path, tmp_path: Path
) -> None:
    """A real scheduler and two single-threaded workers on loopback, from the project's
    environment; the flow sends its per-document tasks there."""
    from distributed import Client

    from pipeline.flows import build_dataset_flow

    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            _start(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                tmp_path / "scheduler.log",
            )
        )
        for number in range(2):
            worker = [dask, "worker", address, "--nworkers", "1", "--nthreads", "1"]
            worker += ["--host", "127.0.0.1", "--no-dashboard"]
            worker += ["--local-directory", str(tmp_path / f"worker-{number}")]
            processes.append(_start(worker, tmp_path / f"worker-{number}.log"))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
            settings = load_settings(
                raw_dir=small_raw,
                out_dir=tmp_path / "dask",
                incremental=False,
                workers=2,
                task_runner="dask",
                dask_address=address,
            )
            assert build_dataset_flow(settings)["published"]
            # The batches were linked on the cluster: its workers built their matchers.
            built = client.run(lambda: len(__import__("pipeline.fanout").fanout._matchers))
            assert len(built) == 2 and sum(built.values()) >= 1
    finally:
        for process in processes:
            _stop(process)
    _local_run(small_raw, tmp_path / "local")
    assert_same_tables(tmp_path / "local", tmp_path / "dask")


def test_pool_workers_report_to_the_temporary_server_of_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a configured server, the task runs of pool workers go to the temporary server
    this process started (each worker started its own before); a configured one is kept."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()
    monkeypatch.setattr(server, "running", True)
    monkeypatch.setattr(server, "port", 8123)
    with temporary_settings({PREFECT_API_URL: None}):
        with driver_api():
            assert PREFECT_API_URL.value() == "http://127.0.0.1:8123/api"
        assert not PREFECT_API_URL.value()
    with temporary_settings({PREFECT_API_URL: "http://10.0.0.5:4200/api"}), driver_api():
        assert PREFECT_API_URL.value() == "http://10.0.0.5:4200/api"
    monkeypatch.setattr(server, "running", False)
    with temporary_settings({PREFECT_API_URL: None}), driver_api():
        assert not PREFECT_API_URL.value()
