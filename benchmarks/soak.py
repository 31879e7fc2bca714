"""``make soak``: many clients reading and writing at once while things go wrong; nothing may be lost.

The portal runs under gunicorn (2 sync workers, as ``make bench``) on 127.0.0.1, on a seeded database
(SQLite by default; on PostgreSQL when ``DATABASE_URL`` is set, in a database of its own made on that
server and dropped afterwards). ``SOAK_CLIENTS`` clients (default 64), each signed in through the
real form with its own cookies and CSRF token, mix for ``SOAK_SECONDS`` (default 60): page reads,
involvements recorded, fees approved (two fees of £10.01+ for the same member and week cross a £20
cap, so racing fees must be refused), donated fees, checklist answers and LTI launches from the
test suite's signing platform.

Every write carries a token of its own. A write is *acknowledged* when the portal answered with
its success redirect; a write that met a 503 or a dropped connection is *unknown* (it may or may
not have been saved) and the client goes on with a new token. Afterwards everything is counted
back from the database: each acknowledged token exactly once (0 lost, 0 duplicated), unknown
tokens at most once, no member over their weekly cap, every saved record with its audit entry.

Faults, while the clients write: ``kill -9`` of one gunicorn worker (gunicorn starts another), and
on PostgreSQL, when ``SOAK_PG_DIR`` names the data folder of a server started by
``.ci/postgres.sh``, a restart of the server (requests then get the polite 503, and are retried).
A 5xx or dropped connection outside those moments is a breach. Exits 1 on any breach.

``SOAK_CLUSTER=1``: the same clients through HAProxy to two portal servers sharing PostgreSQL,
Redis and an S3-compatible store (``benchmarks/cluster.py``; on the ``DATABASE_URL`` server when
set, else on one it starts). They also record expenses with a receipt uploaded. Midway one whole
portal server is killed with SIGKILL (its gunicorn and its jobs worker), and started again a third
of the run later. Afterwards every acknowledged receipt must download, byte for byte, from each
server directly, and a job that every server's worker schedules each minute must have run at most
once per minute.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests"), str(ROOT)]
from cluster import HEALTH_FALL, HEALTH_INTERVAL_MS, Cluster  # noqa: E402
from run import DEMO_PASSWORD, Server, prepare_portal, with_run_keys  # noqa: E402
from training_plugin.platform import TestPlatform  # noqa: E402

LEAD, MEMBER = "lead@example.org", "member@example.org"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
GRACE = 3.0  # seconds after a fault during which 503s and dropped connections are expected
DAYS = 28  # the run's window of payment and involvement dates (four weeks, far in the future)


@dataclass
class Plan:
    """What the clients work on, found in the seeded database before the run."""

    run: str
    first_day: date
    members: list[tuple[str, str, int]]  # (member id, involvement id, weekly cap in pence)
    project: str
    items: list[str]
    lms: TestPlatform
    uploads: bool = False

    def day(self, n: int) -> date:
        return self.first_day + timedelta(days=n % DAYS)


@dataclass
class Ledger:
    """What the clients saw: statuses, acknowledged and unknown writes, faults and when they were."""

    statuses: Counter = field(default_factory=Counter)
    acked: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, list[str]] = field(default_factory=dict)
    refused_by_cap: int = 0
    faults: list[tuple[str, float, float]] = field(default_factory=list)  # (what, start, end)
    receipts: dict[str, str] = field(default_factory=dict)  # token -> sha256 of the receipt sent
    notes: list[str] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)  # 5xx / dropped: (when, what)

    def write(self, kind: str, token: str, acknowledged: bool) -> None:
        (self.acked if acknowledged else self.unknown).setdefault(kind, []).append(token)

    def expected(self, when: float) -> bool:
        return any(start - 0.5 <= when <= end + GRACE for _, start, end in self.faults)


def boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


# --- one client ---------------------------------------------------------------------------------


class Client:
    def __init__(self, base: str, plan: Plan, ledger: Ledger, seed: int) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
        self.plan, self.ledger, self.rng = plan, ledger, random.Random(seed)
        self.token = ""
        self.count = 0

    async def sign_in(self, email: str) -> None:
        page = await self.http.get("/sign-in")
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        answer = await self.http.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD,
                                                        "csrf_token": token})
        if answer.status_code != 302:
            raise SystemExit(f"sign-in as {email} failed with {answer.status_code}")
        if email != LEAD:
            return
        form = await self.http.get(f"/network/members/{self.plan.members[0][0]}/involvements/new")
        if form.status_code != 200 or not CSRF.search(form.text):
            raise SystemExit(f"the lead's involvement form answered {form.status_code}: {form.text[:300]}")
        self.token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]

    def unique(self, kind: str) -> str:
        self.count += 1
        return f"{self.plan.run}-{kind}-{id(self):x}-{self.count}"

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One request; None when the connection dropped. Notes 5xx and drops with their moment."""
        try:
            answer = await self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            self.ledger.statuses["dropped"] += 1
            self.ledger.errors.append((time.monotonic(), f"{method} {path}: {exc.__class__.__name__}"))
            return None
        self.ledger.statuses[answer.status_code] += 1
        if answer.status_code >= 500:
            self.ledger.errors.append((time.monotonic(), f"{method} {path}: {answer.status_code}"))
            if answer.status_code == 503 and "unavailable for a moment" not in answer.text:
                self.ledger.breaches.append(f"a 503 without the polite page on {path}")
            await asyncio.sleep(min(1.0, float(answer.headers.get("Retry-After", 1))))
        return answer

    async def write(self, kind: str, token: str, path: str, data: dict[str, Any], ok: int = 302) -> None:
        answer = await self.send("POST", path, data={"csrf_token": self.token, **data})
        if answer is not None and answer.status_code == ok:
            self.ledger.write(kind, token, True)
        elif answer is None or answer.status_code >= 500:
            self.ledger.write(kind, token, False)
        elif answer.status_code == 400 and "over the cap they chose" in answer.text:
            self.ledger.refused_by_cap += 1
        else:
            self.ledger.breaches.append(f"{kind} refused unexpectedly: {answer.status_code} on {path}")

    async def involvement(self) -> None:
        member, _, _ = self.rng.choice(self.plan.members)
        token = self.unique("involvement")
        await self.write("involvement", token, f"/network/members/{member}/involvements/new", {
            "role": "interview_panel", "starts_on": boxes(self.plan.day(self.count)),
            "ends_on": ["", "", ""], "hours": "2", "preparation_hours": "1", "mode": "in_person",
            "project_id": "", "note": token, "hours_cap_agreed": "y"})

    async def fee(self, donated: bool) -> None:
        """A full fee is known by (member, payment date, amount): two in one week cross the cap anyway."""
        member, involvement, _ = self.rng.choice(self.plan.members)
        pence, paid_on = 1001 + self.rng.randrange(900), self.plan.day(self.rng.randrange(DAYS))
        token = self.unique("donated") if donated else f"{member}|{paid_on.isoformat()}|{pence}"
        await self.write("donated" if donated else "fee", token, f"/network/involvements/{involvement}/fee", {
            "offered": f"{pence // 100}.{pence % 100:02d}", "choice": "donated" if donated else "full",
            "amount": "", "charity": token if donated else "", "method": "bank", "paid_on": boxes(paid_on)})

    async def expense(self) -> None:
        """An expense with a receipt (a PDF by its first bytes, unique content): acknowledged by 302."""
        member, _, _ = self.rng.choice(self.plan.members)
        token = self.unique("expense")
        noise = self.rng.randbytes(20_000 + self.rng.randrange(60_000))
        body = b"%PDF-1.4\n% " + token.encode() + b"\n" + noise
        answer = await self.send("POST", f"/network/members/{member}/expenses/new", data={
            "csrf_token": self.token, "amount": "4.20", "paid_on": boxes(self.plan.day(self.count)),
            "description": token}, files={"receipt": ("receipt.pdf", body, "application/pdf")})
        if answer is not None and answer.status_code == 302:
            self.ledger.write("expense", token, True)
            self.ledger.receipts[token] = hashlib.sha256(body).hexdigest()
        elif answer is None or answer.status_code >= 500:
            self.ledger.write("expense", token, False)
        else:
            self.ledger.breaches.append(f"expense refused unexpectedly: {answer.status_code}")

    async def checklist(self) -> None:
        ref = self.rng.choice(self.plan.items)
        token = self.unique("checklist")
        await self.write("checklist", token, f"/checklists/projects/{self.plan.project}/items/{ref}", {
            "status": "yes", "reason": "", "notes": token, "evidence": "", "owner_email": "", "value": ""})

    async def launch(self) -> None:
        """OIDC login → the platform's authorisation → launch; acknowledged by the tool's 303."""
        lms, token = self.plan.lms, self.unique("launch")
        async with httpx.AsyncClient(base_url=str(self.http.base_url), timeout=60) as browser:
            try:
                login = await browser.post("/training/lti/login", data={
                    "iss": lms.issuer, "client_id": lms.client_id, "login_hint": token,
                    "lti_message_hint": "resource:benefits",
                    "target_link_uri": f"{self.http.base_url}training/lti/launch"})
                if login.status_code != 302:
                    return self._launch_failed(login.status_code)
                auth = await browser.get(login.headers["Location"])
                fields = dict(re.findall(r'name="(state|id_token)" value="([^"]+)"', auth.text))
                launched = await browser.post("/training/lti/launch", data=fields)
            except httpx.TransportError:
                self.ledger.statuses["dropped"] += 1
                self.ledger.errors.append((time.monotonic(), "LTI launch: dropped"))
                self.ledger.write("launch", token, False)
                return
            self.ledger.statuses[launched.status_code] += 1
            if launched.status_code == 303:
                self.ledger.write("launch", token, True)
            else:
                self._launch_failed(launched.status_code, token)

    def _launch_failed(self, status: int, token: str = "") -> None:
        self.ledger.statuses[status] += 1
        if status >= 500:
            self.ledger.errors.append((time.monotonic(), f"LTI launch: {status}"))
            if token:
                self.ledger.write("launch", token, False)
        else:
            self.ledger.breaches.append(f"LTI launch refused: {status}")

    async def read(self) -> None:
        member, _, _ = self.rng.choice(self.plan.members)
        path = self.rng.choice(["/", "/network/", f"/network/members/{member}", "/projects/",
                                f"/checklists/projects/{self.plan.project}", "/search?q=soak"])
        answer = await self.send("GET", path)
        if answer is not None and answer.status_code not in (200, 503):
            self.ledger.breaches.append(f"GET {path} answered {answer.status_code}")

    async def work(self, deadline: float) -> None:
        steps = [(self.read, 50), (self.involvement, 12), (lambda: self.fee(False), 12),
                 (lambda: self.fee(True), 8), (self.checklist, 12), (self.launch, 6)]
        if self.plan.uploads:
            steps.append((self.expense, 8))
        actions, weights = zip(*steps, strict=True)
        while time.monotonic() < deadline:
            await self.rng.choices(actions, weights)[0]()

    async def member_reads(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            answer = await self.send("GET", self.rng.choice(["/network/me", "/network/me/statement", "/"]))
            if answer is not None and answer.status_code not in (200, 503):
                self.ledger.breaches.append(f"a member's own page answered {answer.status_code}")


# --- faults -------------------------------------------------------------------------------------


def workers(server: Server) -> list[int]:
    return server._children(server.process.pid)


async def kill_a_worker(server: Server, ledger: Ledger) -> None:
    victim = workers(server)[0]
    started = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    for _ in range(200):  # gunicorn notices and starts another worker
        await asyncio.sleep(0.05)
        if len([p for p in workers(server) if p != victim]) == 2:
            break
    ledger.faults.append((f"kill -9 of worker {victim}", started, time.monotonic()))


async def restart_postgresql(folder: str, port: int, ledger: Ledger) -> None:
    env = {**os.environ, "PGPORT_TEST": str(port)}
    started = time.monotonic()
    for script, extra in ((".ci/postgres-stop.sh", ["--keep"]), (".ci/postgres.sh", [])):
        await asyncio.to_thread(subprocess.run, [str(ROOT / script), folder, *extra], env=env,
                                check=True, capture_output=True)
        if extra:
            await asyncio.sleep(1.0)  # the database stays away for a moment
    ledger.faults.append(("PostgreSQL restart", started, time.monotonic()))


async def kill_a_portal_server(cluster: Cluster, ledger: Ledger, seconds: float) -> None:
    """SIGKILL one whole server; the load balancer takes it out. Start it again a third later."""
    server = cluster.servers[0]
    started = time.monotonic()
    await asyncio.to_thread(cluster.kill_server, server)
    await asyncio.sleep(HEALTH_INTERVAL_MS * (HEALTH_FALL + 1) / 1000)  # HAProxy has taken it out
    ledger.faults.append((f"SIGKILL of portal server {server.name} (gunicorn and jobs worker)", started,
                          time.monotonic()))
    await asyncio.sleep(seconds / 3)
    started = time.monotonic()
    await asyncio.to_thread(cluster.start_server, server)  # not a fault: nobody may notice it coming back
    ledger.notes.append(f"{server.name} started again in {time.monotonic() - started:.1f} s and rejoined")


async def faults(server: Server | Cluster, ledger: Ledger, seconds: float, database_url: str) -> None:
    await asyncio.sleep(seconds / 3)
    if isinstance(server, Cluster):
        await kill_a_portal_server(server, ledger, seconds)
        return
    await kill_a_worker(server, ledger)
    folder = os.environ.get("SOAK_PG_DIR")
    if database_url.startswith("postgresql") and folder:
        await asyncio.sleep(seconds / 3)
        await restart_postgresql(folder, urlsplit(database_url.replace("+psycopg", "")).port or 5432, ledger)


# --- the run ------------------------------------------------------------------------------------


async def soak(server: Server | Cluster, plan: Plan, ledger: Ledger, clients: int, seconds: float) -> float:
    crowd = [Client(server.base, plan, ledger, seed=n) for n in range(clients)]
    members = set(range(7, clients, 8))  # one client in eight is a network member reading their pages
    await asyncio.gather(*(c.sign_in(MEMBER if n in members else LEAD) for n, c in enumerate(crowd)))
    started = time.monotonic()
    deadline = started + seconds
    work = [c.member_reads(deadline) if n in members else c.work(deadline) for n, c in enumerate(crowd)]
    await asyncio.gather(faults(server, ledger, seconds, os.environ.get("DATABASE_URL", "")), *work)
    for client in crowd:
        await client.http.aclose()
    return time.monotonic() - started


def plan_from(app: Any, lms: TestPlatform) -> Plan:
    """Pick the capped members, one involvement each, a project and its plain checklist items."""
    from sqlmodel import col, select

    from coprod_portal.db import get_session
    from coprod_portal.projects import Project
    from plugins.checklists import checklist as cl
    from plugins.network.models import NetworkInvolvement, NetworkMember

    with app.app_context():
        session = get_session()
        capped = session.exec(select(NetworkMember).where(col(NetworkMember.weekly_cap_pence) == 2000)).all()
        members = []
        for member in capped:
            involvement = session.exec(select(NetworkInvolvement).where(
                NetworkInvolvement.member_id == member.id)).first()
            if involvement is not None:
                members.append((member.id, involvement.id, 2000))
        project = session.exec(select(Project).order_by(col(Project.created_at))).first()
        items = [i.ref for s in cl.load(session, project).sections for i in s.items
                 if not i.automatic and not i.kind]
    if not members or not items:
        raise SystemExit("the seeded database has no capped member with an involvement, or no checklist")
    first_day = date(2040, 1, 2) + timedelta(weeks=random.randrange(2000))  # this run's own weeks
    return Plan(uuid.uuid4().hex[:10], first_day, members, project.id, items[:6], lms)


def count_back(app: Any, plan: Plan, ledger: Ledger, answers_before: int) -> dict[str, tuple[int, int]]:
    """Every write back from the database: (acknowledged, found once) per kind; breaches into the ledger."""
    found = saved(app, plan)
    figures = {}
    for kind in ("involvement", "fee", "donated", "launch") + (("expense",) if plan.uploads else ()):
        acked, unknown = ledger.acked.get(kind, []), ledger.unknown.get(kind, [])
        lost = [t for t in acked if found[kind][t] == 0]
        doubled = [t for t in set(acked + unknown) if found[kind][t] > 1]
        strays = set(found[kind]) - set(acked) - set(unknown)
        for count, what, example in ((len(lost), "acknowledged but not saved", lost),
                                     (len(doubled), "saved twice", doubled),
                                     (len(strays), "saved but never sent", sorted(strays))):
            if count:
                ledger.breaches.append(f"{count} {kind} writes {what}, e.g. {example[0]}")
        figures[kind] = (len(acked), sum(1 for t in acked if found[kind][t] == 1))
    answers = found["answers"] - answers_before
    acked, unknown = len(ledger.acked.get("checklist", [])), len(ledger.unknown.get("checklist", []))
    if not acked <= answers <= acked + unknown:
        ledger.breaches.append(f"checklist answers: {acked} acknowledged (+{unknown} unknown), "
                               f"{answers} saved")
    figures["checklist"] = (acked, min(acked, answers))
    return figures


def saved(app: Any, plan: Plan) -> dict[str, Any]:
    """What the run left in the database, keyed like the clients' tokens; checks caps and audit on the way."""
    from sqlmodel import col, func, select

    from coprod_portal.accounts import Learner
    from coprod_portal.db import get_session
    from plugins.checklists.models import AnswerChange
    from plugins.network.models import NetworkInvolvement, NetworkPayment

    like, ids = f"{plan.run}-%", [m for m, _, _ in plan.members]
    window = (plan.first_day, plan.first_day + timedelta(days=DAYS - 1))
    with app.app_context():
        session = get_session()
        fees = session.exec(select(NetworkPayment).where(
            col(NetworkPayment.member_id).in_(ids), NetworkPayment.kind == "fee",
            col(NetworkPayment.paid_on).between(*window))).all()
        return {
            "involvement": Counter(session.exec(select(NetworkInvolvement.note).where(
                col(NetworkInvolvement.note).like(like)))),
            "donated": Counter(p.charity for p in fees if p.choice == "donated"),
            "fee": Counter(f"{p.member_id}|{p.paid_on.isoformat()}|{p.offered_pence}" for p in fees
                           if p.choice == "full"),
            "launch": Counter(session.exec(select(Learner.subject).where(col(Learner.subject).like(like)))),
            "expense": Counter(session.exec(select(NetworkPayment.description).where(
                NetworkPayment.kind == "expense", col(NetworkPayment.description).like(like)))),
            "answers": session.exec(select(func.count()).select_from(AnswerChange).where(
                AnswerChange.project_id == plan.project)).one(),
        }


def check_receipts(app: Any, plan: Plan, ledger: Ledger, cluster: Cluster) -> int:
    """Every acknowledged receipt downloads whole from each server directly (so from the bucket,
    whichever server took the upload). Returns the number of downloads checked."""
    from sqlmodel import col, select

    from coprod_portal.db import get_session
    from plugins.network.models import NetworkPayment

    with app.app_context():
        sent = col(NetworkPayment.description).in_(list(ledger.receipts))
        query = select(NetworkPayment.description, NetworkPayment.receipt_file_id).where(
            NetworkPayment.kind == "expense", sent)
        rows = dict(get_session().exec(query).all())
    checked, wrong = 0, []
    for server in cluster.servers:
        with httpx.Client(base_url=server.base, timeout=60) as browser:
            page = browser.get("/sign-in")
            browser.post("/sign-in", data={"email": LEAD, "password": DEMO_PASSWORD,
                                           "csrf_token": CSRF.search(page.text).group(1)})  # type: ignore[union-attr]
            for token, sha in ledger.receipts.items():
                file_id = rows.get(token)
                if not file_id:
                    ledger.breaches.append(f"receipt of {token} acknowledged but not linked to its expense")
                    continue
                answer = browser.get(f"/files/{file_id}")
                checked += 1
                if answer.status_code != 200 or hashlib.sha256(answer.content).hexdigest() != sha:
                    wrong.append(f"{token} from {server.name}: {answer.status_code}")
    if wrong:
        ledger.breaches.append(f"{len(wrong)} receipt downloads were not the bytes uploaded, e.g. "
                               + "; ".join(wrong[:3]))
    return checked


def check_heartbeats(app: Any, ledger: Ledger, started_at: Any) -> int:
    """The job every worker schedules each minute ran at most once per minute. Returns the minutes."""
    from sqlmodel import col, select

    from coprod_portal.audit import AuditEvent
    from coprod_portal.db import get_session

    with app.app_context():
        minutes = Counter(get_session().exec(select(AuditEvent.subject_id).where(
            AuditEvent.action == "heartbeat", col(AuditEvent.at) >= started_at)).all())
    for minute, runs in minutes.items():
        if runs > 1:
            ledger.breaches.append(f"the every-minute job ran {runs} times for {minute}")
    return len(minutes)


def check_invariants(app: Any, plan: Plan, ledger: Ledger) -> int:
    """No week over its cap; every saved involvement and fee has its audit entry (nothing half-saved)."""
    from sqlmodel import col, func, select

    from coprod_portal.audit import AuditEvent
    from coprod_portal.db import get_session
    from plugins.network import caps
    from plugins.network.models import NetworkInvolvement, NetworkMember, NetworkPayment

    ids = [m for m, _, _ in plan.members]
    days = [plan.day(n) for n in range(DAYS)]
    with app.app_context():
        session = get_session()
        weeks = 0
        for member in session.exec(select(NetworkMember).where(col(NetworkMember.id).in_(ids))):
            for first in sorted({caps.week_window(day, member.week_starts)[0] for day in days}):
                weeks += 1
                paid = caps.counted_fees(session, member.id, first, first + timedelta(days=6))
                if paid > (member.weekly_cap_pence or 0):
                    ledger.breaches.append(f"{member.preferred_name}'s cap crossed: {paid} pence in the "
                                           f"week from {first}")
        involvements = (NetworkInvolvement, NetworkInvolvement.starts_on)
        for model, day, kind, action, marker in (
            (*involvements, None, "recorded confirmed involvement", " on "),
            (NetworkPayment, NetworkPayment.paid_on, "fee", "approved a fee", " paid on "),
            (NetworkPayment, NetworkPayment.paid_on, "expense", "recorded an expense", " paid on "),
        ):
            rows = session.exec(select(func.count()).select_from(model).where(
                col(model.member_id).in_(ids), col(day).between(days[0], max(days)),
                *([NetworkPayment.kind == kind] if kind else []))).one()
            audited = session.exec(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == action, col(AuditEvent.subject_id).in_(ids),
                col(AuditEvent.detail).regexp_match(
                    f"{marker}({'|'.join(d.isoformat() for d in days)})"))).one()
            if rows != audited:
                ledger.breaches.append(f"{rows} records but {audited} audit entries for '{action}'")
    return weeks


