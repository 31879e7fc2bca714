"""Uploads in an S3-compatible object store (COPROD_FILES_STORAGE=s3), against a real S3-API server:
moto in server mode, started here on 127.0.0.1 and stopped afterwards. It stands in for AWS S3,
MinIO, Ceph RGW and Cloudflare R2, so only what the S3 API guarantees is checked.

The same checks as on the local folder (content, size, the permission vote, safe headers, audit),
streamed both ways; rolled-back uploads leave no object, erasure removes objects, the nightly
sweep removes orphans, the migration command copies local files resumably with checksums, and a
store that is missing, misnamed, refusing or down is named at start-up and polite while serving."""

import io
import json
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import boto3
import pytest
from conftest import TEST_PLUGINS
from sqlmodel import Session, select
from test_files import _files, _save, _upload, pdf_bytes, png_bytes
from test_plugin_uploads import PDF, _expense, _member_id
from werkzeug.datastructures import FileStorage

from coprod_portal import create_app, files, jobs
from coprod_portal.audit import AuditEvent
from coprod_portal.config import ConfigError
from coprod_portal.db import get_session
from coprod_portal.s3storage import S3Storage
from coprod_portal.testing import csrf_token, free_port, login, wait_until

# Under pytest -n these tests stay on one worker: they share the servers (or crawls) their
# module-wide fixtures start, which would otherwise start again on every worker.
pytestmark = pytest.mark.xdist_group("s3-server")

REGION = "us-east-1"
PAGE = "/admin/subject-access/"



