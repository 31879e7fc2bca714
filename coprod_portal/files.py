"""Uploaded files: receipts, handouts, captions, transcripts — stored once, served only after a check.

Plugins never write uploads themselves. They call :func:`save_upload` with the
``FileStorage`` from their form; the core reads it, refuses it with a message for the person
(:class:`UploadRefused`) when it is empty, too large, or not what its content shows it to
be, stores the bytes behind a small :class:`Storage` interface (a folder under
``instance/files`` by default, never the static folder; or an S3-compatible object store shared
by several servers, :mod:`coprod_portal.s3storage`) and records it in ``core_file``.

Files are served only at ``/files/<id>``. Every request asks the plugins through
``portal_file_allowed(file, user)``: any "no" refuses, and someone must say "yes" — admins
get nothing automatically. Every download is written to the audit log as an event of the
plugin that owns the file.

The database row is added to the caller's session: commit it together with your own record.
If that transaction is rolled back, the stored bytes are removed again; :func:`delete` removes
the bytes only once the deletion has been committed. So the database and the storage never
disagree about what is kept. Anything that still slips through (a server killed between storing
the bytes and committing) is removed by the nightly ``core.remove_orphan_files`` job.
"""

# No "from __future__ import annotations": SQLModel needs real annotations.
import codecs
import hashlib
import importlib
import logging
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import filetype
import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlmodel import Field, Session, SQLModel, col, select

from . import audit
from .config import ConfigError
from .db import get_session, new_id, utcnow
from .i18n import _
from .storage import CHUNK, KEY, LocalStorage, Storage, StorageUnavailable
from .types import StoredFile

log = logging.getLogger(__name__)

ORPHAN_AGE = timedelta(days=1)  # bytes without a record are removed only once surely abandoned
MAX_FILENAME = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")  # tab, newlines, form feed are fine


# --- kinds of file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of file the portal accepts: how it is named to people and served."""

    name: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    inline: bool = False  # shown in the browser rather than downloaded (images only)


KINDS: dict[str, Kind] = {
    "pdf": Kind("pdf", "PDF", "application/pdf", (".pdf",)),
    "png": Kind("png", "PNG", "image/png", (".png",), inline=True),
    "jpeg": Kind("jpeg", "JPG", "image/jpeg", (".jpg", ".jpeg"), inline=True),
    "docx": Kind("docx", "Word document (.docx)",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "vtt": Kind("vtt", "WebVTT captions file (.vtt)", "text/vtt", (".vtt",)),
    "txt": Kind("txt", "plain text file (.txt)", "text/plain", (".txt",)),
    "mp4": Kind("mp4", "MP4 video (.mp4)", "video/mp4", (".mp4",)),
    "webm": Kind("webm", "WebM video (.webm)", "video/webm", (".webm",)),
}
DEFAULT_ALLOWED: tuple[str, ...] = ("pdf", "png", "jpeg", "docx", "vtt", "txt")
_BINARY_MIMES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg",
                 KINDS["docx"].content_type: "docx", "video/mp4": "mp4", "video/webm": "webm"}


class UploadRefused(ValueError):
    """The upload was not stored; ``str(exc)`` is a message for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def storage() -> Storage:
    """The app's storage, chosen at start-up by ``COPROD_FILES_STORAGE``."""
    return current_app.extensions["coprod_files"]


# --- the table -------------------------------------------------------------------------------


class UploadedFile(SQLModel, table=True):
    """One stored upload. The bytes are in storage under the same id."""

    __tablename__ = "core_file"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    plugin: str = Field(max_length=40, index=True)
    purpose: str = Field(max_length=60)
    subject_ref: str | None = Field(default=None, max_length=200, index=True)
    uploaded_by: str | None = Field(default=None, max_length=32, index=True)
    filename: str = Field(max_length=MAX_FILENAME)
    kind: str = Field(max_length=20)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

    def to_stored(self) -> StoredFile:
        return StoredFile(
            id=self.id, plugin=self.plugin, purpose=self.purpose, filename=self.filename,
            kind=self.kind, content_type=self.content_type, size=self.size, sha256=self.sha256,
            created_at=self.created_at, uploaded_by=self.uploaded_by, subject_ref=self.subject_ref,
        )


