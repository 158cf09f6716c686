"""The hand-made canvass field and a canvasser's signed-in API client."""
from __future__ import annotations

import pytest

from voice.accounts import create_user

from ...helpers import PASSWORD, sign_in
from .field import build_field


@pytest.fixture
def canvasser2(users):
    return create_user(email="canvasser2@example.org", password=PASSWORD, display_name="Second canvasser",
                       role="canvasser")


@pytest.fixture
def field(users, canvasser2):
    return build_field(users["canvasser"], canvasser2)


class Api:
    """POST JSON like the tablet: session cookie plus the CSRF token in a header."""

    def __init__(self, client):
        self.client = client
        self._token = None

    @property
    def token(self) -> str:
        if self._token is None:
            answer = self.client.get("/canvass/api/session")
            assert answer.status_code == 200, answer.status_code
            self._token = answer.get_json()["csrf_token"]
        return self._token

    def post(self, kind: str, payload, **kwargs):
        return self.client.post(f"/canvass/api/{kind}", json=payload, headers={"X-CSRFToken": self.token}, **kwargs)


@pytest.fixture
def api(client, field):
    assert sign_in(client, "canvasser@example.org").status_code == 302
    return Api(client)
