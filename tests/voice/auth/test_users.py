from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from voice.extensions import db
from voice.models import AuditEvent, User

from ...helpers import post_form, sign_in


def test_passwords_are_argon2id(users):
    assert users["admin"].password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(users["admin"].password_hash, "correct horse battery staple")


def test_admin_creates_a_committee_user_who_can_sign_in(app, client, signed_in):
    signed_in("admin")
    response = post_form(client, "/auth/users/new", {
        "email": "Miriam@Example.org", "display_name": "Miriam Levi", "role": "committee",
        "locale": "he", "password": "a long enough password"})
    assert response.status_code == 302
    user = User.by_email("miriam@example.org")
    assert user.role == "committee" and user.locale == "he"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                      AuditEvent.record_id == str(user.id)))
    other = app.test_client()
    assert sign_in(other, "miriam@example.org", "a long enough password").status_code == 302
    # Her own language is used once she is signed in.
    assert 'lang="he" dir="rtl"' in other.get("/").get_data(as_text=True)


def test_create_user_refuses_duplicates_and_short_passwords(client, signed_in):
    signed_in("admin")
    page = post_form(client, "/auth/users/new", {
        "email": "analyst@example.org", "display_name": "Again", "role": "analyst", "locale": "",
        "password": "long enough pw"})
    assert page.status_code == 200 and "already exists" in page.get_data(as_text=True)
    page = post_form(client, "/auth/users/new", {
        "email": "new@example.org", "display_name": "New", "role": "analyst", "locale": "", "password": "short"})
    assert page.status_code == 200 and User.by_email("new@example.org") is None


def test_disabling_a_user_ends_their_sessions(app, client, users, signed_in):
    canvasser_browser = app.test_client()
    sign_in(canvasser_browser, "canvasser@example.org")
    assert canvasser_browser.get("/").status_code == 200
    signed_in("admin")
    user_id = users["canvasser"].id
    response = post_form(client, f"/auth/users/{user_id}", {
        "email": "canvasser@example.org", "display_name": "Test canvasser", "role": "canvasser", "locale": ""})
    assert response.status_code == 302
    assert db.session.get(User, user_id).active is False
    assert canvasser_browser.get("/").status_code == 302


def test_admin_cannot_lock_themselves_out(client, users, signed_in):
    admin = signed_in("admin")
    page = post_form(client, f"/auth/users/{admin.id}", {
        "email": "admin@example.org", "display_name": "Test admin", "role": "analyst", "locale": "", "active": "y"})
    assert page.status_code == 200
    assert db.session.get(User, admin.id).role == "admin"


def test_create_admin_command(runner):
    result = runner.invoke(args=["create-admin", "root@example.org", "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    assert User.by_email("root@example.org").role == "admin"
    again = runner.invoke(args=["create-admin", "root@example.org", "--password", "a long enough password"])
    assert again.exit_code != 0 and "already exists" in again.output
