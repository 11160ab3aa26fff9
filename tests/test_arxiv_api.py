"""The arXiv client against a local HTTP server serving recorded Atom answers (no internet)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from pipeline.arxiv_api import (
    USER_AGENT,
    ArxivApiError,
    ArxivClient,
    ArxivEntry,
    RateLimiter,
    enrich,
    parse_feed,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


class FakeTime:
    """Clock and sleep for the rate limiter: sleeping advances the clock instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Server:
    """Answers each request with the next scripted (status, body, delay)."""

    def __init__(self, script: list[tuple[int, str, float]]) -> None:
        self.script = script
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                status, body, delay = server.script.pop(0) if server.script else (500, "", 0)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/atom+xml")
                    self.end_headers()
                    self.wfile.write(body.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"

    def __enter__(self) -> Server:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _client(url: str, tmp_path: Path, fake_time: FakeTime, **kwargs: object) -> ArxivClient:
    limiter = RateLimiter(3.0, clock=fake_time.clock, sleep=fake_time.sleep)
    return ArxivClient(tmp_path / "cache", api_url=url, limiter=limiter, backoff=5.0, **kwargs)


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_parse_feed_reads_ids_titles_years_and_authors() -> None:
    entries = parse_feed(_fixture("two_entries.xml"))
    assert [(e.arxiv_id, e.title, e.year) for e in entries] == [
        ("2304.09848", "Evaluating Verifiability in Generative Search Engines", 2023),
        ("cs/0406056", "P=NP", 2004),
    ]
    assert entries[0].authors == ("Nelson F. Liu", "Tianyi Zhang", "Percy Liang")


def test_parse_feed_skips_error_entries() -> None:
    assert parse_feed(_fixture("unknown_id.xml")) == []


def test_lookup_asks_once_with_user_agent_and_reports_unknown_ids(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    with Server([(200, _fixture("two_entries.xml"), 0)]) as server:
        client = _client(server.url, tmp_path, fake_time)
        entries = client.lookup(["cs/0406056", "2304.09848", "2399.99999"])
    assert [(e.arxiv_id, e.found) for e in entries] == [
        ("2304.09848", True),
        ("2399.99999", False),
        ("cs/0406056", True),
    ]
    path, headers = server.requests[0]
    query = parse_qs(urlparse(path).query)
    assert query["id_list"] == ["2304.09848,2399.99999,cs/0406056"]
    assert headers["User-Agent"] == USER_AGENT


def test_lookup_retries_after_a_503_with_backoff_and_rate_limit(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    script = [(503, "busy", 0), (200, _fixture("two_entries.xml"), 0)]
    with Server(script) as server:
        client = _client(server.url, tmp_path, fake_time)
        entries = client.lookup(["2304.09848"])
    assert entries[0].title == "Evaluating Verifiability in Generative Search Engines"
    assert len(server.requests) == 2
    # backoff of 5 s, after which the 3 s interval has passed: no extra wait
    assert fake_time.sleeps == [5.0]


def test_rate_limiter_spaces_requests_three_seconds(fake_time: FakeTime) -> None:
    limiter = RateLimiter(3.0, clock=fake_time.clock, sleep=fake_time.sleep)
    limiter.wait()
    fake_time.now += 1.0
    limiter.wait()
    limiter.wait()
    assert fake_time.sleeps == [2.0, 3.0]


def test_lookup_gives_up_after_timeouts(tmp_path: Path, fake_time: FakeTime) -> None:
    slow = (200, _fixture("two_entries.xml"), 0.5)
    with Server([slow, slow]) as server:
        client = _client(server.url, tmp_path, fake_time, timeout=0.1, retries=1)
        with pytest.raises(ArxivApiError, match=r"timed out|Timeout"):
            client.lookup(["2304.09848"])
    assert len(server.requests) == 2


def test_lookup_does_not_retry_a_bad_request(tmp_path: Path, fake_time: FakeTime) -> None:
    with Server([(400, "bad", 0), (200, _fixture("two_entries.xml"), 0)]) as server:
        client = _client(server.url, tmp_path, fake_time)
        with pytest.raises(ArxivApiError, match="HTTP 400"):
            client.lookup(["2304.09848"])
    assert len(server.requests) == 1


def test_cached_answers_are_not_asked_again(tmp_path: Path, fake_time: FakeTime) -> None:
    with Server([(200, _fixture("two_entries.xml"), 0)]) as server:
        first = _client(server.url, tmp_path, fake_time).lookup(["2304.09848", "2399.99999"])
        second_client = _client(server.url, tmp_path, fake_time)
        second = second_client.lookup(["2304.09848", "2399.99999"])
    assert first == second
    assert len(server.requests) == 1
    assert second_client.requests_made == 0


def test_enrich_writes_catalog_rows_for_papers_missing_from_the_catalog(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    dataset = tmp_path / "clean"
    dataset.mkdir()
    pd.DataFrame(
        {
            "arxiv_id": ["2304.09848", "1706.03762", None, "2399.99999"],
            "in_catalog": [False, True, False, False],
        }
    ).to_parquet(dataset / "papers.parquet")
    with Server([(200, _fixture("two_entries.xml"), 0)]) as server:
        client = _client(server.url, tmp_path, fake_time)
        looked_up, written = enrich(dataset, tmp_path / "new.csv", client)
    assert (looked_up, written) == (2, 1)
    assert parse_qs(urlparse(server.requests[0][0]).query)["id_list"] == ["2304.09848,2399.99999"]
    rows = pd.read_csv(tmp_path / "new.csv", dtype=str, keep_default_na=False)
    assert rows.to_dict("records") == [
        {
            "paper_id": "arxiv:2304.09848",
            "arxiv_id": "2304.09848",
            "title": "Evaluating Verifiability in Generative Search Engines",
            "year": "2023",
            "authors": "Nelson F. Liu; Tianyi Zhang; Percy Liang",
            "aliases": "",
            "keywords": "",
        }
    ]


HOSTILE_TITLES = {
    "2301.00001": '=HYPERLINK("https://example.invalid","click")',
    "2301.00002": "+1 formula",
    "2301.00003": "-2+3",
    "2301.00004": "@SUM(A1:A9)",
    "2301.00005": "\tTabbed title",
    "2301.00006": "\rCarriage title",
    "2301.00007": "A Plain Title - With a Dash",
}


def test_enrich_neutralises_text_a_spreadsheet_would_run(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    dataset = tmp_path / "clean"
    dataset.mkdir()
    ids = sorted(HOSTILE_TITLES)
    pd.DataFrame({"arxiv_id": ids, "in_catalog": [False] * len(ids)}).to_parquet(
        dataset / "papers.parquet"
    )
    client = _client("http://127.0.0.1:9/never-asked", tmp_path, fake_time)
    for arxiv_id, title in HOSTILE_TITLES.items():  # answers from the cache: no request
        client._store(ArxivEntry(arxiv_id, True, title, 2023, ("=cmd|' /C calc'!A0", "B. Author")))
    enrich(dataset, tmp_path / "new.csv", client)
    assert client.requests_made == 0
    rows = pd.read_csv(tmp_path / "new.csv", dtype=str, keep_default_na=False)
    titles = dict(zip(rows["arxiv_id"], rows["title"], strict=True))
    for arxiv_id, title in HOSTILE_TITLES.items():
        expected = title if arxiv_id == "2301.00007" else "'" + title
        assert titles[arxiv_id] == expected
    assert set(rows["authors"]) == {"'=cmd|' /C calc'!A0; B. Author"}
