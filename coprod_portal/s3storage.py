"""Uploaded files in an S3-compatible object store (``COPROD_FILES_STORAGE=s3``).

Several portal servers behind a load balancer must all reach every upload, so the bytes go to
a bucket they share: AWS S3, or a store that speaks its API (MinIO, Ceph RGW, Cloudflare R2).
Only what the S3 API guarantees is relied on. Object keys are the file ids, under an optional
prefix, never the names people gave their files. Bytes are streamed both ways (multipart
uploads for large files, the download read in chunks), never held whole in memory.

Start-up asks the bucket once (``HeadBucket``) with short timeouts, so a wrong endpoint, a
missing bucket or refused credentials stop start-up with a :class:`ConfigError` naming the
setting. While serving, a store that cannot be reached raises
:class:`~coprod_portal.storage.StorageUnavailable`, which the upload form and the download page
turn into polite messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any

from flask import Flask

from .config import ConfigError, value_or_file
from .storage import StorageUnavailable, check_key

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60
ATTEMPTS = 3  # the first try and two retries, with the standard back-off
CHECK_TIMEOUT = 3
CHECK_ATTEMPTS = 2
PART_SIZE = 8 * 1024 * 1024  # files above this go up in parts of this size, one after another:
# one part in memory per upload, however large the file, and no extra threads in the web worker
_CREDENTIAL_CODES = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                     "InvalidClientTokenId", "ExpiredToken", "InvalidToken", "AuthorizationHeaderMalformed"}


class S3Storage:
    """Objects in one bucket, under ``prefix``; the keys are file ids."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        from boto3.s3.transfer import TransferConfig

        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.transfer = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE,
                                       use_threads=False)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, stream: IO[bytes]) -> None:
        with _unavailable_on_failure("store"):
            self.client.upload_fileobj(stream, self.bucket, self._name(key), Config=self.transfer)

    def open(self, key: str) -> IO[bytes]:
        """The object's body, read in chunks as the caller reads it (a download is streamed)."""
        with _unavailable_on_failure("read", missing=key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        return answer["Body"]  # type: ignore[no-any-return]

    def delete(self, key: str) -> None:
        with _unavailable_on_failure("delete"):
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        try:
            with _unavailable_on_failure("check", missing=key):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except FileNotFoundError:
            return False
        return True

    def keys(self) -> Iterator[tuple[str, datetime]]:
        with _unavailable_on_failure("list"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix):], item["LastModified"]


def make(app: Flask) -> S3Storage:
    """The storage for ``COPROD_FILES_STORAGE=s3``, checked against the bucket before serving."""
    bucket = (app.config.get("S3_BUCKET") or "").strip()
    if not bucket:
        raise ConfigError("COPROD_FILES_STORAGE is 's3', but COPROD_S3_BUCKET is not set. Set it to the "
                          "name of the bucket every portal server keeps uploads in.")
    endpoint = (app.config.get("S3_ENDPOINT_URL") or "").strip() or None
    region = (app.config.get("S3_REGION") or "").strip() or None
    prefix = (app.config.get("S3_PREFIX") or "").strip().lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    credentials = _credentials()
    _check(_client(endpoint, region, credentials, CHECK_TIMEOUT, CHECK_TIMEOUT, CHECK_ATTEMPTS), bucket,
           endpoint)
    client = _client(endpoint, region, credentials, CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS)
    return S3Storage(client, bucket, prefix)


def _credentials() -> dict[str, str]:
    """Keys given to the portal (as variables or ``*_FILE``); empty means boto3's own chain
    (``~/.aws``, an instance or container role)."""
    key_id = value_or_file("AWS_ACCESS_KEY_ID")
    secret = value_or_file("AWS_SECRET_ACCESS_KEY")
    if bool(key_id) != bool(secret):
        given, missing = (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if key_id
                          else ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"))
        raise ConfigError(f"{given} is set but {missing} is not (nor {missing}_FILE). The object store "
                          "needs both, or neither to use the server's own role.")
    if not key_id or not secret:
        return {}
    found = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    token = value_or_file("AWS_SESSION_TOKEN")
    if token:
        found["aws_session_token"] = token
    return found


def _client(endpoint: str | None, region: str | None, credentials: dict[str, str], connect: float,
            read: float, attempts: int) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise ConfigError("COPROD_FILES_STORAGE is 's3', but boto3 is not installed. Install the extra: "
                          "pip install -c constraints.txt 'coprod-portal[s3]'.") from exc
    config = Config(connect_timeout=connect, read_timeout=read,
                    retries={"total_max_attempts": attempts, "mode": "standard"})
    try:
        return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region,
                                              config=config, **credentials)
    except ValueError as exc:
        raise ConfigError(f"COPROD_S3_ENDPOINT_URL is '{endpoint}', which is not an address the "
                          f"object store client can use ({exc}). Use one like https://s3.example.org, "
                          "or leave it empty for AWS.") from exc


def _check(client: Any, bucket: str, endpoint: str | None) -> None:
    """Ask for the bucket once; any problem becomes a ConfigError naming the setting to fix."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

    where = endpoint or "AWS S3"
    try:
        client.head_bucket(Bucket=bucket)
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise ConfigError("The object store needs credentials: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID_FILE and AWS_SECRET_ACCESS_KEY_FILE), "
                          "or give the server a role that may use the bucket.") from exc
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchBucket"}:
            raise ConfigError(f"COPROD_S3_BUCKET is '{bucket}', but {where} has no bucket of that name. "
                              "Create it, or correct the name.") from exc
        if code in _CREDENTIAL_CODES:
            raise ConfigError(f"{where} refused the credentials for bucket '{bucket}' ({code}). Check "
                              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their _FILE settings), and "
                              "that they may read and write that bucket.") from exc
        if code in {"301", "400", "PermanentRedirect", "AuthorizationHeaderMalformed"}:
            raise ConfigError(f"{where} answered that bucket '{bucket}' is elsewhere ({code}). Check "
                              "COPROD_S3_REGION and COPROD_S3_ENDPOINT_URL.") from exc
        raise ConfigError(f"{where} could not be used for bucket '{bucket}' ({code}: {exc}). Check "
                          "COPROD_S3_ENDPOINT_URL and COPROD_S3_BUCKET.") from exc
    except BotoCoreError as exc:
        raise ConfigError(f"The object store at COPROD_S3_ENDPOINT_URL ({where}) cannot be reached "
                          f"({type(exc).__name__}). Check the address, and that the store is running "
                          "and reachable from this server.") from exc


@contextmanager
def _unavailable_on_failure(doing: str, missing: str | None = None) -> Iterator[None]:
    """Turn a store that cannot answer into StorageUnavailable, and a missing object into
    FileNotFoundError; the caller decides what to tell people."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if missing is not None and code in {"404", "NoSuchKey", "NotFound"}:
            raise FileNotFoundError(missing) from exc
        raise StorageUnavailable(f"the object store could not {doing} ({code})") from exc
    except (BotoCoreError, S3UploadFailedError) as exc:
        raise StorageUnavailable(f"the object store could not {doing} ({type(exc).__name__})") from exc