# --- set-up and report --------------------------------------------------------------------------


def own_database(url: str, drop: str = "") -> str:
    """A new database on the PostgreSQL server for this run (or ``drop`` the one it made)."""
    import sqlalchemy as sa

    server = sa.make_url(url)
    engine = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = drop or f"coprod_soak_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def prepare(env: dict[str, str]) -> tuple[Any, TestPlatform]:
    """Migrate and seed through the CLI (as make bench), then register the test LMS in process."""
    prepare_portal(Path(env["COPROD_INSTANCE_PATH"]), env, 0)
    return connect(env)


def connect(env: dict[str, str]) -> tuple[Any, TestPlatform]:
    """The portal in this process (to count back from its database), with the test LMS registered."""
    os.environ.update(env)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the test LMS's request log
    from wsgi import app

    lms = TestPlatform()
    result = lms.register(app.test_cli_runner())
    if result.exit_code != 0:
        raise SystemExit(f"could not register the test LMS: {result.output}")
    return app, lms


def answers_now(app: Any, plan: Plan) -> int:
    return int(saved(app, plan)["answers"])


def report(ledger: Ledger, figures: dict[str, tuple[int, int]], elapsed: float, clients: int,
           weeks: int, server: Server | Cluster, database: str) -> None:
    requests = sum(ledger.statuses.values())
    unexpected = [(t, what) for t, what in ledger.errors if not ledger.expected(t)]
    for _, what in unexpected[:5]:
        ledger.breaches.append(f"outside any fault: {what}")
    if unexpected[5:]:
        ledger.breaches.append(f"… and {len(unexpected) - 5} more 5xx or dropped requests outside faults")
    if isinstance(server, Server) and len(workers(server)) != 2:
        ledger.breaches.append(f"gunicorn has {len(workers(server))} workers after the run, not 2")
    if isinstance(server, Cluster) and not all(s.running for s in server.servers):
        ledger.breaches.append("a portal server is not running after the run")
    print(f"\nsoak on {database}: {clients} clients for {elapsed:.1f} s, {requests} requests "
          f"({requests / elapsed:.0f}/s)")
    print("  answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(ledger.statuses.items(), key=str)))
    for kind, (acked, found) in figures.items():
        print(f"  {kind:<12} {acked:>6} acknowledged, {found:>6} counted back once, "
              f"{len(ledger.unknown.get(kind, []))} unknown (503 or dropped, retried)")
    print(f"  fees refused by the weekly cap: {ledger.refused_by_cap}; {weeks} member-weeks checked")
    print(f"  faults survived: {len(ledger.faults)}")
    for what, start, end in ledger.faults:
        during = sum(1 for t, _ in ledger.errors if start - 0.5 <= t <= end + GRACE)
        print(f"    {what}: {end - start:.1f} s, {during} requests answered 5xx or dropped around it")
    for note in ledger.notes:
        print(f"  {note}")
    print("BREACHES:\n  " + "\n  ".join(ledger.breaches) if ledger.breaches else
          "no breach: 0 unexpected 5xx, 0 lost, 0 duplicated, caps held")


def start_cluster(env: dict[str, str]) -> Cluster:
    """Two portal servers behind HAProxy, with this run's keys and the every-minute job's plugin."""
    shared = ("COPROD_SECRET_KEY", "COPROD_LIVED_EXPERIENCE_KEY", "COPROD_LOGIN_LIMIT_PER_ADDRESS")
    cluster = Cluster(database_url=env.get("DATABASE_URL", ""), extra_env={
        **{name: env[name] for name in shared},
        "COPROD_PLUGINS": "builtins,heartbeat", "COPROD_PLUGINS_DIR": str(ROOT / "benchmarks" / "plugins")})
    cluster.start()
    return cluster


def main() -> None:
    clients = int(os.environ.get("SOAK_CLIENTS", "64"))
    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    database = os.environ.get("DATABASE_URL", "")
    if database and urlsplit(database).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("make soak writes test records: point DATABASE_URL at a server on 127.0.0.1 only")
    began = time.monotonic()
    instance = Path(tempfile.mkdtemp(prefix="coprod-soak-"))
    env = with_run_keys({**os.environ, "COPROD_INSTANCE_PATH": str(instance),
                         "COPROD_LOGIN_LIMIT_PER_ADDRESS": "100000"})
    if database:
        env["DATABASE_URL"] = own_database(database)
    in_cluster = os.environ.get("SOAK_CLUSTER", "") == "1"
    server: Server | Cluster
    if in_cluster:
        server = start_cluster(env)
        env = {**server.env, "COPROD_INSTANCE_PATH": str(instance)}
        app, lms = connect(env)
    else:
        app, lms = prepare(env)
        server = Server("wsgi:app", env, ROOT)
    lms.tool_url = server.base
    ledger = Ledger()
    try:
        plan = plan_from(app, lms)
        plan.uploads = in_cluster
        before, started_at = answers_now(app, plan), datetime.now(UTC)
        elapsed = asyncio.run(soak(server, plan, ledger, clients, seconds))
        time.sleep(0.5)
        figures = count_back(app, plan, ledger, before)
        weeks = check_invariants(app, plan, ledger)
        where = "PostgreSQL" if database or in_cluster else "SQLite"
        if isinstance(server, Cluster):
            downloads = check_receipts(app, plan, ledger, server)
            minutes = check_heartbeats(app, ledger, started_at)
            where = f"a cluster of {len(server.servers)} servers behind HAProxy ({where}, Redis, S3 API)"
            ledger.notes.append(f"receipts downloaded byte for byte from each server: {downloads}; "
                                f"minutes the every-minute job ran: {minutes}, each once")
        report(ledger, figures, elapsed, clients, weeks, server, where)
        print(f"  whole run, set-up and counting back included: {time.monotonic() - began:.0f} s")
    finally:
        server.stop()
        lms.stop()
        app.extensions["coprod_engine"].dispose()
        if database:
            own_database(database, drop=env["DATABASE_URL"].rsplit("/", 1)[1])
        shutil.rmtree(instance, ignore_errors=True)
    sys.exit(1 if ledger.breaches else 0)


if __name__ == "__main__":
    main()