class MotoServer:
    """moto's stand-alone S3-API server in its own process, on a free port of 127.0.0.1."""

    def __init__(self, folder: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"moto-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
        if wait_until(lambda: self._answers() or self.process.poll() is not None, 30) \
                and self.process.poll() is None:
            return
        self.stop()
        raise RuntimeError(f"moto server did not start: {self.log.read_text()}")

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def client(self, **credentials: str):
        return boto3.client("s3", endpoint_url=self.url, region_name=REGION, **credentials)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch, tmp_path):
    """moto takes any keys; no profile or file on this machine may take part."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "portal-test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "portal-test-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture
def bucket(moto):
    """A new, empty bucket for each test."""
    name = f"portal-{uuid.uuid4().hex[:20]}"
    moto.client(aws_access_key_id="x", aws_secret_access_key="y").create_bucket(Bucket=name)
    return name


def _settings(endpoint: str, bucket: str, **more) -> dict:
    return {"FILES_STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": REGION, "S3_PREFIX": "uploads", **more}


def _objects(server: MotoServer, bucket: str) -> dict[str, bytes]:
    client = server.client()
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


@pytest.fixture
def s3_app(make_app, moto, bucket):
    settings = _settings(moto.url, bucket)
    return make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS), **settings})


# --- the same pages, with the bytes in the bucket ------------------------------------------------


def test_a_receipt_goes_through_the_real_form_into_the_bucket_and_back(make_app, moto, bucket):
    app = make_app(config=_settings(moto.url, bucket))
    lead = login(app.test_client(), "lead@example.org")
    assert _expense(lead, _member_id(app), "receipt.pdf", PDF).status_code == 302
    with Session(app.extensions["coprod_engine"]) as session:
        row = session.exec(select(files.UploadedFile).where(files.UploadedFile.purpose == "receipt")).one()
    assert _objects(moto, bucket) == {f"uploads/{row.id}": PDF}  # keyed by id, never the name
    assert not Path(app.instance_path, "files").exists()
    response = lead.get(f"/files/{row.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment") and "receipt.pdf" in \
        response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Content-Length"] == str(len(PDF))
    assert login(app.test_client(), "staff@example.org").get(f"/files/{row.id}").status_code == 403
    assert app.test_client().get(f"/files/{row.id}").status_code == 302
    with Session(app.extensions["coprod_engine"]) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "downloaded file")).all()
    assert (event.plugin, event.subject_id) == ("network", row.id)


def test_content_checks_still_refuse_before_anything_reaches_the_bucket(s3_app, moto, bucket):
    admin = login(s3_app.test_client(), "admin@example.org")
    response = _upload(admin, "handout.pdf", png_bytes(), title="Keep this title")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The selected file is a PNG file, but its name ends in .pdf" in text
    assert 'value="Keep this title"' in text
    too_big = _upload(admin, "big.pdf", pdf_bytes(padding=150 * 1024), title="Big").get_data(as_text=True)
    assert "The selected file must be smaller than 100 KB" in too_big
    assert _files(s3_app) == [] and _objects(moto, bucket) == {}
    assert _upload(admin, "Session plan.pdf", pdf_bytes()).status_code == 302
    [row] = _files(s3_app)
    assert list(_objects(moto, bucket)) == [f"uploads/{row.id}"]


def test_a_large_file_goes_up_in_parts_and_comes_down_as_a_stream(s3_app, moto, bucket):
    content = pdf_bytes(padding=9 * 1024 * 1024)  # above boto3's 8 MB multipart threshold
    stored = _save(s3_app, "minutes.pdf", content, max_bytes=20 * 1024 * 1024)
    client = moto.client()
    assert client.head_object(Bucket=bucket, Key=f"uploads/{stored.id}")["ContentLength"] == len(content)
    first_part = client.head_object(Bucket=bucket, Key=f"uploads/{stored.id}", PartNumber=1)
    assert first_part["PartsCount"] == 2  # sent in parts: 8 MB, then the rest
    admin = login(s3_app.test_client(), "admin@example.org")
    response = admin.get(f"/files/{stored.id}", buffered=False)
    assert response.is_streamed and not isinstance(response.response, list | bytes)
    chunks = list(response.response)
    assert b"".join(chunks) == content
    assert len(chunks) > 100 and max(map(len, chunks)) <= 64 * 1024  # read piece by piece
    response.close()


def test_storage_holds_one_part_in_memory_however_large_the_file(s3_app, tmp_path):
    """32 MiB up and down: Python's own allocations stay near one 8 MiB part going up, and near
    nothing coming down (tracemalloc counts memory, not time)."""
    store, key = s3_app.extensions["coprod_files"], uuid.uuid4().hex
    block = os.urandom(1024 * 1024)
    with (tmp_path / "big").open("w+b") as source:
        for _ in range(32):
            source.write(block)
        source.seek(0)
        tracemalloc.start()
        try:
            store.save(key, source)
            going_up = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            received = 0
            with store.open(key) as body:
                while chunk := body.read(64 * 1024):
                    received += len(chunk)
            coming_down = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert received == 32 * 1024 * 1024
    assert going_up < 14 * 1024 * 1024 and coming_down < 4 * 1024 * 1024, (going_up, coming_down)


def test_an_upload_whose_transaction_is_rolled_back_leaves_no_object(s3_app, moto, bucket):
    with s3_app.test_request_context():
        stored = files.save_upload(FileStorage(io.BytesIO(pdf_bytes()), "plan.pdf"),
                                   plugin="good", purpose="handout")
        assert files.storage().exists(stored.id)
        get_session().rollback()
        assert not files.storage().exists(stored.id)
    with s3_app.test_request_context():  # ended without a commit
        files.save_upload(FileStorage(io.BytesIO(pdf_bytes()), "plan.pdf"), plugin="good", purpose="handout")
    assert _objects(moto, bucket) == {} and _files(s3_app) == []


def test_delete_removes_the_object_once_committed(s3_app, moto, bucket):
    stored = _save(s3_app, "plan.pdf", pdf_bytes())
    with s3_app.test_request_context():
        files.delete(stored.id)
        get_session().rollback()
        assert files.storage().exists(stored.id)
        files.delete(stored.id)
        get_session().commit()
    assert _objects(moto, bucket) == {}


def test_subject_erasure_deletes_the_receipt_objects(make_app, moto, bucket):
    from plugins.network.models import NetworkMember

    app = make_app(config=_settings(moto.url, bucket))
    with Session(app.extensions["coprod_engine"]) as session:
        maya = session.exec(select(NetworkMember).where(NetworkMember.email == "member@example.org")).one()
    lead = login(app.test_client(), "lead@example.org")
    assert _expense(lead, maya.id, "receipt.pdf", PDF).status_code == 302
    assert len(_objects(moto, bucket)) == 1
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post(PAGE + "erase", data={
        "email": "member@example.org", "reason": "Request of 3 March 2027", "confirm": "y",
        "csrf_token": csrf_token(admin, PAGE)})
    assert "Erasure done" in response.get_data(as_text=True)
    assert _objects(moto, bucket) == {} and _files(app) == []


# --- orphans -------------------------------------------------------------------------------------


def test_the_nightly_sweep_removes_only_old_objects_without_a_record(s3_app, moto, bucket, monkeypatch):
    assert "core.remove_orphan_files" in [job.name for job in jobs.declared(s3_app)]
    kept = _save(s3_app, "plan.pdf", pdf_bytes())
    orphan = uuid.uuid4().hex
    moto.client().put_object(Bucket=bucket, Key=f"uploads/{orphan}", Body=b"left by a killed server")
    moto.client().put_object(Bucket=bucket, Key="someone-else/notes.txt", Body=b"not ours")
    with s3_app.app_context():
        assert files.remove_orphan_files() == 0  # younger than a day: perhaps still being saved
    assert f"uploads/{orphan}" in _objects(moto, bucket)
    monkeypatch.setattr(files, "ORPHAN_AGE", timedelta(0))  # S3 cannot backdate an object
    with s3_app.app_context():
        assert files.remove_orphan_files() == 1
    assert set(_objects(moto, bucket)) == {f"uploads/{kept.id}", "someone-else/notes.txt"}
    with Session(s3_app.extensions["coprod_engine"]) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "removed orphan files")).all()
    assert event.subject_label == "1 file without a record"


def test_the_nightly_sweep_works_on_the_local_folder_too(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    kept = _save(app, "plan.pdf", pdf_bytes())
    store = files.LocalStorage(app.config["FILES_DIR"])
    old, young = uuid.uuid4().hex, uuid.uuid4().hex
    store.save(old, io.BytesIO(b"old orphan"))
    store.save(young, io.BytesIO(b"young orphan"))
    two_days_ago = (datetime.now() - timedelta(days=2)).timestamp()
    for key in (old, kept.id):
        os.utime(store._path(key), (two_days_ago, two_days_ago))
    with app.app_context():
        jobs.enqueue("core.remove_orphan_files")  # as the scheduler does (run at once in tests)
    assert not store.exists(old) and store.exists(young) and store.exists(kept.id)
    with Session(app.extensions["coprod_engine"]) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "removed orphan files")).all()
    assert (event.subject_label, event.actor_label) == ("1 file without a record", "System")


# --- moving local files into the bucket ----------------------------------------------------------


def test_migrate_to_storage_copies_verifies_reports_and_resumes(s3_app, moto, bucket, tmp_path):
    stored = [_save(s3_app, f"plan-{n}.pdf", pdf_bytes(padding=n)) for n in range(5)]
    local = files.LocalStorage(tmp_path / "old-files")
    client = moto.client()
    for item in stored:  # as they were before the move: on disk, not in the bucket
        key = f"uploads/{item.id}"
        local.save(item.id, io.BytesIO(client.get_object(Bucket=bucket, Key=key)["Body"].read()))
        client.delete_object(Bucket=bucket, Key=key)
    already, replaced, fresh, damaged, lost = stored
    local.delete(lost.id)  # not on this disk either
    client.put_object(Bucket=bucket, Key=f"uploads/{already.id}", Body=pdf_bytes(padding=0))  # copied before
    client.put_object(Bucket=bucket, Key=f"uploads/{replaced.id}", Body=b"half of a")  # not what it should be
    local.save(damaged.id, io.BytesIO(b"changed on disk"))
    runner = s3_app.test_cli_runner()

    first = runner.invoke(args=["files", "migrate-to-storage", "--from", str(tmp_path / "old-files")])
    assert first.exit_code == 1, first.output
    assert "Copied 2 files" in first.output and "1 was there already" in first.output
    assert (f"not copied: file {damaged.id}: the local copy does not match its recorded checksum"
            in first.output)
    assert f"missing: file {lost.id}: not in {tmp_path / 'old-files'}, and not in the store" in first.output
    assert "2 files need a look" in first.output
    in_bucket = _objects(moto, bucket)
    assert in_bucket[f"uploads/{replaced.id}"] == pdf_bytes(padding=1)
    assert in_bucket[f"uploads/{fresh.id}"] == pdf_bytes(padding=2)
    assert f"uploads/{damaged.id}" not in in_bucket

    local.save(damaged.id, io.BytesIO(pdf_bytes(padding=3)))  # the operator restores them from a backup
    local.save(lost.id, io.BytesIO(pdf_bytes(padding=4)))
    again = runner.invoke(args=["files", "migrate-to-storage", "--from", str(tmp_path / "old-files")])
    assert again.exit_code == 0, again.output
    assert "Copied 2 files" in again.output and "3 were there already" in again.output
    assert "Every recorded file is in the store" in again.output
    admin = login(s3_app.test_client(), "admin@example.org")
    assert admin.get(f"/files/{damaged.id}").data == pdf_bytes(padding=3)
    assert local.exists(damaged.id)  # the local folder is left for the operator


def test_migrate_to_storage_refuses_when_the_storage_is_local(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    result = app.test_cli_runner().invoke(args=["files", "migrate-to-storage"])
    assert result.exit_code == 1
    assert "COPROD_FILES_STORAGE is 'local'" in result.output and "nowhere to move them" in result.output


# --- start-up refusals ----------------------------------------------------------------------------


def _start(tmp_path, **settings):
    return create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL":
                       f"sqlite:///{tmp_path / 'portal.db'}", **settings})


def test_a_missing_bucket_stops_start_up_naming_the_setting(tmp_path, moto):
    with pytest.raises(ConfigError, match="COPROD_S3_BUCKET is 'no-such-bucket', but .* has no bucket"):
        _start(tmp_path, **_settings(moto.url, "no-such-bucket"))
    with pytest.raises(ConfigError, match="COPROD_S3_BUCKET is not set"):
        _start(tmp_path, **_settings(moto.url, ""))


def test_an_endpoint_nobody_answers_stops_start_up_naming_the_setting(tmp_path, bucket, moto):
    nobody = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"COPROD_S3_ENDPOINT_URL \(http://127.0.0.1:\d+\) cannot be"):
        _start(tmp_path, **_settings(nobody, bucket))
    assert time.monotonic() - started < 30  # short timeouts, few tries: no long hang at start-up
    with pytest.raises(ConfigError, match="COPROD_S3_ENDPOINT_URL is 'not a url'"):
        _start(tmp_path, **_settings(moto.url, bucket, S3_ENDPOINT_URL="not a url"))


def test_half_given_credentials_stop_start_up(tmp_path, moto, bucket, monkeypatch):
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(ConfigError, match="AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"):
        _start(tmp_path, **_settings(moto.url, bucket))


def test_wrong_credentials_stop_start_up_and_right_ones_from_files_work(tmp_path, monkeypatch):
    """moto checks signatures against its own IAM users when INITIAL_NO_AUTH_ACTION_COUNT is set:
    the first four requests (making a user, its policy, its key and the bucket) go unchecked."""
    server = MotoServer(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="4")
    try:
        kw = {"endpoint_url": server.url, "region_name": REGION}
        iam = boto3.client("iam", **kw)
        iam.create_user(UserName="portal")
        iam.put_user_policy(UserName="portal", PolicyName="s3", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="portal")["AccessKey"]
        server.client(aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"]).create_bucket(Bucket="portal-files")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        with pytest.raises(ConfigError, match="refused the credentials for bucket 'portal-files'.*"
                                              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
            _start(tmp_path, **_settings(server.url, "portal-files"))
        secret_file = tmp_path / "s3-secret"
        secret_file.write_text(key["SecretAccessKey"] + "\n")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY_FILE", str(secret_file))
        app = _start(tmp_path, **_settings(server.url, "portal-files"))
        assert isinstance(app.extensions["coprod_files"], S3Storage)
    finally:
        server.stop()


# --- the store going down while serving -----------------------------------------------------------


def test_while_the_store_is_down_downloads_answer_503_and_uploads_keep_what_was_typed(make_app, tmp_path):
    server = MotoServer(tmp_path)
    try:
        server.client().create_bucket(Bucket="portal-files")
        app = make_app(config=_settings(server.url, "portal-files"))
        lead = login(app.test_client(), "lead@example.org")
        member = _member_id(app)
        assert _expense(lead, member, "receipt.pdf", PDF).status_code == 302
        [row] = _files(app)
    finally:
        server.stop()
    response = lead.get(f"/files/{row.id}")
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "This file cannot be opened just now" in text and "The file is kept safely" in text
    assert "Skip to main content" in text and "%PDF" not in text  # the portal's page, not the file
    with Session(app.extensions["coprod_engine"]) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "downloaded file")).all() == []
    refused = _expense(lead, member, "receipt.pdf", PDF)
    page = refused.get_data(as_text=True)
    assert refused.status_code in (200, 400)
    assert "The file could not be saved just now, because the portal cannot reach its file store" in page
    assert 'value="Bus fare"' in page or "Bus fare" in page
    assert [f.id for f in _files(app)] == [row.id]  # no record pointing at a missing object


def test_subject_erasure_from_the_command_line_deletes_the_receipt_objects(make_app, moto, bucket):
    from plugins.network.models import NetworkMember

    app = make_app(config=_settings(moto.url, bucket))
    with Session(app.extensions["coprod_engine"]) as session:
        maya = session.exec(select(NetworkMember).where(NetworkMember.email == "member@example.org")).one()
    lead = login(app.test_client(), "lead@example.org")
    assert _expense(lead, maya.id, "receipt.pdf", PDF).status_code == 302
    result = app.test_cli_runner().invoke(args=["subject", "erase", "member@example.org", "--reason",
                                                "Request of 3 March 2027", "--yes"])
    assert result.exit_code == 0, result.output
    assert "erased: Receipts and what expenses were for" in result.output
    assert _objects(moto, bucket) == {} and _files(app) == []
