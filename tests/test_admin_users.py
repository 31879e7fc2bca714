"""Administering users: accounts, roles, line managers, leavers, and who may do it."""

import pytest
from sqlmodel import Session

from coprod_portal import accounts
from coprod_portal.testing import csrf_token, login


def _user(app, email):
    with Session(app.extensions["coprod_engine"]) as session:
        return accounts.user_by_email(session, email)


@pytest.mark.parametrize("email", ["staff@example.org", "hr@example.org", "lead@example.org",
                                   "safeguarding@example.org"])
def test_only_admins_manage_users(app, email):
    client = login(app.test_client(), email)
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{_user(app, email).id}"):
        response = client.get(path)
        assert response.status_code == 403
        assert "staff@example.org" not in response.get_data(as_text=True)


def test_admin_adds_a_user_with_roles_and_line_manager(app):
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post("/admin/users/new", data={
        "display_name": "Robin New", "email": "Robin@Example.org", "roles": ["staff", "hr"],
        "line_manager": "manager@example.org", "csrf_token": csrf_token(admin, "/admin/users/new")})
    assert response.status_code == 302
    robin = _user(app, "robin@example.org")
    assert robin.role_names == {"staff", "hr"}
    assert robin.line_manager_id == _user(app, "manager@example.org").id
    assert "Robin New" in admin.get("/admin/users?q=robin").get_data(as_text=True)


def test_bad_user_input_is_explained_and_kept(app):
    admin = login(app.test_client(), "admin@example.org")
    response = admin.post("/admin/users/new", data={
        "display_name": "Typed Name", "email": "staff@example.org", "roles": ["staff", "no_such_role"],
        "line_manager": "ghost@example.org", "csrf_token": csrf_token(admin, "/admin/users/new")})
    text = response.get_data(as_text=True)
    assert "Another account already uses this email address" in text
    assert "There is no account with this email address" in text
    assert "Not a valid choice" in text or "not a valid choice" in text
    assert 'value="Typed Name"' in text


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app):
    admin = login(app.test_client(), "admin@example.org")
    me = _user(app, "admin@example.org")
    token = csrf_token(admin, f"/admin/users/{me.id}")
    response = admin.post(f"/admin/users/{me.id}", data={
        "display_name": me.display_name, "email": me.email, "roles": ["staff"], "csrf_token": token})
    assert "You cannot take the admin role away from yourself" in response.get_data(as_text=True)
    assert "admin" in _user(app, "admin@example.org").role_names
    admin.post(f"/admin/users/{me.id}/active", data={"active": "no", "csrf_token": token})
    assert _user(app, "admin@example.org").active


def test_deactivating_a_leaver_keeps_their_history(app):
    login(app.test_client(), "staff@example.org")
    admin = login(app.test_client(), "admin@example.org")
    staff = _user(app, "staff@example.org")
    token = csrf_token(admin, f"/admin/users/{staff.id}")
    response = admin.post(f"/admin/users/{staff.id}/active", data={"active": "no", "csrf_token": token})
    assert response.status_code == 302
    assert not _user(app, "staff@example.org").active
    assert "Deactivated" in admin.get("/admin/users").get_data(as_text=True)
    assert "Sasha Staff" in admin.get("/audit/?actor=sasha").get_data(as_text=True)
    admin.post(f"/admin/users/{staff.id}/active", data={"active": "yes", "csrf_token": token})
    assert _user(app, "staff@example.org").active


def test_unknown_user_id_is_not_found(app):
    admin = login(app.test_client(), "admin@example.org")
    assert admin.get("/admin/users/ffffffffffffffffffffffffffffffff").status_code == 404


def test_user_list_offers_every_role_including_plugin_roles(make_app):
    from conftest import TEST_PLUGINS

    app = make_app(plugins=["good"], config={"PLUGINS_DIR": str(TEST_PLUGINS)})
    admin = login(app.test_client(), "admin@example.org")
    text = admin.get("/admin/users/new").get_data(as_text=True)
    for label in ("Administrator", "Co-production lead", "Safeguarding lead", "HR", "Good keeper"):
        assert label in text


def test_user_search_treats_wildcards_literally(app):
    admin = login(app.test_client(), "admin@example.org")
    text = admin.get("/admin/users?q=%25").get_data(as_text=True)
    assert "0 accounts match" in text and "Sasha Staff" not in text


def test_admin_page_links_every_area_the_admin_may_use(app):
    admin = login(app.test_client(), "admin@example.org")
    text = admin.get("/admin/").get_data(as_text=True)
    for href in ('href="/admin/users"', 'href="/admin/plugins"', 'href="/admin/jobs"',
                 'href="/admin/subject-access/"'):
        assert href in text
    assert login(app.test_client(), "lead@example.org").get("/admin/").status_code == 403
