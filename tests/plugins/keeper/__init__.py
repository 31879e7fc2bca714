"""A test plugin that keeps records about people, with or without a portal account, and
answers subject access and erasure requests for them."""

from pathlib import Path

from sqlmodel import Field, SQLModel, select

from coprod_portal.db import new_id
from coprod_portal.hookspecs import hookimpl
from coprod_portal.types import ErasureReport, Migrations, SubjectRecords


class KeeperRecord(SQLModel, table=True):
    __tablename__ = "keeper_record"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    email: str = Field(max_length=254, index=True)
    note: str = Field(max_length=200)
    payment_pence: int = 0


@hookimpl
def portal_migrations():
    return Migrations("keeper", Path(__file__).parent / "migrations")


@hookimpl
def portal_seed_demo(session):
    if session.exec(select(KeeperRecord)).first() is None:
        session.add(KeeperRecord(email="staff@example.org", note="Prefers phone calls", payment_pence=2500))
        session.add(KeeperRecord(email="member@community.example", note="Needs step-free access",
                                 payment_pence=5000))


@hookimpl
def portal_subject_export(person):
    from coprod_portal.db import get_session

    rows = get_session().exec(select(KeeperRecord).where(KeeperRecord.email == person.email)).all()
    if not rows:
        return None
    return SubjectRecords("Keeper records", tuple(
        {"Note": r.note, "Payment (£)": r.payment_pence / 100} for r in rows))


@hookimpl
def portal_subject_erase(person, session):
    rows = session.exec(select(KeeperRecord).where(KeeperRecord.email == person.email)).all()
    for row in rows:
        row.note = ""
        row.email = f"erased-{row.id}"
    return ErasureReport("Keeper records", erased=("Notes",),
                         kept=(("Payments", "HMRC requires payment records for six years."),))
