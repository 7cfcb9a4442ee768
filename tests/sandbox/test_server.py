"""Faults, latency, counters, determinism, scale, start-up time, the child process and the CLI."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from explorer.sandbox import SandboxConfig, launch_sandbox_process, start_sandbox
from explorer.sandbox import cli as sandbox_cli
from explorer.sandbox.process import child_command
from explorer.sandbox.scalepad import ResultCache
from explorer.sandbox.tenant import Tenant

ROOT = Path(__file__).resolve().parents[2]


def test_full_fault_rate_gives_only_5xx_or_dropped_connections(make_sandbox):
    sb = make_sandbox(fault_rate=1.0)
    outcomes = set()
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        for _ in range(40):
            try:
                outcomes.add(client.get("/core/v1/clients").status_code)
            except httpx.TransportError:
                outcomes.add("dropped")
    assert "dropped" in outcomes
    assert outcomes - {"dropped"} <= {500, 502, 503}
    assert outcomes & {500, 502, 503}
    assert sb.stats.faults == 40


def test_partial_fault_rate_mixes_faults_and_answers(make_sandbox):
    sb = make_sandbox(fault_rate=0.3, seed=7)
    ok = failed = 0
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        for _ in range(100):
            try:
                response = client.get("/core/v1/sites")
            except httpx.TransportError:
                failed += 1
                continue
            if response.status_code == 200:
                ok += 1
            else:
                assert response.status_code >= 500
                failed += 1
    assert 10 <= failed <= 55
    assert ok + failed == 100


def test_latency_is_added_per_request(make_sandbox):
    sb = make_sandbox(latency_ms=150)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        started = time.perf_counter()
        client.get("/core/v1/sites")
        client.get("/core/v1/sites")
        assert time.perf_counter() - started >= 0.3


def test_stats_count_paths_statuses_and_reset(make_sandbox):
    sb = make_sandbox()
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        client.get("/core/v1/sites")
        client.get("/core/v1/sites", params={"page_size": 2})
        client.get("/core/v1/clients", headers={"X-Api-Key": "no"})
        stats = sb.stats.snapshot()
        assert stats.requests == 3
        assert stats.by_path == {"/core/v1/sites": 2, "/core/v1/clients": 1}
        assert stats.by_status == {200: 2, 401: 1}
        assert client.get("/sandbox/stats").json()["requests"] == 3  # not counted itself
        sb.reset_stats()
        assert sb.stats.requests == 0
        assert sb.stats.by_path == {}


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = Tenant(5, 0.1), Tenant(5, 0.1), Tenant(6, 0.1)
    assert [a.hardware.record(i) for i in range(50)] == [b.hardware.record(i) for i in range(50)]
    assert a.hardware.record(3) != c.hardware.record(3)
    assert a.quotes.record(7) == b.quotes.record(7)


def test_determinism_over_http(make_sandbox):
    first, second = make_sandbox(seed=3), make_sandbox(seed=3)
    bodies = []
    for sb in (first, second):
        with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
            bodies.append(
                client.get(
                    "/core/v1/assets/hardware", params={"page_size": 50, "sort": "name"}
                ).json()
            )
    assert bodies[0] == bodies[1]
    assert first.api_key == second.api_key


def test_volume_scales():
    assert Tenant(1, 1).volumes["hardware"] == 10_000
    assert Tenant(1, 1).volumes["clients"] == 250
    assert Tenant(1, 2).volumes["hardware"] == 20_000
    assert Tenant(1, 100).volumes["hardware"] == 1_000_000


def test_a_million_assets_are_built_only_as_the_pages_ask_for_them(make_sandbox, monkeypatch):
    """Nothing is generated up front, and a page deep in a million is built without the records
    before it (so paging takes the same time anywhere; benchmarks/ time it)."""
    built: list[int] = []
    build = Tenant._hardware

    def counting(self: Tenant, i: int, hid: str) -> dict:
        built.append(i)
        return build(self, i, hid)

    monkeypatch.setattr(Tenant, "_hardware", counting)
    sb = make_sandbox(scale=100)
    assert built == []
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        first = client.get("/core/v1/assets/hardware", params={"page_size": 200}).json()
        assert first["total_count"] == 1_000_000
        cursor = first["next_cursor"]
        for _ in range(5):
            page = client.get(
                "/core/v1/assets/hardware", params={"page_size": 200, "cursor": cursor}
            ).json()
            cursor = page["next_cursor"]
        last = client.get(
            "/sandbox/v1/assets/hardware", params={"page": 5000, "page_size": 200}
        ).json()
        assert len(last["data"]) == 200
        assert last["has_more"] is False
        assert set(built) <= set(range(1200)) | set(range(999_800, 1_000_000))
        asset = last["data"][-1]
        assert client.get(f"/core/v1/assets/hardware/{asset['id']}").json() == asset


def test_in_process_start_serves_at_once_and_stop_frees_the_port():
    handle = start_sandbox(SandboxConfig(scale=1))
    url = handle.url
    assert url.startswith("http://127.0.0.1:")
    with httpx.Client() as client:
        assert (
            client.get(url + "/core/v1/clients", headers={"x-api-key": handle.api_key}).status_code
            == 200
        )
        handle.stop()
        with pytest.raises(httpx.TransportError):
            client.get(url + "/core/v1/clients", headers={"x-api-key": handle.api_key})
    handle.stop()  # a second stop is harmless


def test_config_validation():
    for bad in (
        {"port": -1},
        {"scale": 0},
        {"fault_rate": 1.5},
        {"rate": "fast"},
        {"token_ttl_s": 0},
        {"oversize_page": "maybe"},
    ):
        with pytest.raises(ValueError):
            SandboxConfig(**bad)


def test_child_command_normal_and_frozen(monkeypatch):
    config = SandboxConfig(rate=None, scale=0.5)
    command = child_command(config)
    assert command[:3] == [sys.executable, "-m", "explorer.sandbox"]
    assert "--json" in command
    assert command[command.index("--rate") + 1] == "0"
    assert "--nonatomic-paging" not in command
    flagged = child_command(
        SandboxConfig(nonatomic_paging=True, oversize_page="clamp", null_next_cursor=True)
    )
    assert {"--nonatomic-paging", "--clamp-page-size", "--null-next-cursor"} <= set(flagged)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert child_command(config)[:2] == [sys.executable, "--sandbox-server"]


def test_child_process_serves_and_reports_stats():
    with launch_sandbox_process(SandboxConfig(scale=0.05, rate="100/5", seed=4)) as proc:
        assert proc.running
        with httpx.Client(base_url=proc.url, headers={"x-api-key": proc.api_key}) as client:
            assert client.get("/core/v1/clients").status_code == 200
            token = client.post(
                "/v1/Token", json={"username": proc.scout_username, "password": proc.scout_password}
            )
            assert token.status_code == 200
        stats = proc.stats
        assert stats.requests == 2
        assert stats.by_path["/core/v1/clients"] == 1
        proc.reset_stats()
        assert proc.stats.requests == 0
        start_sandbox_key = start_sandbox(SandboxConfig(seed=4))
        try:
            assert proc.api_key == start_sandbox_key.api_key  # credentials derive from the seed
        finally:
            start_sandbox_key.stop()
    assert not proc.running


def test_cli_registers_the_documented_options():
    parser = argparse.ArgumentParser()
    sandbox_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "sandbox",
            "--port",
            "0",
            "--scale",
            "2",
            "--latency-ms",
            "5",
            "--rate",
            "10/1",
            "--token-ttl",
            "60",
            "--fault-rate",
            "0.1",
            "--seed",
            "9",
        ]
    )
    assert (args.scale, args.latency_ms, args.rate, args.token_ttl, args.fault_rate, args.seed) == (
        2.0,
        5.0,
        "10/1",
        60.0,
        0.1,
        9,
    )
    assert args.handler is sandbox_cli.handler
    config = sandbox_cli.config_from_args(args)
    assert (config.scale, config.rate, config.token_ttl_s, config.seed) == (2.0, "10/1", 60.0, 9)
    assert config.oversize_page == "reject"
    with pytest.raises(SystemExit):
        parser.parse_args(["sandbox", "--rate", "lots"])
    with pytest.raises(SystemExit):
        parser.parse_args(["sandbox", "--fault-rate", "2"])


def test_python_dash_m_prints_url_key_and_credentials_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "explorer.sandbox", "--scale", "0.05"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    ) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(9)]
            text = "".join(lines)
            url = next(line.split()[-1] for line in lines if "listening on" in line)
            key = next(line.split()[-1] for line in lines if "API key" in line)
            assert "Scout username" in text
            assert "Scout password" in text
            assert "curl -g -H 'x-api-key: " in text
            with httpx.Client() as client:
                assert (
                    client.get(url + "/core/v1/sites", headers={"x-api-key": key}).status_code
                    == 200
                )
            proc.send_signal(signal.SIGINT)
            assert proc.wait(10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_port_in_use_is_reported_without_a_traceback(sandbox):
    port = sandbox.url.rsplit(":", 1)[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "explorer.sandbox", "--port", port],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=30,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "--port" in result.stderr


def test_result_cache_builds_once_and_stays_bounded():
    cache = ResultCache(capacity=3, max_indices=10)
    builds = []
    gate = threading.Event()

    def build():
        builds.append(1)
        gate.wait(1)
        return range(4)

    threads = [threading.Thread(target=cache.get_or_build, args=(("k",), build)) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(builds) == 1
    for n in range(3):
        cache.get_or_build(("other", n), lambda: range(4))
    # 10 indices at most: only the two newest 4-index results remain
    assert cache.get_or_build(("k",), lambda: range(99)) == range(99)


def test_root_describes_the_emulation_and_unknown_paths_are_404(anonymous):
    about = anonymous.get("/").json()
    assert "emulation" in about["description"]
    response = anonymous.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


def test_head_requests_get_headers_only(api):
    response = api.head("/core/v1/clients")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


def test_cli_handler_reports_bad_settings_with_status_2(capsys):
    parser = argparse.ArgumentParser()
    sandbox_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "--unsubscribed", "billing"])
    assert sandbox_cli.handler(args) == 2
    assert "use core, quoter, lifecycle-manager" in capsys.readouterr().err
