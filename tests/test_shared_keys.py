"""Several servers, one database: the same keys everywhere, refusals without them, and rotation.

Two apps with their own instance folders against one database stand for two servers behind a
load balancer."""

from __future__ import annotations

import json
import os
import secrets
from datetime import date, timedelta

import jwt
import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from coprod_portal import create_app
from coprod_portal.accounts import user_by_email
from coprod_portal.db import get_session
from coprod_portal.keys import ConfigError, reencrypt_rows
from coprod_portal.testing import login
from plugins.lived_experience import ENCRYPTED_COLUMNS, crypto, service
from plugins.lived_experience.models import LivedExperienceContribution
from training import keys as tool_keys
from training.models import TrainingToolKey
from training.platforms import register

SHARED_DB = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # refused before anything connects
LIVED = "COPROD_LIVED_EXPERIENCE_KEY"


def _secret() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture
def two_servers(make_app, monkeypatch, tmp_path):
    """Two portals on one database, keys given the documented way: environment variables, the
    same on every server. (The first is built by the test helper, which seeds its database with
    the test keys, so it picks up the lived-experience key from the environment afterwards.)"""

    def build(plugins):
        secret = _secret()
        first = make_app(plugins=plugins, config={"SECRET_KEY": secret})
        monkeypatch.setenv("COPROD_SECRET_KEY", secret)
        monkeypatch.setenv(LIVED, Fernet.generate_key().decode())
        if "lived_experience" in plugins:
            first.extensions["lived_experience_fernet"] = crypto.load_keys(first, None)
        return first, _second_server(first, tmp_path)
    return build


def _second_server(first, tmp_path, **config):
    """Another portal on the first one's database, with its own instance folder; its keys come
    from the environment only."""
    return create_app({"TESTING": True, "DATABASE_URL": first.config["DATABASE_URL"],
                       "INSTANCE_PATH": str(tmp_path / "second"), "PLUGINS": first.config["PLUGINS"],
                       "PASSWORD_HASH_MEMORY_KIB": 1024, "JOBS_IMMEDIATE": True, **config})


# --- reading a key from the environment or a file --------------------------------------------


def test_a_key_file_named_by_the_environment_is_read(monkeypatch, tmp_path):
    secret = _secret()
    (tmp_path / "secret").write_text(secret + "\n")
    monkeypatch.delenv("COPROD_SECRET_KEY")
    monkeypatch.setenv("COPROD_SECRET_KEY_FILE", str(tmp_path / "secret"))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": SHARED_DB, "PLUGINS": []})
    assert app.config["SECRET_KEY"] == secret
    assert not (tmp_path / "i" / "secret_key").exists()


