"""Importing members from CSV: a broken row is refused line by line and nothing is half-saved."""

from __future__ import annotations

import io

from sqlalchemy import func
from sqlmodel import select

from coprod_portal.db import get_session
from plugins.network.models import NetworkMember

from .helpers import post

HEADER = "preferred_name,email,phone,contact_by,preferred_format,status,status_reason\n"


def _count(app) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(NetworkMember)).one()


def _import(client, text: str = "", upload: bytes | None = None):
    data = {"rows": text}
    if upload is not None:
        data["upload"] = (io.BytesIO(upload), "members.csv")
    return post(client, "/network/members/import", data, content_type="multipart/form-data")


def test_a_good_file_adds_every_member_in_one_go(app, client_as):
    lead = client_as("coproduction_lead")
    before = _count(app)
    body = (
        HEADER + "Lena Fox,lena.fox@example.org,,phone,easy_read,active,\n"
        "Marcus Bell,,01234 567890,,,left,Moved to Leeds\n"
    ).encode()
    response = _import(lead, upload=body)
    assert response.status_code == 302
    assert "2 members were added" in lead.get("/network/").get_data(as_text=True)
    assert _count(app) == before + 2
    with app.app_context():
        lena = (
            get_session()
            .exec(select(NetworkMember).where(NetworkMember.email == "lena.fox@example.org"))
            .one()
        )
        assert (lena.contact_by, lena.preferred_format, lena.status) == ("phone", "easy_read", "active")


def test_a_broken_row_refuses_the_whole_file_and_says_which_line_and_why(app, client_as):
    lead = client_as("coproduction_lead")
    before = _count(app)
    text = (
        HEADER
        + "Good Person,good.person@example.org,,,,,\n"
        + ",nobody@example.org,,,,,\n"  # line 3: no name
        + "Bad Email,not-an-email,,,,,\n"  # line 4
        + "Rosa Again,rosa.delgado@example.org,,,,,\n"  # line 5: already in the register
        + "Gone,,,,,left,\n"  # line 6: left without a reason
        + "Twice,good.person@example.org,,fax,,,\n"  # line 7: duplicate in the file, unknown contact
    )
    response = _import(lead, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported: correct lines 3, 4, 5, 6, 7" in page
    assert "Enter the name the member wants us to use" in page
    assert "Enter an email address like name@example.org (you entered ‘not-an-email’)" in page
    assert "Rosa Delgado already has rosa.delgado@example.org in the register" in page
    assert "Enter why the member left" in page
    assert "good.person@example.org is also on line 2 of the file" in page
    assert "Use one of the codes email, phone, text, post (you entered ‘fax’)" in page
    assert "Good Person,good.person@example.org" in page  # what was pasted is shown again
    assert _count(app) == before  # nothing half-saved: not even the good row


def test_files_that_are_not_a_member_list_are_refused_with_a_reason(app, client_as):
    lead = client_as("coproduction_lead")
    before = _count(app)
    no_header = _import(lead, "Lena Fox,lena@example.org\n").get_data(as_text=True)
    assert "The first line must name the columns, and include preferred_name" in no_header
    unknown = _import(lead, "preferred_name,benefit\nLena,ESA\n").get_data(as_text=True)
    assert "Remove or rename the columns we do not know: benefit" in unknown
    binary = _import(lead, upload=b"\xff\xfe\x00bad")
    assert binary.status_code == 400 and "saved as UTF-8" in binary.get_data(as_text=True)
    empty = _import(lead, "")
    assert "Choose a CSV file, or paste the rows" in empty.get_data(as_text=True)
    extra = _import(lead, "preferred_name\nLena,extra\n").get_data(as_text=True)
    assert "more cells than the first line has columns" in extra
    assert _count(app) == before
    assert client_as("staff@example.org").get("/network/members/import").status_code == 403