# --- the API for plugins ---------------------------------------------------------------------


def save_upload(
    file_storage: Any,
    *,
    plugin: str,
    purpose: str,
    allowed: Iterable[str] = DEFAULT_ALLOWED,
    max_bytes: int | None = None,
    subject_ref: str | None = None,
    uploaded_by: str | None = None,
) -> StoredFile:
    """Check and store an uploaded file; return what was stored.

    ``file_storage`` is the ``werkzeug.datastructures.FileStorage`` from a form field.
    ``allowed`` names kinds from :data:`KINDS`; the kind is decided by the content, and the
    file's name must end in an extension of that kind. ``max_bytes`` defaults to the
    portal's ``MAX_CONTENT_LENGTH``. ``uploaded_by`` defaults to the signed-in person.

    Raises :class:`UploadRefused` with a message to show on the form field. The row is added
    to the request's session (``db.get_session()``): commit it with your own record.
    """
    allowed = tuple(allowed)
    unknown = [name for name in allowed if name not in KINDS]
    if unknown:
        raise ValueError(f"unknown kinds of file: {', '.join(unknown)}; use some of {', '.join(KINDS)}")
    limit = max_bytes or int(current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024)
    original = getattr(file_storage, "filename", None) or ""
    if file_storage is None or not original:
        raise UploadRefused(_("Select a file"))
    name = clean_filename(original)
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        digest, size = _copy_limited(file_storage.stream, spool, limit)
        if size == 0:
            raise UploadRefused(_("The selected file is empty"))
        spool.seek(0)
        kind = _check_kind(spool, name, allowed)
        spool.seek(0)
        record = UploadedFile(
            plugin=plugin, purpose=purpose, subject_ref=subject_ref,
            uploaded_by=uploaded_by if uploaded_by is not None else _user_id(),
            filename=name, kind=kind.name, content_type=kind.content_type, size=size, sha256=digest,
        )
        store = storage()
        try:
            store.save(record.id, spool)  # type: ignore[arg-type]
        except StorageUnavailable as exc:
            log.error("could not store an upload for %s: %s", plugin, exc)
            raise UploadRefused(_("The file could not be saved just now, because the portal cannot "
                                  "reach its file store. Try again in a few minutes")) from exc
    session = get_session()
    _pending(session)["new"].append((store, record.id))
    session.add(record)
    try:
        session.flush()
    except Exception:
        _forget_bytes(store, record.id)
        raise
    return record.to_stored()


def get(file_id: str) -> StoredFile | None:
    """The stored file with this id, or None."""
    row = _row(file_id)
    return row.to_stored() if row else None


def find(plugin: str, purpose: str | None = None, subject_ref: str | None = None) -> list[StoredFile]:
    """A plugin's files, newest first, optionally only those with this purpose or subject."""
    query = select(UploadedFile).where(UploadedFile.plugin == plugin)
    if purpose is not None:
        query = query.where(UploadedFile.purpose == purpose)
    if subject_ref is not None:
        query = query.where(UploadedFile.subject_ref == subject_ref)
    query = query.order_by(UploadedFile.created_at.desc())  # type: ignore[attr-defined]
    return [row.to_stored() for row in get_session().exec(query)]


def open_file(file_id: str) -> IO[bytes]:
    """The stored bytes, for a plugin that reads a file itself (close the stream when done).

    Check the person may see it first (:func:`may_download`) when you show what you read.
    """
    return storage().open(file_id)


def delete(file_id: str) -> bool:
    """Delete a file: the row now (in the request's session), the bytes once that commits.

    Returns False when there is no such file.
    """
    row = _row(file_id)
    if row is None:
        return False
    session = get_session()
    session.delete(row)
    _pending(session)["gone"].append((storage(), row.id))
    return True


def url(file_id: str) -> str:
    """The one address where a file is served (after the permission check)."""
    return url_for("files.download", file_id=file_id)


def may_download(file: StoredFile, user: Any) -> bool:
    """Plugins vote through ``portal_file_allowed``: any False refuses, one True is needed."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "kind", "") == "staff" and not user.is_active:
        return False
    host = current_app.extensions["coprod_plugins"]
    votes = [vote for _, vote in host.call("portal_file_allowed", deny_on_error=True,
                                           file=file, user=user)]
    return True in votes and False not in votes


def human_size(size: int) -> str:
    """A size for people: 900 bytes, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


