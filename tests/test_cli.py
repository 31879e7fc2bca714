"""Command-line administration: create-user and seed-demo."""

from sqlmodel import Session

from coprod_portal import accounts


def test_create_user_with_roles_and_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Kim@example.org", "--role", "staff", "--role",
                                 "coproduction_lead", "--password-stdin", "--name", "Kim Lee"],
                           input="a good long passphrase\n")
    assert result.exit_code == 0, result.output
    with Session(app.extensions["coprod_engine"]) as session:
        kim = accounts.user_by_email(session, "kim@example.org")
        assert kim.display_name == "Kim Lee"
        assert kim.role_names == {"staff", "coproduction_lead"}
        assert accounts.check_password(kim, "a good long passphrase")


def test_create_user_refuses_unknown_roles_weak_passwords_and_duplicates(app):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["create-user", "a@example.org", "--role", "wizard"])
    assert unknown.exit_code == 1 and "Unknown role wizard" in unknown.output
    weak = runner.invoke(args=["create-user", "a@example.org", "--role", "staff", "--password-stdin"],
                         input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    duplicate = runner.invoke(args=["create-user", "staff@example.org", "--role", "staff"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "0 new users" in second.output and "demo-password-2026" in second.output
    assert "staff@example.org" in second.output and "Co-production lead, Staff" in second.output
