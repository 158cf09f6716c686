from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from voice import create_app
from voice.extensions import db
from voice.models import AuditEvent, LoginSession, SignInFailure

from ...helpers import CSRF_INPUT, PASSWORD, csrf_token, post_form, sign_in


def test_sign_in_page_renders_with_csrf_and_headers(client):
    response = client.get("/auth/sign-in")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_sign_in_without_csrf_token_is_refused(client, users):
    response = client.post("/auth/sign-in", data={"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_sign_in_and_out(client, users):
    response = sign_in(client, "Admin@Example.org ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Test admin" in home.get_data(as_text=True)
    response = post_form(client, "/auth/sign-out", {}, token_from="/")
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/auth/sign-in")
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.sign_in" in actions and "user.sign_out" in actions


def test_session_is_renewed_at_sign_in(client, users):
    client.get("/auth/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, "analyst@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_copied_cookie_stops_working_after_sign_out(app, users):
    browser = app.test_client()
    sign_in(browser, "analyst@example.org")
    cookie = browser.get_cookie("session", domain="voice.test").value
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="voice.test")
    assert thief.get("/").status_code == 200  # the copy works while the owner is signed in
    post_form(browser, "/auth/sign-out", {}, token_from="/")
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == users["analyst"].id)) is None
    response = thief.get("/")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_wrong_password_is_refused_and_audited(client, users):
    response = sign_in(client, "admin@example.org", "not the password")
    assert response.status_code == 200
    assert "do not match an active account" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed"))


def test_failed_sign_ins_are_throttled_per_account(client, users):
    for _ in range(5):
        assert sign_in(client, "admin@example.org", "wrong").status_code == 200
    # Even the right password is refused for the rest of the minute...
    response = sign_in(client, "admin@example.org")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    # ...but only for that account.
    assert sign_in(client, "analyst@example.org").status_code == 302


def _sign_in_from(client, address: str, email: str, password: str = PASSWORD):
    return client.post("/auth/sign-in", environ_base={"REMOTE_ADDR": address}, data={
        "email": email, "password": password, "csrf_token": csrf_token(client)})


def test_a_guesser_cannot_lock_the_owner_out(app, users):
    guesser, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert _sign_in_from(guesser, "203.0.113.7", "admin@example.org", "wrong").status_code == 200
    assert _sign_in_from(guesser, "203.0.113.7", "admin@example.org").status_code == 429
    assert _sign_in_from(owner, "198.51.100.9", "admin@example.org").status_code == 302


def test_one_address_cannot_try_many_accounts(app, users):
    app.config["SIGN_IN_FAILURES_PER_ADDRESS_PER_MINUTE"] = 3
    guesser, owner = app.test_client(), app.test_client()
    for role in ("admin", "analyst", "committee"):
        assert _sign_in_from(guesser, "203.0.113.7", f"{role}@example.org", "wrong").status_code == 200
    assert _sign_in_from(guesser, "203.0.113.7", "canvasser@example.org").status_code == 429
    assert _sign_in_from(owner, "198.51.100.9", "canvasser@example.org").status_code == 302
    assert all("203.0.113.7" not in key for key in db.session.scalars(select(SignInFailure.address_key)))


@pytest.mark.parametrize("email", ["nobody@example.org", "admin@example.org", "canvasser@example.org"])
def test_a_failed_sign_in_does_the_same_work_whether_or_not_the_account_exists(client, users, monkeypatch, email):
    users["canvasser"].active = False
    db.session.commit()
    # The stand-in hash is made at the first unknown e-mail of a process (which it only slows).
    sign_in(client, "nobody@example.org", "warm up")
    checks = []
    verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, *args: checks.append(1) or verify(self, *args))
    assert sign_in(client, email, "not the password").status_code == 200
    assert len(checks) == 1


def test_throttle_message_is_translated(client, users):
    for _ in range(5):
        sign_in(client, "admin@example.org", "wrong")
    response = client.post("/auth/sign-in?lang=he", data={
        "email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/sign-in?lang=he")})
    assert response.status_code == 429
    assert "Too many failed sign-ins" not in response.get_data(as_text=True)


def test_disabled_user_cannot_sign_in(client, users):
    users["canvasser"].active = False
    db.session.commit()
    assert sign_in(client, "canvasser@example.org").status_code == 200
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, users):
    token = csrf_token(client)
    response = client.post("/auth/sign-in?next=//evil.example/", data={
        "email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d/evil.example", "/%0a/evil.example",
                                    "/\\evil.example", "https://evil.example/", "/no/such/page",
                                    "/auth/sign-out"])
def test_next_must_be_a_page_of_this_app(client, users, target):
    response = client.post(f"/auth/sign-in?next={target}", data={
        "email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_page_of_this_app_keeps_its_query(client, users):
    response = client.post("/auth/sign-in?next=/auth/users%3Fpage%3D2", data={
        "email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/auth/users?page=2"


def _app_with(app, tmp_path, **settings):
    return create_app({key: app.config[key] for key in ("SECRET_KEY", "DATA_KEYS", "SERVER_NAME",
                                                          "SQLALCHEMY_DATABASE_URI", "ARGON2_TIME_COST",
                                                          "ARGON2_MEMORY_COST")}
                      | {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "other"), **settings})


def _sign_in_over(other, base_url: str):
    with other.app_context():
        browser = other.test_client()
        page = browser.get("/auth/sign-in", base_url=base_url)
        # Over HTTPS, Flask-WTF also checks that the form came from this site, as browsers say.
        response = browser.post("/auth/sign-in", base_url=base_url, headers={"Referer": f"{base_url}/auth/sign-in"},
                                data={
            "email": "admin@example.org", "password": PASSWORD,
            "csrf_token": CSRF_INPUT.search(page.get_data(as_text=True)).group(1)})
        db.session.remove()
        db.engine.dispose()
    return page, response


def test_https_deployment_sends_secure_cookies_and_hsts(app, users, tmp_path):
    page, response = _sign_in_over(_app_with(app, tmp_path, HTTPS=True), "https://voice.test")
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def _secure_page(other, headers: dict) -> bool:
    with other.app_context():
        page = other.test_client().get("/auth/sign-in", headers=headers)
        db.engine.dispose()
    return "Strict-Transport-Security" in page.headers


def test_https_is_recognised_behind_a_trusted_proxy_only(app, users, tmp_path):
    ended_tls = {"X-Forwarded-Proto": "https"}
    assert _secure_page(_app_with(app, tmp_path, TRUSTED_PROXIES=1), ended_tls)
    assert not _secure_page(_app_with(app, tmp_path), ended_tls)  # no proxy: the header is a client's


def test_plain_http_development_keeps_cookies_usable(app, users, tmp_path):
    page, response = _sign_in_over(_app_with(app, tmp_path), "http://voice.test")
    assert response.status_code == 302 and "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in page.headers
