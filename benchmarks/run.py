"""``make bench``: the portal's speed as ratios to a bare Flask app measured in the same run.

Absolute numbers on a shared 2-core machine are noise; ratios measured side by side are not. Each
scenario is run interleaved with the anchor (A, B, A, B …) and the median ratio is reported.
Everything is served on 127.0.0.1 by gunicorn (2 sync workers) and driven by wrk, bounded in
time and connections.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import importlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from scenarios.common import Scenario  # noqa: E402

VENV_BIN = Path(sys.executable).parent
DEMO_PASSWORD = "demo-password-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's wrk …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is not installed and could not be installed (apt-get install wrk).")
    return found


class Server:
    """A gunicorn master with two sync workers on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], cwd: Path, preload: bool = True) -> None:
        self.port = free_port()
        args = [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                "--log-level", "warning"]
        if preload:
            args.append("--preload")
        started = time.perf_counter()
        self.process = subprocess.Popen([*args, app], cwd=cwd, env=env, start_new_session=True)
        self.startup_seconds = self._wait_ready(started)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self, started: float) -> float:
        deadline = started + 30
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as response:
                    if response.status in (200, 404):
                        return time.perf_counter() - started
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        self.stop()
        sys.exit(f"server on port {self.port} did not answer within 30 s")

    def memory_pss_mib(self) -> float:
        """Proportional set size of the master and its workers (shared pages split fairly)."""
        pids = [self.process.pid, *self._children(self.process.pid)]
        total_kib = 0
        for pid in pids:
            try:
                text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            match = re.search(r"^Pss:\s+(\d+) kB", text, flags=re.M)
            total_kib += int(match.group(1)) if match else 0
        return total_kib / 1024

    @staticmethod
    def _children(pid: int) -> list[int]:
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def sign_in(base: str, email: str) -> str:
    """Sign in through the real form; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/sign-in").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode({"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    opener.open(base + "/sign-in", data=data.encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(binary: str, url: str, seconds: int, cookie: str | None) -> dict[str, float]:
    args = [binary, "-t1", "-c4", f"-d{seconds}s", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50_ms": _latency(out, "50%"), "p99_ms": _latency(out, "99%"),
            "errors": float(non2xx.group(1)) if non2xx else 0.0}


def _latency(out: str, label: str) -> float:
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)", out, flags=re.M)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def with_run_keys(env: dict[str, str]) -> dict[str, str]:
    """``env`` with keys for this run unless the caller set them: the portal, its CLI steps and
    its workers then share one secret key and one lived-experience key, as servers on a shared
    database (PostgreSQL) must, since the portal refuses to start there without them."""
    from cryptography.fernet import Fernet

    env.setdefault("COPROD_SECRET_KEY", secrets.token_urlsafe(48))
    env.setdefault("COPROD_LIVED_EXPERIENCE_KEY", Fernet.generate_key().decode())
    return env


def prepare_portal(instance: Path, env: dict[str, str], scale: float) -> None:
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    scale_step = [["seed-scale", "--factor", str(scale)]] if scale else []
    for command in (["db", "upgrade"], ["seed-demo"], *scale_step):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)


def load_scenarios() -> list[Scenario]:
    """Every module in benchmarks/scenarios/ (core first, then the plugins alphabetically)."""
    names = sorted(p.stem for p in (ROOT / "benchmarks" / "scenarios").glob("*.py")
                   if p.stem not in {"__init__", "common"})
    names.sort(key=lambda name: name != "core")
    found: list[Scenario] = []
    for name in names:
        found += importlib.import_module(f"scenarios.{name}").scenarios()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (for a smoke test)")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--scale", type=float, default=0.0,
                        help="also load the large data set at this factor (1.0 = full size)")
    parser.add_argument("--only", default="",
                        help="measure only scenarios whose name contains one of these comma-separated words")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args()
    seconds, rounds = (2, args.rounds or 2) if args.quick else (5, args.rounds or 3)
    binary = ensure_wrk()
    instance = Path(tempfile.mkdtemp(prefix="coprod-bench-"))
    env = with_run_keys({**os.environ, "COPROD_INSTANCE_PATH": str(instance),
                         "COPROD_LOGIN_LIMIT_PER_ADDRESS": "100000"})
    prepare_portal(instance, env, args.scale)
    bare = Server("bare:app", env, ROOT / "benchmarks", preload=True)
    portal = Server("wsgi:app", env, ROOT)
    try:
        report = measure(binary, bare, portal, seconds, rounds, args.only)
    finally:
        portal.stop()
        bare.stop()
        shutil.rmtree(instance, ignore_errors=True)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:  # the in-process and launch measurements run after the servers' figures are safe
        output.write_text(json.dumps(report, indent=2))
        report["dispatch"] = run_measurement("dispatch.py", "--requests", 100 if args.quick else 300, env)
        if not args.only or "launch" in args.only.lower():
            launches = 60 if args.quick else 200
            report["lti_launch"] = run_measurement("lti_launch.py", "--launches", launches, env)
    finally:
        output.write_text(json.dumps(report, indent=2))
        print_report(report)
        print(f"\nWrote {output}")


def measure(binary: str, bare: Server, portal: Server, seconds: int, rounds: int, only: str = "") -> dict:
    found = load_scenarios()
    words = [word.strip().lower() for word in only.split(",") if word.strip()]
    if words:
        found = [s for s in found if any(word in s.name.lower() for word in words)]
    emails = {s.signed_in for s in found if s.signed_in} | {"lead@example.org"}
    cookies = {email: sign_in(portal.base, email) for email in sorted(emails)}
    for scenario in found:
        if callable(scenario.path):
            scenario.path = scenario.path(portal.base, cookies)
    anchor: list[dict[str, float]] = []
    for _ in range(rounds):
        for scenario in found:
            anchor.append(wrk(binary, bare.base + "/", seconds, None))
            cookie = cookies[scenario.signed_in] if scenario.signed_in else None
            scenario.results.append(wrk(binary, portal.base + scenario.path, seconds, cookie))
    anchor_rps = statistics.median(a["rps"] for a in anchor)
    rows = []
    for index, scenario in enumerate(found):
        pairs = list(zip(scenario.results, anchor[index::len(found)], strict=False))
        rows.append({"scenario": scenario.name, "path": scenario.path,
                     "rps": statistics.median(r["rps"] for r in scenario.results),
                     "p50_ms": statistics.median(r["p50_ms"] for r in scenario.results),
                     "p99_ms": statistics.median(r["p99_ms"] for r in scenario.results),
                     "errors": sum(r["errors"] for r in scenario.results),
                     "ratio": statistics.median(r["rps"] / a["rps"] for r, a in pairs),
                     "p50_ratio": statistics.median(r["p50_ms"] / a["p50_ms"] for r, a in pairs),
                     "target": scenario.target, "p50_max_ratio": scenario.p50_max_ratio})
    return {"anchor_rps": anchor_rps, "rounds": rounds, "seconds": seconds, "scenarios": rows,
            "memory_pss_mib": {"portal": portal.memory_pss_mib(), "bare": bare.memory_pss_mib()},
            "startup_seconds": portal.startup_seconds}


def run_measurement(script: str, option: str, count: int, env: dict[str, str]) -> dict:
    """Run one of the measurements that are not a wrk scenario, in its own process and instance:
    ``dispatch.py`` (hook dispatch on the home page, in process) and ``lti_launch.py`` (the
    end-to-end LTI launch, a multi-request flow wrk cannot drive, with its own bare anchor). Each
    builds its own portal on SQLite, also when the run measures PostgreSQL: they would otherwise
    seed the run's database a second time."""
    with tempfile.TemporaryDirectory(prefix="coprod-measure-") as folder:
        output = Path(folder) / "result.json"
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), option, str(count),
                               "--output", str(output)], cwd=ROOT, capture_output=True, text=True,
                              env={name: value for name, value in env.items() if name != "DATABASE_URL"})
        if done.returncode != 0:
            sys.exit(f"benchmarks/{script} failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(output.read_text()))


def print_report(report: dict) -> None:
    print(f"\nbare Flask anchor: {report['anchor_rps']:.0f} req/s "
          f"(median of {report['rounds']} rounds × {report['seconds']} s)\n")
    print(f"{'scenario':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} {'target':>7}  ")
    for row in report["scenarios"]:
        if row["target"]:
            target, met = f"≥{row['target']:.2f}", row["ratio"] >= row["target"]
        elif row["p50_max_ratio"]:
            target, met = f"p50≤{row['p50_max_ratio']:.0f}×", row["p50_ratio"] <= row["p50_max_ratio"]
        else:
            target, met = "–", None
        verdict = "" if met is None else ("met" if met else "MISSED")
        errors = f"  ({row['errors']:.0f} non-2xx)" if row["errors"] else ""
        print(f"{row['scenario']:<36} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
              f"{row['ratio']:>7.3f} {target:>7}  {verdict}{errors}")
    memory = report["memory_pss_mib"]
    print(f"\npeak memory (PSS, master + 2 workers): portal {memory['portal']:.0f} MiB "
          f"(target ≤ 170), bare Flask {memory['bare']:.0f} MiB")
    print(f"start-up to first answer: {report['startup_seconds']:.2f} s (target ≤ 2 s)")
    dispatch = report.get("dispatch")
    if dispatch:
        print(f"plugin dispatch on the home page (in process): {dispatch['dispatch_ms']:.3f} ms of "
              f"{dispatch['home_ms']:.2f} ms = {100 * dispatch['share']:.1f} % (target ≤ 5 %)")
    launch = report.get("lti_launch")
    if launch:
        print(f"LTI launch end to end (login → LMS → launch → module, {launch['launches']} launches): "
              f"p50 {launch['launch_p50_ms']:.1f} ms = {launch['launch_p50_ratio']:.1f}× a bare request "
              f"(target ≤ 10×), p95 {launch['launch_p95_ratio']:.1f}× (target ≤ 20×); "
              f"client assertion signed in {launch['client_assertion_p95_ms']:.2f} ms p95 (target ≤ 3 ms)")


if __name__ == "__main__":
    main()
