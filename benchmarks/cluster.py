"""``make cluster``: the portal as an organisation runs it on several servers, on this machine.

Everything on 127.0.0.1: a PostgreSQL server (``.ci/postgres.sh``), a Redis for the job queue
(Debian's ``redis-server``), an S3-compatible object store (``moto`` in server mode, standing in
for AWS S3, MinIO, Ceph RGW or Cloudflare R2), and two portal servers — each a gunicorn with its
own instance folder and a jobs worker beside it — behind HAProxy (Debian's), which checks
``/healthz`` and sends people to the servers that answer. The servers share only what a real
cluster shares: the database, the queue, the bucket and the keys given to them.

``make cluster`` starts it with the demo data and serves until Ctrl-C, then stops everything and
deletes its folders. ``make soak`` uses it when ``SOAK_CLUSTER=1`` (``benchmarks/soak.py``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import VENV_BIN, free_port, with_run_keys  # noqa: E402

BUCKET = "coprod-files"
HEALTH_INTERVAL_MS = 1000  # HAProxy checks each server every second; three failures take it out
HEALTH_FALL = 3  # a busy server (every worker hashing passwords) may miss one check, and stays in


@dataclass
class PortalServer:
    """One portal server: a gunicorn (master and two workers) and a jobs worker, its own instance folder."""

    name: str
    port: int
    instance: Path
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.web is not None and self.web.poll() is None


@dataclass
class Cluster:
    """Start with :meth:`start`, stop with :meth:`stop`; ``base`` is the load balancer's address."""

    env: dict[str, str] = field(default_factory=dict)
    servers: list[PortalServer] = field(default_factory=list)
    lb_port: int = 0
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="coprod-cluster-")))
    database_url: str = ""  # a PostgreSQL server already running; empty: start one here
    extra_env: dict[str, str] = field(default_factory=dict)
    _processes: list[subprocess.Popen] = field(default_factory=list)
    _pg_dir: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    def start(self, count: int = 2, lb_port: int = 0, seed: bool = True) -> None:
        try:
            self._start(count, lb_port, seed)
        except BaseException:
            self.stop()
            raise

    def _start(self, count: int, lb_port: int, seed: bool) -> None:
        self.folder.chmod(0o711)  # PostgreSQL's own user must reach its data folder inside
        database = self.database_url or self._start_postgresql()
        redis_port, s3_port = self._start_redis(), self._start_object_store()
        self.env = with_run_keys({
            **os.environ,
            "DATABASE_URL": database,
            "COPROD_JOBS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "COPROD_FILES_STORAGE": "s3",
            "COPROD_S3_BUCKET": BUCKET,
            "COPROD_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
            "COPROD_S3_REGION": "eu-west-2",
            "AWS_ACCESS_KEY_ID": "cluster-on-loopback",
            "AWS_SECRET_ACCESS_KEY": "cluster-on-loopback",
            **self.extra_env,
        })
        self.env.pop("COPROD_INSTANCE_PATH", None)
        self.env.pop("COPROD_JOBS_IMMEDIATE", None)
        self.servers = [PortalServer(f"web{n + 1}", free_port(), self.folder / f"web{n + 1}")
                        for n in range(count)]
        self._flask(self.servers[0], "db", "upgrade")
        if seed:
            self._flask(self.servers[0], "seed-demo")
        for server in self.servers:
            self.start_server(server)
        self.lb_port = lb_port or free_port()
        self._start_haproxy()
        _wait_for(self.base + "/healthz", "the load balancer")

    # --- the engines ------------------------------------------------------------------------

    def _start_postgresql(self) -> str:
        self._pg_dir = str(self.folder / "postgresql")
        port = free_port()
        started = subprocess.run([str(ROOT / ".ci" / "postgres.sh"), self._pg_dir], check=True, text=True,
                                 capture_output=True, env={**os.environ, "PGPORT_TEST": str(port)})
        return started.stdout.strip()

    def _start_redis(self) -> int:
        binary = shutil.which("redis-server") or "/usr/sbin/redis-server"
        folder = self.folder / "redis"
        folder.mkdir()
        port = free_port()
        self._spawn([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                     "--save", "", "--appendonly", "yes", "--protected-mode", "yes"], "redis")
        _wait_for_port(port, "redis-server")
        return port

    def _start_object_store(self) -> int:
        port = free_port()
        self._spawn([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], "s3")
        _wait_for(f"http://127.0.0.1:{port}/", "the S3-compatible server (moto)")
        import boto3

        boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-2",
                     aws_access_key_id="cluster-on-loopback",
                     aws_secret_access_key="cluster-on-loopback").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        return port

    def _start_haproxy(self) -> None:
        config = self.folder / "haproxy.cfg"
        backends = "\n".join(f"    server {s.name} 127.0.0.1:{s.port} check" for s in self.servers)
        config.write_text(f"""global
    maxconn 1024
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 5s
    retries 3
    option redispatch
frontend portal
    bind 127.0.0.1:{self.lb_port}
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /healthz
    http-check expect string ok
    default-server inter {HEALTH_INTERVAL_MS}ms fall {HEALTH_FALL} rise 2
{backends}
""")
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self._spawn([binary, "-f", str(config), "-db"], "haproxy")

    # --- the portal servers -----------------------------------------------------------------

    def _server_env(self, server: PortalServer) -> dict[str, str]:
        server.instance.mkdir(parents=True, exist_ok=True)
        return {**self.env, "COPROD_INSTANCE_PATH": str(server.instance)}

    def _flask(self, server: PortalServer, *command: str) -> None:
        subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT,
                       env=self._server_env(server), check=True, capture_output=True)

    def start_server(self, server: PortalServer) -> None:
        """Start (or start again) a server's gunicorn and jobs worker; return once it answers."""
        env, log = self._server_env(server), (server.instance / "server.log").open("a")
        server.web = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "python:coprod_portal.gunicorn_conf", "--workers", "2",
             "--bind", f"127.0.0.1:{server.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        server.worker = subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "wsgi", "jobs", "run", "--workers", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_for(server.base + "/healthz", server.name)

    def kill_server(self, server: PortalServer) -> None:
        """The whole server goes: SIGKILL to gunicorn's master and workers and to the jobs worker."""
        for process in (server.web, server.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop(self) -> None:
        for server in self.servers:
            for process in (server.web, server.worker):
                if process is not None and process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self._pg_dir:
            subprocess.run([str(ROOT / ".ci" / "postgres-stop.sh"), self._pg_dir], check=False,
                           capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _spawn(self, command: list[str], name: str) -> None:
        log = (self.folder / f"{name}.log").open("a")
        self._processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True))


def _wait_for(url: str, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer at {url} within {seconds:.0f} s")


def _wait_for_port(port: int, what: str) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port} within 30 s")


def main() -> None:
    port = int(os.environ.get("PORT", "5000"))
    cluster = Cluster()
    print("Starting PostgreSQL, Redis, an S3-compatible store, two portal servers and HAProxy …",
          flush=True)
    try:
        cluster.start(lb_port=port)
        print(f"\n  Co-production Portal, through the load balancer: {cluster.base}/")
        for server in cluster.servers:
            print(f"  {server.name}: {server.base}/  (instance folder {server.instance})")
        print(f"  Database: {cluster.env['DATABASE_URL']}")
        print(f"  Jobs: {cluster.env['COPROD_JOBS_URL']}   Files: bucket '{BUCKET}' at "
              f"{cluster.env['COPROD_S3_ENDPOINT_URL']}")
        print("  Sign in with a demo account from the README. Ctrl-C stops everything.\n", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping the cluster …", flush=True)
        cluster.stop()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)  # stopped like Ctrl-C: everything is cleaned up
    main()
