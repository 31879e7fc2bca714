"""Uploads: stored behind the storage interface, checked by content, served only after a vote."""

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import TEST_PLUGINS
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage

from coprod_portal import files
from coprod_portal.accounts import User
from coprod_portal.audit import AuditEvent
from coprod_portal.config import ConfigError
from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token, login

# --- real files, made here ---------------------------------------------------------------------


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_bytes(padding: int = 0) -> bytes:
    body = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n")
    return body + b"% " + b"x" * padding + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


@pytest.fixture
def good_app(make_app):
    return make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})


def _upload(client, name, content, title="Session plan"):
    return client.post("/good/handouts", data={
        "title": title, "upload": (io.BytesIO(content), name),
        "csrf_token": csrf_token(client, "/good/handouts")}, content_type="multipart/form-data")


def _files(app):
    with Session(app.extensions["coprod_engine"]) as session:
        return list(session.exec(select(files.UploadedFile)))


def _save(app, name, content, **kwargs):
    """Call the API the way a plugin's view does, inside a request, and commit."""
    kwargs.setdefault("plugin", "good")
    kwargs.setdefault("purpose", "handout")
    with app.test_request_context():
        stored = files.save_upload(FileStorage(io.BytesIO(content), name), **kwargs)
        get_session().commit()
    return stored


def _refusal(app, name, content, **kwargs):
    kwargs.setdefault("plugin", "good")
    kwargs.setdefault("purpose", "handout")
    with app.test_request_context(), pytest.raises(files.UploadRefused) as refused:
        files.save_upload(FileStorage(io.BytesIO(content), name), **kwargs)
    return refused.value.message


# --- happy path --------------------------------------------------------------------------------


def test_handout_is_uploaded_listed_and_downloaded_byte_for_byte(good_app):
    admin = login(good_app.test_client(), "admin@example.org")
    content = pdf_bytes()
    response = _upload(admin, "Session plan.pdf", content)
    assert response.status_code == 302
    page = admin.get(response.location).get_data(as_text=True)
    assert "Handout “Session plan” uploaded." in page
    assert "Session plan.pdf" in page and "bytes)" in page
    [row] = _files(good_app)
    assert row.kind == "pdf" and row.size == len(content) and len(row.id) == 32
    assert row.plugin == "good" and row.purpose == "handout" and row.subject_ref.startswith("good:note:")
    assert f'href="/files/{row.id}"' in page
    download = admin.get(f"/files/{row.id}")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Type"] == "application/pdf"


