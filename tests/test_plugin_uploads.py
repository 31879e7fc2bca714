"""Each plugin's upload path (network receipts, training handouts), through its real form: files
are judged by their content, not their name or Content-Type; oversized ones are refused; nothing
refused is stored; what is stored sits outside the static folder and is served with safe headers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from test_authorization import form_data

from coprod_portal import files
from coprod_portal.testing import csrf_token, login

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64
HTML = b"<!doctype html><script>alert(1)</script>"
EXE = b"MZ\x90\x00" + b"\x00" * 200
MISLABELLED = [("receipt.pdf", PNG, "image/pdf"), ("receipt.pdf", HTML, "application/pdf"),
               ("receipt.pdf", EXE, "application/pdf"), ("receipt.jpg", PDF, "image/jpeg")]


def _count_files(app):
    with Session(app.extensions["coprod_engine"]) as session:
        return session.exec(select(func.count()).select_from(files.UploadedFile)).one()


def _member_id(app):
    from plugins.network.models import NetworkMember

    with Session(app.extensions["coprod_engine"]) as session:
        return session.exec(select(NetworkMember.id).where(NetworkMember.preferred_name == "Tom Okoro")).one()


def _expense(client, member_id, name, content, mimetype="application/pdf"):
    path = f"/network/members/{member_id}/expenses/new"
    return client.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, path), "amount": "12.40", "description": "Bus fare",
        "paid_on": ["3", "3", "2026"], "receipt": (io.BytesIO(content), name, mimetype)})


@pytest.mark.parametrize(("name", "content", "mimetype"), MISLABELLED)
def test_a_mislabelled_receipt_is_refused_with_a_reason_and_nothing_is_stored(app, name, content, mimetype):
    lead = login(app.test_client(), "lead@example.org")
    before = _count_files(app)
    response = _expense(lead, _member_id(app), name, content, mimetype)
    text = response.get_data(as_text=True)
    assert response.status_code in (200, 400) and "The selected file" in text, text[:300]
    assert 'value="Bus fare"' in text or "Bus fare" in text  # what was typed is kept
    assert _count_files(app) == before


def test_an_oversized_receipt_is_refused_and_nothing_is_stored(app):
    from plugins.network.views import RECEIPT_MAX_BYTES

    lead = login(app.test_client(), "lead@example.org")
    before = _count_files(app)
    response = _expense(lead, _member_id(app), "receipt.pdf", PDF + b"0" * RECEIPT_MAX_BYTES)
    assert "must be smaller than 5 MB" in response.get_data(as_text=True)
    assert _count_files(app) == before


def test_a_receipt_is_stored_outside_static_and_served_as_a_sandboxed_attachment(app):
    lead = login(app.test_client(), "lead@example.org")
    assert _expense(lead, _member_id(app), "receipt.pdf", PDF).status_code == 302
    with Session(app.extensions["coprod_engine"]) as session:
        row = session.exec(select(files.UploadedFile).where(files.UploadedFile.purpose == "receipt")).one()
    stored = Path(app.config["FILES_DIR"]) / row.id[:2] / row.id
    static = Path(app.static_folder).resolve()
    assert stored.read_bytes() == PDF and static not in stored.resolve().parents
    response = lead.get(f"/files/{row.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.mimetype == "application/pdf"
    assert app.test_client().get(f"/files/{row.id}").status_code == 302  # visitors: sign in first
    assert login(app.test_client(), "staff@example.org").get(f"/files/{row.id}").status_code == 403


def _handout(app, name, content, mimetype="application/pdf"):
    lead = login(app.test_client(), "lead@example.org")
    path = "/training/authoring/coproduction/edit"
    data = form_data(lead.get(path).get_data(as_text=True), path)
    data.pop("handout", None)
    data["handout_lesson"] = "what"  # the first lesson
    return lead.post(path, content_type="multipart/form-data", data={
        **data, "csrf_token": csrf_token(lead, path), "handout": (io.BytesIO(content), name, mimetype)})


@pytest.mark.parametrize(("name", "content", "mimetype"), [
    ("handout.pdf", PNG, "application/pdf"), ("handout.txt", EXE, "text/plain"),
    ("handout.docx", b"PK\x03\x04" + b"\x00" * 100, "application/vnd.openxmlformats")])
def test_a_mislabelled_handout_is_refused_and_nothing_is_stored(app, name, content, mimetype):
    before = _count_files(app)
    response = _handout(app, name, content, mimetype)
    assert response.status_code == 400 and "The selected file" in response.get_data(as_text=True)
    assert _count_files(app) == before


def test_an_oversized_handout_is_refused_and_a_good_one_is_kept(app):
    from training.authoring import HANDOUT_MAX_BYTES

    before = _count_files(app)
    response = _handout(app, "handout.pdf", PDF + b"0" * HANDOUT_MAX_BYTES)
    assert response.status_code == 400 and "must be smaller than 10 MB" in response.get_data(as_text=True)
    assert _count_files(app) == before
    assert _handout(app, "handout.pdf", PDF).status_code == 302
    assert _count_files(app) == before + 1