@pytest.mark.parametrize("content, message", [
    (None, r"COPROD_SECRET_KEY_FILE names .*missing, which cannot be read \(No such file or directory\)"),
    ("", "COPROD_SECRET_KEY_FILE names .*, which is empty"),
    ("short", r"The file named by COPROD_SECRET_KEY_FILE .* holds 5 characters; COPROD_SECRET_KEY needs "
              "at least 32"),
])
def test_a_key_file_that_is_missing_empty_or_short_stops_start_up(monkeypatch, tmp_path, content, message):
    if content is not None:
        (tmp_path / "missing").write_text(content)
    monkeypatch.delenv("COPROD_SECRET_KEY")
    monkeypatch.setenv("COPROD_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=message):
        create_app({"INSTANCE_PATH": str(tmp_path / "i")})


def test_a_key_in_both_the_variable_and_a_file_is_refused(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text(_secret())
    monkeypatch.setenv("COPROD_SECRET_KEY_FILE", str(tmp_path / "secret"))
    with pytest.raises(ConfigError, match="Both COPROD_SECRET_KEY and COPROD_SECRET_KEY_FILE are set"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i")})


def test_a_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("COPROD_SECRET_KEY", "password1")
    with pytest.raises(ConfigError, match="COPROD_SECRET_KEY holds 9 characters; COPROD_SECRET_KEY needs"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i")})


def test_an_empty_lived_experience_key_file_is_refused_naming_it(monkeypatch, tmp_path):
    (tmp_path / "lived").write_text("")
    monkeypatch.setenv(f"{LIVED}_FILE", str(tmp_path / "lived"))
    with pytest.raises(ConfigError, match=f"{LIVED}_FILE names .*, which is empty"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "PLUGINS": ["lived_experience"]})


# --- a shared database needs keys from the operator -------------------------------------------


def test_a_shared_database_without_a_secret_key_stops_start_up(monkeypatch, tmp_path):
    monkeypatch.delenv("COPROD_SECRET_KEY")
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": SHARED_DB, "PLUGINS": []})
    assert "COPROD_SECRET_KEY (or COPROD_SECRET_KEY_FILE) must be set when the database is shared" in str(
        caught.value)
    assert "secrets.token_urlsafe(48)" in str(caught.value)
    assert not (tmp_path / "secret_key").exists()  # no key of its own made quietly


def test_a_shared_database_without_a_lived_experience_key_stops_start_up(monkeypatch, tmp_path):
    monkeypatch.delenv(LIVED, raising=False)
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": SHARED_DB,
                    "PLUGINS": ["lived_experience"]})
    assert f"{LIVED} (or {LIVED}_FILE) must be set when the database is shared" in str(caught.value)
    assert "Fernet.generate_key()" in str(caught.value)
    assert not (tmp_path / crypto.KEY_FILE).exists()


def test_one_machine_on_sqlite_still_makes_its_own_keys(monkeypatch, tmp_path):
    monkeypatch.delenv("COPROD_SECRET_KEY")
    monkeypatch.delenv(LIVED, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                      "PLUGINS": ["lived_experience"]})
    assert (tmp_path / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert (tmp_path / crypto.KEY_FILE).exists()


# --- two servers with the same keys -----------------------------------------------------------


def test_a_session_made_on_one_server_is_accepted_on_the_other(two_servers):
    first, second = two_servers(["lived_experience"])
    signed_in = login(first.test_client(), "lead@example.org")
    cookie = signed_in.get_cookie("session")
    other = second.test_client()
    other.set_cookie("session", cookie.value)
    page = other.get("/")
    assert page.status_code == 200 and "Sign out" in page.get_data(as_text=True)
    stranger = second.test_client()
    stranger.set_cookie("session", cookie.value[:-4] + "AAAA")  # a forged signature is refused
    assert "Sign out" not in stranger.get("/").get_data(as_text=True)


def test_a_contribution_written_on_one_server_is_read_on_the_other(two_servers):
    first, second = two_servers(["lived_experience"])
    contribution_id = _contribution(first, "what helped was being asked, not told")
    with second.app_context():
        c = get_session().get(LivedExperienceContribution, contribution_id)
        assert service.narrative(c) == "what helped was being asked, not told"


def test_an_lms_key_made_on_one_server_signs_on_the_other(two_servers):
    first, second = two_servers(["training"])
    kid = _registration(first)
    tool_keys._loaded.clear()  # the second server has loaded nothing yet
    with second.app_context():
        key = get_session().get(TrainingToolKey, kid)
        token = jwt.encode({"iss": "portal"}, tool_keys.private_key_object(key), algorithm="RS256")
        public = jwt.PyJWK(json.loads(key.public_jwk)).key
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"iss": "portal"}


# --- rotation ---------------------------------------------------------------------------------