def test_download_headers_keep_the_file_from_running_as_a_page(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    picture = _save(good_app, "photo.png", png_bytes())
    admin = login(good_app.test_client(), "admin@example.org")
    response = admin.get(f"/files/{stored.id}")
    headers = response.headers
    assert headers["Content-Disposition"].startswith("attachment;") and "plan.pdf" in headers[
        "Content-Disposition"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Cache-Control"] == "private, no-store"
    image = admin.get(f"/files/{picture.id}")
    assert image.headers["Content-Disposition"].startswith("inline;")
    assert image.headers["Content-Type"] == "image/png" and image.data == png_bytes()
    assert image.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_every_download_is_audited_as_the_owning_plugins_event(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    admin = login(good_app.test_client(), "admin@example.org")
    admin.get(f"/files/{stored.id}")
    admin.get(f"/files/{stored.id}")
    with Session(good_app.extensions["coprod_engine"]) as session:
        events = list(session.exec(select(AuditEvent).where(AuditEvent.action == "downloaded file")))
    assert len(events) == 2
    assert {(e.plugin, e.subject_id, e.subject_label) for e in events} == {("good", stored.id, "plan.pdf")}
    assert events[0].actor_label == "Alex Admin <admin@example.org>"
    assert events[0].detail == "purpose: handout"


def test_word_documents_captions_and_text_are_accepted_by_their_content(good_app):
    assert _save(good_app, "notes.docx", docx_bytes()).kind == "docx"
    vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nWelcome, croeso, 欢迎 👋\n".encode()
    captions = _save(good_app, "intro.vtt", vtt)
    assert captions.kind == "vtt" and captions.content_type == "text/vtt"
    with_bom = _save(good_app, "bom.vtt", "\ufeffWEBVTT\n\n".encode())
    assert with_bom.kind == "vtt"
    transcript = _save(good_app, "transcript.txt", b"BMX club, minutes: we met.\n")
    assert transcript.kind == "txt"  # starts like a BMP picture, but it is text
    assert _save(good_app, "photo.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 100).kind == "jpeg"
    admin = login(good_app.test_client(), "admin@example.org")
    served = admin.get(f"/files/{captions.id}")
    assert served.data == vtt and served.headers["Content-Type"] == "text/vtt; charset=utf-8"


def test_files_live_under_the_instance_folder_not_the_static_one(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    folder = Path(good_app.config["FILES_DIR"])
    assert folder == (Path(good_app.instance_path) / "files").resolve()
    assert (folder / stored.id[:2] / stored.id).read_bytes() == pdf_bytes()
    assert Path(good_app.static_folder) not in folder.parents


# --- refusals ----------------------------------------------------------------------------------


def test_a_file_whose_name_lies_about_its_content_is_refused_and_the_title_kept(good_app):
    admin = login(good_app.test_client(), "admin@example.org")
    response = _upload(admin, "handout.pdf", png_bytes(), title="Keep this title")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("The selected file is a PNG file, but its name ends in .pdf. Rename it to end in .png, "
            "or choose another file") in text
    assert 'value="Keep this title"' in text and "There is a problem" in text
    assert 'href="#upload"' in text  # the error summary links to the file field
    program = _upload(admin, "handout.pdf", EXE).get_data(as_text=True)
    assert "The selected file must be a PDF, PNG, JPG or Word document (.docx). It is an EXE file" in program
    page = _upload(admin, "page.pdf", b"<html><script>alert(1)</script></html>").get_data(as_text=True)
    assert "The selected file must be a PDF, PNG, JPG or Word document (.docx). It is a text file" in page
    assert _files(good_app) == []


def test_empty_and_missing_files_are_refused_with_the_rest_of_the_form_kept(good_app):
    admin = login(good_app.test_client(), "admin@example.org")
    empty = _upload(admin, "empty.pdf", b"", title="Empty one").get_data(as_text=True)
    assert "The selected file is empty" in empty and 'value="Empty one"' in empty
    missing = admin.post("/good/handouts", data={
        "title": "No file", "csrf_token": csrf_token(admin, "/good/handouts")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Select a file" in missing and 'value="No file"' in missing
    assert _files(good_app) == []


def test_a_file_over_the_plugins_limit_is_a_form_error_keeping_the_title(good_app):
    admin = login(good_app.test_client(), "admin@example.org")
    response = _upload(admin, "big.pdf", pdf_bytes(padding=150 * 1024), title="Big handout")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The selected file must be smaller than 100 KB" in text and 'value="Big handout"' in text
    assert _files(good_app) == []
    assert not any(p.is_file() for p in Path(good_app.config["FILES_DIR"]).rglob("*"))


def test_a_request_over_the_portals_limit_gets_the_friendly_page(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS), "MAX_CONTENT_LENGTH": 50_000})
    admin = login(app.test_client(), "admin@example.org")
    response = _upload(admin, "huge.pdf", pdf_bytes(padding=80_000))
    text = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "That file is too large" in text and "The portal accepts files up to 49 KB" in text
    assert "Skip to main content" in text  # inside the page shell
    assert _files(app) == []


def test_wrong_kinds_and_bad_text_are_refused_through_the_api(good_app):
    assert _refusal(good_app, "archive.docx", zip_bytes()) == (
        "The selected file must be a PDF, PNG, JPG, Word document (.docx), WebVTT captions file "
        "(.vtt) or plain text file (.txt). It is a ZIP archive")
    assert _refusal(good_app, "captions.vtt", b"00:00.000 --> 00:01.000\nHello\n").startswith(
        "The selected file is not a WebVTT captions file: its first line must be WEBVTT")
    assert _refusal(good_app, "notes.txt", b"caf\xe9 latin-1, not UTF-8").startswith(
        "The selected file must be a PDF")
    assert _refusal(good_app, "notes.txt", b"text with a \x00 NUL byte").endswith(
        "It is a kind of file the portal does not recognise")
    assert _refusal(good_app, "plan", pdf_bytes()) == (
        "The selected file is a PDF file, but its name has no extension. Rename it to end in .pdf, "
        "or choose another file")
    assert _refusal(good_app, "plan.pdf", pdf_bytes(), allowed=("vtt",)) == (
        "The selected file must be a WebVTT captions file (.vtt). It is a PDF file")
    assert _refusal(good_app, "plan.pdf", pdf_bytes(), max_bytes=100) == (
        "The selected file must be smaller than 100 bytes")
    with good_app.test_request_context(), pytest.raises(files.UploadRefused, match="Select a file"):
        files.save_upload(None, plugin="good", purpose="handout")
    with good_app.test_request_context(), pytest.raises(ValueError, match="unknown kinds of file: exe"):
        files.save_upload(FileStorage(io.BytesIO(EXE), "a.exe"), plugin="good", purpose="x", allowed=("exe",))


def test_file_names_are_cleaned_for_display(good_app):
    stored = _save(good_app, "..\\..\\C:/secret/re\u202egnp.pdf\x07", pdf_bytes())
    assert stored.filename == "regnp.pdf"
    long_name = "a" * 300 + ".pdf"
    assert files.clean_filename(long_name).endswith("a.pdf") and len(files.clean_filename(long_name)) == 200
    assert files.clean_filename("   ") == "file"
    assert files.clean_filename("Café menu.pdf") == "Café menu.pdf"
    admin = login(good_app.test_client(), "admin@example.org")
    named = _save(good_app, "Plan für März.pdf", pdf_bytes())
    disposition = admin.get(f"/files/{named.id}").headers["Content-Disposition"]
    assert "filename*=UTF-8''Plan%20f%C3%BCr%20M%C3%A4rz.pdf" in disposition


# --- who may download --------------------------------------------------------------------------


def test_a_user_the_plugin_does_not_allow_is_refused(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    staff = login(good_app.test_client(), "staff@example.org")
    response = staff.get(f"/files/{stored.id}")
    text = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You cannot open this file" in text and "ask the person who shared it" in text
    assert "%PDF" not in text


def test_admins_do_not_get_personal_files_automatically(good_app):
    with Session(good_app.extensions["coprod_engine"]) as session:
        lead = session.exec(select(User).where(User.email == "lead@example.org")).one()
    receipt = _save(good_app, "receipt.png", png_bytes(), purpose="receipt", uploaded_by=lead.id)
    admin = login(good_app.test_client(), "admin@example.org")
    assert admin.get(f"/files/{receipt.id}").status_code == 403
    lead_client = login(good_app.test_client(), "lead@example.org")
    assert lead_client.get(f"/files/{receipt.id}").data == png_bytes()


def test_files_whose_plugin_is_off_are_refused_to_everyone(make_app, tmp_path):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    stored = _save(app, "plan.pdf", pdf_bytes(), plugin="gone")
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get(f"/files/{stored.id}").status_code == 403  # nobody says yes


def test_unknown_and_malformed_ids_are_not_found(good_app):
    admin = login(good_app.test_client(), "admin@example.org")
    for file_id in ("0123456789abcdef0123456789abcdef", "..%2F..%2Fportal.db", "x" * 300):
        response = admin.get(f"/files/{file_id}")
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_visitors_are_sent_to_sign_in(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    response = good_app.test_client().get(f"/files/{stored.id}")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_missing_bytes_are_explained_not_a_crash(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    (Path(good_app.config["FILES_DIR"]) / stored.id[:2] / stored.id).unlink()
    admin = login(good_app.test_client(), "admin@example.org")
    response = admin.get(f"/files/{stored.id}")
    assert response.status_code == 404
    assert "This file is not available" in response.get_data(as_text=True)


# --- storage and database stay in step ---------------------------------------------------------


def test_an_upload_whose_transaction_is_rolled_back_leaves_no_bytes(good_app):
    with good_app.test_request_context():
        stored = files.save_upload(FileStorage(io.BytesIO(pdf_bytes()), "plan.pdf"),
                                   plugin="good", purpose="handout")
        assert files.storage().exists(stored.id)
        get_session().rollback()
        assert not files.storage().exists(stored.id)
    with good_app.test_request_context():
        forgotten = files.save_upload(FileStorage(io.BytesIO(pdf_bytes()), "plan.pdf"),
                                      plugin="good", purpose="handout")
    with good_app.app_context():  # the request ended without a commit
        assert not files.storage().exists(forgotten.id)
    assert _files(good_app) == []


def test_delete_removes_the_bytes_only_when_committed(good_app):
    stored = _save(good_app, "plan.pdf", pdf_bytes())
    with good_app.test_request_context():
        assert files.delete(stored.id) is True
        get_session().rollback()
        assert files.storage().exists(stored.id) and files.get(stored.id) is not None
        assert files.delete(stored.id) is True
        get_session().commit()
        assert not files.storage().exists(stored.id) and files.get(stored.id) is None
        assert files.delete(stored.id) is False


def test_plugins_find_and_read_their_files(good_app):
    first = _save(good_app, "one.pdf", pdf_bytes(), subject_ref="good:note:1")
    _save(good_app, "two.txt", b"two", purpose="transcript")
    with good_app.test_request_context():
        assert [f.id for f in files.find("good", subject_ref="good:note:1")] == [first.id]
        assert [f.filename for f in files.find("good", purpose="transcript")] == ["two.txt"]
        assert len(files.find("good")) == 2 and files.find("other") == []
        with files.open_file(first.id) as stream:
            assert stream.read() == pdf_bytes()
        assert files.url(first.id) == f"/files/{first.id}"
        assert files.get("not-an-id") is None


def test_local_storage_refuses_keys_that_could_escape_its_folder(tmp_path):
    store = files.LocalStorage(tmp_path)
    for key in ("../x", "a/b", "", "..", "x" * 101):
        with pytest.raises(ValueError):
            store.save(key, io.BytesIO(b"x"))
    store.save("abc", io.BytesIO(b"hello"))
    assert store.exists("abc") and store.open("abc").read() == b"hello"
    store.delete("abc")
    store.delete("abc")  # twice is fine
    assert not store.exists("abc")


# --- configuration -----------------------------------------------------------------------------


def test_an_uploads_folder_inside_the_static_folder_stops_start_up(tmp_path):
    from coprod_portal import create_app

    static = Path(files.__file__).parent / "static" / "uploads"
    with pytest.raises(ConfigError, match="COPROD_FILES_DIR .* inside the static folder"):
        create_app({"INSTANCE_PATH": str(tmp_path), "FILES_DIR": str(static)})
    assert not static.exists()


def test_an_unusable_storage_setting_stops_start_up_with_the_fix(tmp_path):
    from coprod_portal import create_app

    with pytest.raises(ConfigError, match="COPROD_FILES_STORAGE is 'nowhere:factory'.*Use 'local', 's3'"):
        create_app({"INSTANCE_PATH": str(tmp_path), "FILES_STORAGE": "nowhere:factory"})
    with pytest.raises(ConfigError, match="'test_files:storage_without_keys' gave a storage without keys"):
        create_app({"INSTANCE_PATH": str(tmp_path), "FILES_STORAGE": "test_files:storage_without_keys"})


def storage_without_keys(app):
    """A storage written before the nightly sweep needed to list what is stored."""

    class NoListing:
        save = open = delete = exists = staticmethod(lambda *args: None)

    return NoListing()


def memory_storage(app):
    """A storage factory named by COPROD_FILES_STORAGE, as an object store's would be."""

    class Memory:
        def __init__(self):
            self.blobs = {}

        def save(self, key, stream):
            self.blobs[key] = stream.read()

        def open(self, key):
            if key not in self.blobs:
                raise FileNotFoundError(key)
            return io.BytesIO(self.blobs[key])

        def delete(self, key):
            self.blobs.pop(key, None)

        def exists(self, key):
            return key in self.blobs

        def keys(self):
            return [(key, datetime.now(UTC)) for key in self.blobs]

    return Memory()


def test_another_storage_can_replace_the_local_folder(make_app):
    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS),
                                             "FILES_STORAGE": "test_files:memory_storage"})
    stored = _save(app, "plan.pdf", pdf_bytes())
    assert app.extensions["coprod_files"].blobs[stored.id] == pdf_bytes()
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get(f"/files/{stored.id}").data == pdf_bytes()
