"""Keys and secrets shared by every server: reading them, and moving stored ciphertext to a new key.

Public for plugins. Several portal servers behind a load balancer share one database, so they
must share every key too: the secret key (sessions, LMS key encryption) and any key a plugin
encrypts with. Operators hand keys to each server the way secrets are usually deployed: an
environment variable, or a file named by ``<NAME>_FILE`` (systemd credentials, Kubernetes
secrets). :func:`value_or_file` reads a setting either way, with a :class:`ConfigError` naming the
setting when the file is missing, unreadable, empty or too short.

After a key rotation (a new key first, the old ones still listed so old ciphertext opens),
:func:`reencrypt_rows` rewrites stored ciphertext with the new key, so the old key can go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from .config import ConfigError as ConfigError
from .config import list_or_file as list_or_file
from .config import shared_database as shared_database
from .config import value_or_file as value_or_file

__all__ = ["BATCH_SIZE", "ConfigError", "Reencrypted", "list_or_file", "reencrypt_rows", "shared_database",
           "value_or_file"]

BATCH_SIZE = 200


@dataclass
class Reencrypted:
    """What a re-encryption run did, so far (it is handed to ``after_batch`` after each batch)."""

    rewritten: int = 0
    already_current: int = 0
    changed_meanwhile: int = 0
    batches: int = 0

    def progress(self) -> str:
        return f"Batch {self.batches} done ({self.rewritten} re-encrypted so far)."

    def summary(self, things: str) -> str:
        text = (f"Re-encrypted {self.rewritten} {things} with the newest key; "
                f"{self.already_current} already used it.")
        if self.changed_meanwhile:
            text += (f" {self.changed_meanwhile} changed while this ran and were left as they were; "
                     "run the command again to check them.")
        return text


def reencrypt_rows(
    session: Session,
    table: sa.Table,
    columns: list[str],
    *,
    is_current: Callable[[str], bool],
    rotate: Callable[[str], str],
    batch_size: int = BATCH_SIZE,
    after_batch: Callable[[Reencrypted], None] | None = None,
) -> Reencrypted:
    """Rewrite every ciphertext in ``columns`` of ``table`` that ``is_current`` says is not on the
    newest key, with ``rotate``; safe to run while the portal serves, and to interrupt.

    * Rows go in primary-key order, ``batch_size`` at a time, each batch committed: an interrupted
      run keeps what it did, and a second run skips rows already on the newest key (``is_current``
      decides, e.g. by decrypting with the newest key alone), so it finishes the rest.
    * Each row is one ``UPDATE`` by primary key, no table lock, and its ``WHERE`` also asks that
      every rewritten column still holds the ciphertext that was read. A row someone changed
      meanwhile is left alone (their write already used the newest key, or the next run sees it),
      so a stale value never overwrites theirs.
    """
    key = _single_primary_key(table)
    report = Reencrypted()
    last: Any = None
    while True:
        query = sa.select(key, *(table.c[name] for name in columns)).order_by(key).limit(batch_size)
        if last is not None:
            query = query.where(key > last)
        rows = session.execute(query).all()
        if not rows:
            return report
        for row in rows:
            _reencrypt_row(session, table, key, row._mapping, columns, is_current, rotate, report)
        session.commit()
        last = rows[-1][0]
        report.batches += 1
        if after_batch is not None:
            after_batch(report)


def _single_primary_key(table: sa.Table) -> sa.Column[Any]:
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"{table.name} needs a single-column primary key to be re-encrypted in batches")
    return keys[0]


def _reencrypt_row(session: Session, table: sa.Table, key: sa.Column[Any], row: Any, columns: list[str],
                   is_current: Callable[[str], bool], rotate: Callable[[str], str],
                   report: Reencrypted) -> None:
    old = {name: row[name] for name in columns if row[name] is not None}
    new = {name: rotate(token) for name, token in old.items() if not is_current(token)}
    if not new:
        report.already_current += 1
        return
    result = session.execute(
        sa.update(table)
        .where(key == row[key.name], *(table.c[name] == old[name] for name in new))
        .values(**new)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        report.rewritten += 1
    else:
        report.changed_meanwhile += 1