def test_after_rotating_the_secret_key_old_sessions_and_lms_keys_still_work(make_app, tmp_path):
    old, new = _secret(), _secret()
    first = make_app(plugins=["training"], config={"SECRET_KEY": old})
    cookie = login(first.test_client(), "lead@example.org").get_cookie("session").value
    kid = _registration(first)
    rotated = _second_server(first, tmp_path, SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old])
    client = rotated.test_client()
    client.set_cookie("session", cookie)
    assert "Sign out" in client.get("/").get_data(as_text=True)
    tool_keys._loaded.clear()
    with rotated.app_context():
        assert "PRIVATE KEY" in tool_keys.private_pem(get_session().get(TrainingToolKey, kid))
        assert not tool_keys.on_current_secret(get_session().get(TrainingToolKey, kid).private_key)
    result = rotated.test_cli_runner().invoke(args=["lti", "re-encrypt-keys", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 private key(s) with the newest key" in result.output
    only_new = _second_server(first, tmp_path / "third", SECRET_KEY=new)
    with only_new.app_context():
        assert "PRIVATE KEY" in tool_keys.private_pem(get_session().get(TrainingToolKey, kid))
    again = rotated.test_cli_runner().invoke(args=["lti", "re-encrypt-keys"])
    assert "Re-encrypted 0 private key(s) with the newest key; 1 already used it." in again.output


def test_the_secret_key_fallbacks_can_come_from_the_environment(monkeypatch, tmp_path):
    old, older = _secret(), _secret()
    monkeypatch.setenv("COPROD_SECRET_KEY_FALLBACKS", f"{old}, {older}")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": SHARED_DB, "PLUGINS": []})
    assert app.config["SECRET_KEY_FALLBACKS"] == [old, older]
    monkeypatch.setenv("COPROD_SECRET_KEY_FALLBACKS", "short")
    with pytest.raises(ConfigError, match="COPROD_SECRET_KEY_FALLBACKS"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": SHARED_DB, "PLUGINS": []})


def _rotate_lived_experience_key(app):
    """Step 1 of the README: a new key first, the old one still listed."""
    old = crypto._derived_key(app.config["SECRET_KEY"])
    new = Fernet.generate_key().decode()
    app.extensions["lived_experience_fernet"] = crypto.load_keys(app, f"{new},{old}")
    return new


def _all_on(app, key):
    newest = Fernet(key.encode())
    with app.app_context():
        for c in get_session().exec(select(LivedExperienceContribution)):
            for name in ENCRYPTED_COLUMNS:
                if getattr(c, name) is not None:
                    newest.decrypt(getattr(c, name).encode())  # raises if not on the new key
    return True


def test_re_encrypting_is_resumable_after_an_interruption(make_app):
    app = make_app(plugins=["lived_experience"])
    for n in range(3):
        _contribution(app, f"contribution number {n}")
    new = _rotate_lived_experience_key(app)

    first_run = []

    def stop(so_far):
        first_run.append(so_far.rewritten)
        raise KeyboardInterrupt

    with app.app_context(), pytest.raises(KeyboardInterrupt):
        reencrypt_rows(get_session(), LivedExperienceContribution.__table__, ENCRYPTED_COLUMNS,
                       is_current=crypto.is_newest, rotate=crypto.rotate, batch_size=2, after_batch=stop)
    with app.app_context():
        rows = list(get_session().exec(select(LivedExperienceContribution)))
        encrypted = [c for c in rows if any(getattr(c, name) for name in ENCRYPTED_COLUMNS)]
        done = [c for c in encrypted if crypto.is_newest(c.narrative_token or c.topics_token)]
    assert len(done) == first_run[0] >= 1 and len(encrypted) > len(done)  # one batch kept, the rest not
    result = app.test_cli_runner().invoke(args=["lived-experience", "rotate-key", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert (f"Re-encrypted {len(encrypted) - len(done)} contribution(s) with the newest key; "
            f"{len(rows) - len(encrypted) + len(done)} already used it.") in result.output
    assert "You can now remove the old keys." in result.output
    app.extensions["lived_experience_fernet"] = crypto.load_keys(app, new)  # the old key removed
    assert _all_on(app, new)
    with app.app_context():
        assert "contribution number 2" in [service.narrative(c) for c in
                                           get_session().exec(select(LivedExperienceContribution))]


def test_re_encrypting_never_overwrites_a_contribution_changed_meanwhile(make_app):
    app = make_app(plugins=["lived_experience"])
    contribution_id = _contribution(app, "the first wording")
    _rotate_lived_experience_key(app)
    engine = app.extensions["coprod_engine"]
    edited = []

    def rotate_while_someone_edits(token):
        if not edited:  # between reading the row and writing it, its contributor saves an edit
            with Session(engine) as other:
                c = other.get(LivedExperienceContribution, contribution_id)
                c.narrative_token = crypto.encrypt("the edited wording")
                other.add(c)
                other.commit()
                edited.append(c.narrative_token)
        return crypto.rotate(token)

    # one row a batch: on SQLite a row rewritten earlier in the same batch would hold the file's
    # write lock, and the contributor's save would wait for it instead of coming in between
    with app.app_context():
        report = reencrypt_rows(get_session(), LivedExperienceContribution.__table__, ENCRYPTED_COLUMNS,
                                is_current=crypto.is_newest, batch_size=1,
                                rotate=_only_for(contribution_id, rotate_while_someone_edits, app))
    assert report.changed_meanwhile == 1 and report.rewritten >= 1
    with app.app_context():
        c = get_session().get(LivedExperienceContribution, contribution_id)
        assert c.narrative_token == edited[0] and service.narrative(c) == "the edited wording"


def _only_for(contribution_id, special, app):
    """``special`` for the one contribution's first token, ``crypto.rotate`` for every other."""
    with app.app_context():
        target = get_session().get(LivedExperienceContribution, contribution_id).narrative_token

    def rotate(token):
        return special(token) if token == target else crypto.rotate(token)
    return rotate


# --- helpers ----------------------------------------------------------------------------------


def _contribution(app, text):
    """A contribution by the demo member of staff, stored encrypted by the plugin's own service."""
    with app.app_context():
        session = get_session()
        c = LivedExperienceContribution(contributor_id=user_by_email(session, "staff@example.org").id,
                                        pseudonym="Willow Lark", visibility="lead_only",
                                        review_on=date.today() + timedelta(days=365))
        service.set_content(c, text, "first contact", None)
        session.add(c)
        session.commit()
        return c.id


def _registration(app):
    with app.app_context():
        session = get_session()
        platform = register(session, name=f"LMS {os.urandom(3).hex()}", issuer="https://lms.example.org",
                            client_id=os.urandom(4).hex(), deployment_ids="1",
                            auth_login_url="https://lms.example.org/auth",
                            token_url="https://lms.example.org/token",
                            jwks_url="https://lms.example.org/jwks", audience="", frame_origins="")
        session.commit()
        return session.exec(select(TrainingToolKey.kid).where(
            TrainingToolKey.platform_id == platform.id)).one()
