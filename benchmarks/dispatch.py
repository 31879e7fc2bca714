"""Micro-benchmark: what dispatching hooks to plugins costs on the signed-in home page.

Target: plugin dispatch ≤ 5 % of the home page's time. Dispatch is the host's own work — finding
each hook's implementations, calling each one guarded, collecting the answers — not what the
plugins then do. It is measured in process (no HTTP): the hook calls one home page request makes
are recorded, then replayed against implementations that answer None at once, and set against
the whole request's median time in the same run.

    .venv/bin/python benchmarks/dispatch.py [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SHARE = 0.05


def _signed_in_home(requests: int) -> tuple[Any, list[tuple[str, dict[str, Any]]], float]:
    """Build a seeded portal, sign the lead in, and time the home page; record its hook calls."""
    os.environ["COPROD_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="coprod-dispatch-")
    from coprod_portal import create_app, db
    from coprod_portal.demo import seed
    from coprod_portal.testing import login

    app = create_app()
    with app.app_context():
        db.upgrade(app)
        with db.Session(app.extensions["coprod_engine"]) as session:
            seed(session)
    client = login(app.test_client(), "lead@example.org")
    for _ in range(20):
        assert client.get("/").status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/")
        times.append(time.perf_counter() - started)
    host = app.extensions["coprod_plugins"]
    calls: list[tuple[str, dict[str, Any]]] = []
    real_call = host.call

    def recording(hook: str, **kwargs: Any) -> Any:
        calls.append((hook, kwargs))
        return real_call(hook, **kwargs)

    host.call = recording
    client.get("/")
    host.call = real_call
    return app, calls, statistics.median(times)


def _dispatch_seconds(app: Any, calls: list[tuple[str, dict[str, Any]]], rounds: int) -> float:
    """Median time to replay one request's hook calls with every implementation answering None."""
    host = app.extensions["coprod_plugins"]
    impls = [impl for hook in {h for h, _ in calls} for impl in getattr(host.pm.hook, hook).get_hookimpls()]
    saved = [impl.function for impl in impls]
    for impl in impls:
        impl.function = lambda *args: None
    try:
        with app.test_request_context("/"):
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                for hook, kwargs in calls:
                    host.call(hook, **kwargs)
                times.append(time.perf_counter() - started)
    finally:
        for impl, function in zip(impls, saved, strict=True):
            impl.function = function
    return statistics.median(times)


def measure(requests: int = 300) -> dict[str, Any]:
    app, calls, home = _signed_in_home(requests)
    dispatch = _dispatch_seconds(app, calls, requests)
    return {"home_ms": home * 1000, "dispatch_ms": dispatch * 1000, "hook_calls": len(calls),
            "share": dispatch / home, "target_share": TARGET_SHARE}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "dispatch.json"))
    args = parser.parse_args()
    result = measure(args.requests)
    Path(args.output).write_text(json.dumps(result, indent=2))
    verdict = "met" if result["share"] <= TARGET_SHARE else "MISSED"
    print(f"home page (in process) {result['home_ms']:.2f} ms; "
          f"plugin dispatch {result['dispatch_ms']:.3f} ms "
          f"for {result['hook_calls']} hook calls = {100 * result['share']:.1f} % "
          f"(target ≤ {100 * TARGET_SHARE:.0f} %)  {verdict}")


if __name__ == "__main__":
    main()
