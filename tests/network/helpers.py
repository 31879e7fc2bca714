"""Shared helpers for the network plugin's tests."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from coprod_portal.db import get_session
from coprod_portal.testing import csrf_token
from plugins.network.models import NetworkInvolvement, NetworkMember, NetworkPayment


def member_id(app, name: str) -> str:
    with app.app_context():
        return get_session().exec(select(NetworkMember).where(NetworkMember.preferred_name == name)).one().id


def member(app, name: str) -> NetworkMember:
    with app.app_context():
        return get_session().exec(select(NetworkMember).where(NetworkMember.preferred_name == name)).one()


def payments(app, mid: str) -> list[NetworkPayment]:
    with app.app_context():
        return list(get_session().exec(select(NetworkPayment).where(NetworkPayment.member_id == mid)))


def involvements(app, mid: str) -> list[NetworkInvolvement]:
    with app.app_context():
        return list(get_session().exec(select(NetworkInvolvement).where(NetworkInvolvement.member_id == mid)))


def boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def post(client, path: str, data: dict, **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data}, **kwargs)


def record_involvement(client, mid: str, on: date, hours="3", prep="1", **extra):
    return post(
        client,
        f"/network/members/{mid}/involvements/new",
        {
            "role": "interview_panel",
            "starts_on": boxes(on),
            "ends_on": ["", "", ""],
            "hours": hours,
            "preparation_hours": prep,
            "mode": "in_person",
            "project_id": "",
            **extra,
        },
    )
