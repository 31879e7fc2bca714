"""The tool's keys: one set per platform registration, encrypted at rest, rotated with overlap,
published as correct JWKS documents; and the migration that made keys per registration."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel, select

from coprod_portal import db as core_db
from coprod_portal.audit import AuditEvent
from coprod_portal.db import get_session, utcnow
from coprod_portal.testing import csrf_token
from training import keys
from training.models import TrainingPlatform, TrainingToolKey

from .conftest import launch, registered_platform
from .test_lti import _pass


@pytest.fixture
def two_platforms(app):
    first, second = registered_platform(app), registered_platform(app)
    yield first, second
    first.stop()
    second.stop()


def _kids(client, path):
    return {k["kid"] for k in client.get(path).get_json()["keys"]}


def test_each_registration_has_its_own_published_key_set(app, two_platforms):
    first, second = two_platforms
    client = app.test_client()
    mine, theirs = _kids(client, first.tool_jwks_path), _kids(client, second.tool_jwks_path)
    assert len(mine) == 1 and len(theirs) == 1 and not mine & theirs
    assert _kids(client, "/training/lti/jwks") == mine | theirs
    for key in client.get(first.tool_jwks_path).get_json()["keys"]:
        assert key["alg"] == "RS256" and key["use"] == "sig" and key["kty"] == "RSA" and "d" not in key
    unknown = client.get("/training/lti/platforms/nope/jwks")
    assert unknown.status_code == 404 and unknown.get_json() == {"keys": []}


def test_ags_client_assertion_is_signed_with_that_registrations_key_only(app, two_platforms):
    first, second = two_platforms
    client = app.test_client()
    launch(client, first)
    _pass(client)
    assert len(first.scores) == 1 and first.assertions and not second.assertions
    claims = first.assertions[0]  # the test platform verified it against first's own key set
    assert claims["iss"] == claims["sub"] == first.client_id
    assert claims["aud"] == first.url + "/token"
    # ...and it would not verify with the other registration's keys
    with app.app_context():
        sent = keys.signing_key(get_session(), get_session().get(TrainingPlatform, first.platform_id))
    assert sent.kid in _kids(client, first.tool_jwks_path)
    assert sent.kid not in _kids(client, second.tool_jwks_path)
    other = jwt.PyJWK(app.test_client().get(second.tool_jwks_path).get_json()["keys"][0]).key
    token = jwt.encode({"iss": "x"}, keys.private_key_object(sent), algorithm="RS256")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other, algorithms=["RS256"])


def test_rotation_keeps_the_old_key_published_for_the_overlap_then_drops_it(app, two_platforms):
    first, second = two_platforms
    client = app.test_client()
    old = _kids(client, first.tool_jwks_path)
    untouched = _kids(client, second.tool_jwks_path)
    result = app.test_cli_runner().invoke(args=["lti", "rotate-keys", first.platform_id])
    assert result.exit_code == 0 and "stays published for 60 minutes" in result.output, result.output
    during = _kids(client, first.tool_jwks_path)
    assert old < during and len(during) == 2
    assert _kids(client, second.tool_jwks_path) == untouched
    new = (during - old).pop()
    launch(client, first)  # tokens signed from now on use the new key
    _pass(client)
    with app.app_context():
        session = get_session()
        assert keys.signing_key(session, session.get(TrainingPlatform, first.platform_id)).kid == new
        retired = session.get(TrainingToolKey, old.copy().pop())
        retired.retired_at = utcnow() - keys.OVERLAP - timedelta(minutes=1)
        session.commit()
    assert _kids(client, first.tool_jwks_path) == {new}
    assert old.isdisjoint(_kids(client, "/training/lti/jwks"))
    with app.app_context():
        from training import grades

        grades.purge_nonces()  # the hourly job also deletes keys past their overlap
        assert get_session().get(TrainingToolKey, old.pop()) is None


def test_rotate_keys_command_refuses_an_unknown_registration(app, platform):
    result = app.test_cli_runner().invoke(args=["lti", "rotate-keys", "Nowhere LMS"])
    assert result.exit_code != 0
    assert "No single registration is called Nowhere LMS" in result.output and "Test LMS" in result.output
    by_name = app.test_cli_runner().invoke(args=["lti", "rotate-keys", "Test LMS"])
    assert by_name.exit_code == 0, by_name.output


def test_private_keys_are_encrypted_at_rest(app, platform):
    with app.extensions["coprod_engine"].connect() as conn:
        stored = conn.execute(sa.text("SELECT private_key, public_jwk FROM training_tool_key")).all()
    assert stored
    for private, public in stored:
        assert "PRIVATE KEY" not in private and "BEGIN" not in private
        assert "d" not in json.loads(public)
    with app.app_context():
        key = get_session().exec(select(TrainingToolKey)).first()
        assert keys.private_pem(key).startswith("-----BEGIN PRIVATE KEY-----")


def test_admin_page_shows_the_registrations_addresses_and_rotates_its_key(app, platform, client_as):
    admin = client_as("admin")
    listing = admin.get("/training/platforms").get_data(as_text=True)
    page_url = f"/training/platforms/{platform.platform_id}"
    assert page_url in listing and "Holds the keys of every registration" in listing
    page = admin.get(page_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"http://localhost{platform.tool_jwks_path}" in html
    assert "http://localhost/training/lti/login" in html and "http://localhost/training/lti/launch" in html
    assert "Signs now" in html
    token = csrf_token(admin, page_url)
    rotated = admin.post(f"{page_url}/rotate-keys", data={"csrf_token": token}, follow_redirects=True)
    text = rotated.get_data(as_text=True)
    assert "signs for Test LMS from now on" in text and "Retired, published until" in text
    with app.app_context():
        event = get_session().exec(select(AuditEvent).where(AuditEvent.action == "rotated an LMS's tool key"))
        assert event.one().subject_id == platform.platform_id
    assert client_as("staff").get(page_url).status_code == 403
    assert admin.get("/training/platforms/unknown").status_code == 404


def test_migration_retires_the_old_global_keys_and_registrations_get_their_own(make_app):
    app = make_app(plugins=["training"], seed_demo=False)
    engine = app.extensions["coprod_engine"]
    _training_to(app, "training_0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO training_tool_key (kid, private_key, public_jwk, created_at) "
                "VALUES ('global', 'x', :jwk, :now)"
            ),
            {"jwk": json.dumps({"kid": "global", "kty": "RSA"}), "now": utcnow()},
        )
    with app.app_context():
        core_db.upgrade(app)
        session = get_session()
        old = session.get(TrainingToolKey, "global")
        assert old.retired_at is not None and old.platform_id is None
        assert [k.kid for k in keys.published(session)] == ["global"]  # still published in its overlap
        platform = TrainingPlatform(
            name="Old LMS", issuer="https://lms.example.org", client_id="c", auth_login_url="https://a",
            token_url="https://t", jwks_url="https://j",
        )  # fmt: skip
        session.add(platform)
        session.commit()
        made = keys.signing_key(session, platform)  # made (and committed) on first use
        assert made.platform_id == platform.id and made.kid != "global"
        assert [k.kid for k in keys.published(session, platform.id)] == [made.kid]


def _training_to(app, revision):
    """Run the training chain down to ``revision`` (as ``db downgrade`` would)."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    source = next(m for m in core_db.migration_sources(app) if m.plugin == "training")
    script = ScriptDirectory(str(source.directory), version_locations=[str(source.directory)])
    cfg = Config()
    cfg.set_main_option("script_location", str(source.directory))
    engine = app.extensions["coprod_engine"]

    def down(rev, _context):
        return script._downgrade_revs(revision, rev)

    with engine.begin() as conn, EnvironmentContext(cfg, script, fn=down) as env:
        env.configure(
            connection=conn,
            version_table="alembic_version_training",
            render_as_batch=engine.dialect.name == "sqlite",
        )
        env.run_migrations()


def test_training_migrations_match_the_models(app):
    """A training model change without a migration (or the reverse) fails here."""
    with app.extensions["coprod_engine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [d for d in compare_metadata(context, SQLModel.metadata) if "training_" in repr(d)]
    assert diffs == []