def clean_filename(name: str) -> str:
    """The uploader's file name made safe to show and to offer as a download name.

    Drops folders, control and formatting characters (including right-to-left overrides),
    and keeps the extension when shortening.
    """
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[: MAX_FILENAME - len(ext) - 1].rstrip() + (f".{ext}" if ext else "")
    return name or "file"


# --- checking what a file is ------------------------------------------------------------------


def _copy_limited(source: IO[bytes], target: IO[bytes], limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadRefused(_("The selected file must be smaller than %(size)s",
                                  size=human_size(limit)))
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def detect(stream: IO[bytes]) -> tuple[str | None, str]:
    """What the content is: (a kind from KINDS or None, a description for messages).

    Decided by the bytes alone — magic numbers for binary files (the ``filetype`` library),
    the inside of the ZIP for Word documents, strict UTF-8 for text — never by the name.
    """
    head = stream.read(8192)
    stream.seek(0)
    guess = filetype.guess(head)
    found = _BINARY_MIMES.get(guess.mime) if guess else None
    if found == "docx" or head.startswith(b"PK\x03\x04"):
        if _is_docx(stream):
            return "docx", "a Word document"
        return None, _a_file(guess.extension) if guess and guess.extension != "zip" else "a ZIP archive"
    if found:
        return found, _a_file(KINDS[found].label)
    text = _utf8_text(stream)
    if text is not None:
        if re.match(r"WEBVTT(?:[ \t\r\n]|$)", text.removeprefix("\ufeff")):
            return "vtt", "a WebVTT captions file"
        return "txt", "a text file"
    if guess:
        return None, _a_file(guess.extension)
    return None, "a kind of file the portal does not recognise"


def _a_file(extension: str) -> str:
    """"a PDF file", "an EXE file": the article as the letters are spoken."""
    letters = extension.upper()
    return f"{'an' if letters[:1] in set('AEFHILMNORSX') else 'a'} {letters} file"


def _is_docx(stream: IO[bytes]) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        stream.seek(0)
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _utf8_text(stream: IO[bytes]) -> str | None:
    """The first part of the text when the whole stream is UTF-8 text, else None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = ""
    try:
        while chunk := stream.read(CHUNK):
            part = decoder.decode(chunk)
            if _CONTROL.search(part):
                return None
            if len(start) < 100:
                start += part[:100]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    finally:
        stream.seek(0)
    return start


def _check_kind(stream: IO[bytes], name: str, allowed: tuple[str, ...]) -> Kind:
    found, description = detect(stream)
    extension = Path(name).suffix.lower()
    if found == "txt" and extension in KINDS["vtt"].extensions and "vtt" in allowed:
        raise UploadRefused(_("The selected file is not a WebVTT captions file: its first line must "
                              "be WEBVTT. Check it was saved as captions, or choose another file"))
    if found is None or found not in allowed:
        raise UploadRefused(_("The selected file must be %(kinds)s. It is %(found)s",
                              kinds=_list_of(allowed), found=description))
    kind = KINDS[found]
    if extension not in kind.extensions:
        if extension:
            refusal = _("The selected file is %(found)s, but its name ends in %(extension)s. Rename "
                        "it to end in %(wanted)s, or choose another file", found=description,
                        extension=extension, wanted=kind.extensions[0])
        else:
            refusal = _("The selected file is %(found)s, but its name has no extension. Rename it to "
                        "end in %(wanted)s, or choose another file", found=description,
                        wanted=kind.extensions[0])
        raise UploadRefused(refusal)
    return kind


def _list_of(allowed: tuple[str, ...]) -> str:
    labels = [KINDS[name].label for name in allowed]
    labels = [f"a {labels[0]}", *labels[1:]] if labels else []
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _user_id() -> str | None:
    return getattr(current_user, "id", None) if current_user and current_user.is_authenticated else None


def _row(file_id: str) -> UploadedFile | None:
    if not isinstance(file_id, str) or not KEY.match(file_id):
        return None
    return get_session().get(UploadedFile, file_id)


# --- keeping storage and database in step ------------------------------------------------------

_PENDING = "coprod_files_pending"


def _pending(session: Session) -> dict[str, list[tuple[Storage, str]]]:
    return session.info.setdefault(_PENDING, {"new": [], "gone": []})


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """Committed: the bytes of deleted files go now; new files are kept."""
    pending = session.info.pop(_PENDING, None)
    for store, key in (pending or {}).get("gone", []):
        try:
            store.delete(key)
        except Exception:  # the row is gone already; a stray file harms nobody, so log it
            log.exception("could not delete the stored bytes of file %s", key)


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    """Ended without a commit (rolled back or closed): new files' bytes go, deleted ones stay."""
    if transaction.parent is not None:
        return
    pending = session.info.pop(_PENDING, None)
    for store, key in (pending or {}).get("new", []):
        _forget_bytes(store, key)


def _forget_bytes(store: Storage, key: str) -> None:
    try:
        store.delete(key)
    except Exception:  # the nightly sweep removes what is left
        log.exception("could not remove the bytes of uncommitted file %s", key)


def remove_orphan_files() -> int:
    """Periodic job ``core.remove_orphan_files``: remove stored bytes that no record points to.

    The transaction hooks above keep storage and records in step, but a server killed between
    storing an upload and committing its record leaves bytes nobody can reach. Only bytes older
    than :data:`ORPHAN_AGE` go, so an upload still on its way to being committed is never taken.
    Returns how many were removed; the number is logged and written to the audit log.
    """
    session, store = get_session(), storage()
    cutoff = datetime.now(UTC) - ORPHAN_AGE
    removed, batch = 0, []
    for key, stored_at in store.keys():
        if stored_at < cutoff:
            batch.append(key)
        if len(batch) >= 500:
            removed += _remove_unrecorded(session, store, batch)
            batch = []
    removed += _remove_unrecorded(session, store, batch)
    log.info("removed %d stored file(s) that no record pointed to", removed)
    if removed:
        audit.record(session, None, "removed orphan files", "file", "",
                     f"{removed} file{'s' if removed != 1 else ''} without a record",
                     detail=f"older than {ORPHAN_AGE.days} day(s), with no record in core_file")
    session.commit()
    return removed


def _remove_unrecorded(session: Session, store: Storage, keys: list[str]) -> int:
    if not keys:
        return 0
    recorded = set(session.exec(select(UploadedFile.id).where(col(UploadedFile.id).in_(keys))))
    orphans = [key for key in keys if key not in recorded]
    for key in orphans:
        store.delete(key)
    return len(orphans)


# --- moving local files into another storage --------------------------------------------------


@dataclass
class Migration:
    """What ``flask files migrate-to-storage`` did: counts, and the ids that need a person."""

    copied: int = 0
    already_there: int = 0
    missing: list[str] = field(default_factory=list)  # no local bytes, and none in the store
    mismatched: list[str] = field(default_factory=list)  # local bytes differ from the checksum
    unverified: list[str] = field(default_factory=list)  # copied, but read back differently

    @property
    def problems(self) -> int:
        return len(self.missing) + len(self.mismatched) + len(self.unverified)


def migrate_to_storage(session: Session, source: LocalStorage, target: Storage) -> Migration:
    """Copy every recorded file's bytes from a local folder into ``target``, verifying each.

    Safe to run again after an interruption, and while serving: a file already in ``target``
    with the recorded SHA-256 is skipped; anything else there is replaced. Each copy is read
    back and checked against the recorded SHA-256. The local files are left where they are.
    """
    done = Migration()
    order = (col(UploadedFile.created_at), col(UploadedFile.id))
    recorded = list(session.exec(select(UploadedFile.id, UploadedFile.sha256).order_by(*order)))
    for file_id, sha256 in recorded:
        if _digest_of(target, file_id) == sha256:
            done.already_there += 1
        elif not source.exists(file_id):
            done.missing.append(file_id)
        elif _digest_of(source, file_id) != sha256:
            done.mismatched.append(file_id)
        else:
            with source.open(file_id) as stream:
                target.save(file_id, stream)
            if _digest_of(target, file_id) == sha256:
                done.copied += 1
            else:
                done.unverified.append(file_id)
    return done


def _digest_of(store: Storage, key: str) -> str | None:
    """The SHA-256 of what ``store`` holds under ``key``, read in chunks; None when nothing."""
    try:
        stream = store.open(key)
    except FileNotFoundError:
        return None
    digest = hashlib.sha256()
    with stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- serving ---------------------------------------------------------------------------------

bp = Blueprint("files", __name__)


@bp.route("/files/<file_id>")
@login_required
def download(file_id: str) -> Any:
    """Serve a file after the owning plugin's check; every download is audited."""
    row = _row(file_id)
    if row is None:
        abort(404)
    stored = row.to_stored()
    if not may_download(stored, current_user):
        return render_template(
            "error.html", code=403, title="You cannot open this file",
            text="This file belongs to a record you do not have access to. If you need it, ask "
                 "the person who shared it with you or your co-production lead.",
        ), 403
    try:
        stream = storage().open(row.id)
    except StorageUnavailable as exc:
        log.error("could not read file %s (%s): %s", row.id, row.plugin, exc)
        return render_template(
            "error.html", code=503, title="This file cannot be opened just now",
            text="The portal cannot reach its file store at the moment. The file is kept safely; "
                 "try again in a few minutes.",
        ), 503, {"Retry-After": "30"}
    except (FileNotFoundError, ValueError):
        log.error("file %s (%s) has a record but nothing in storage", row.id, row.plugin)
        return render_template(
            "error.html", code=404, title="This file is not available",
            text="The file is listed, but its contents cannot be found. Tell an administrator "
                 "which page you found it on.",
        ), 404
    if request.method == "GET":
        session = get_session()
        audit.record(session, current_user, "downloaded file", "file", row.id, row.filename,
                     plugin=row.plugin, detail=f"purpose: {row.purpose}"[:1000])
        session.commit()
    kind = KINDS.get(row.kind)
    response = send_file(
        stream, mimetype=kind.content_type if kind else "application/octet-stream",
        as_attachment=not (kind and kind.inline), download_name=row.filename,
        conditional=False, etag=False, last_modified=None, max_age=None,
    )
    response.headers["Content-Length"] = str(row.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- start-up --------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Choose the storage (``COPROD_FILES_STORAGE``), check its folder, add the route and filter."""
    choice = app.config.get("FILES_STORAGE") or "local"
    if choice == "local":
        app.extensions["coprod_files"] = LocalStorage(_local_folder(app))
    elif choice == "s3":
        from .s3storage import make

        app.extensions["coprod_files"] = make(app)
    else:
        app.extensions["coprod_files"] = _storage_from(choice, app)
    app.register_blueprint(bp)
    app.add_template_filter(human_size, "filesize")


def _local_folder(app: Flask) -> Path:
    folder = Path(app.config.get("FILES_DIR") or Path(app.instance_path) / "files").resolve()
    app.config["FILES_DIR"] = str(folder)
    static = Path(app.static_folder or "").resolve() if app.static_folder else None
    if static is not None and (folder == static or static in folder.parents):
        raise ConfigError(
            f"COPROD_FILES_DIR is {folder}, inside the static folder, where anyone could download "
            "uploads without a check. Choose a folder outside it, for example instance/files.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"The uploads folder {folder} cannot be created or written ({exc.strerror}). Fix its "
            "permissions, or choose another folder with COPROD_FILES_DIR.") from exc
    return folder


def _storage_from(spec: str, app: Flask) -> Storage:
    """``package.module:factory``: ``factory(app)`` returns an object with the Storage methods."""
    module_name, _, attribute = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
        store = factory(app)
    except Exception as exc:
        raise ConfigError(
            f"COPROD_FILES_STORAGE is '{spec}', which could not be used ({type(exc).__name__}: "
            f"{exc}). Use 'local', 's3', or 'package.module:factory' naming a function that takes the "
            "app and returns a storage.") from exc
    missing = [m for m in ("save", "open", "delete", "exists", "keys")
               if not callable(getattr(store, m, None))]
    if missing:
        raise ConfigError(f"COPROD_FILES_STORAGE '{spec}' gave a storage without {', '.join(missing)}.")
    return store
