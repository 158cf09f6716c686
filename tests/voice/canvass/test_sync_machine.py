"""A Hypothesis state machine of the tablet's queue against the real sync API.

The tablet finishes records, sends them, loses the server's answer (the record stays
queued), sends again, and drops a record only after a 200/201. Whatever the interleaving,
the server ends with exactly the finished records, each once, with the content sent.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select

from voice.extensions import db
from voice.models import Answer, Response, Visit, VoiceItem
from voice.text import clean_text

from ...helpers import sign_in
from .conftest import Api
from .field import response_payload, visit_payload

DOORS = ["n-1", "n-2", "n-3", "s-1"]


@pytest.fixture
def machine_env(app, field):
    return app, field


def test_queue_send_drop_resend(machine_env):
    app, field = machine_env

    class Tablet(RuleBasedStateMachine):
        @initialize()
        def start(self):
            db.session.execute(db.delete(VoiceItem))
            db.session.execute(Answer.__table__.delete())
            db.session.execute(db.delete(Response))
            db.session.execute(db.delete(Visit))
            db.session.commit()
            client = app.test_client()
            assert sign_in(client, "canvasser@example.org").status_code == 302
            self.api = Api(client)
            self.queue: dict[str, tuple[str, dict]] = {}
            self.finished: dict[str, tuple[str, dict]] = {}

        @rule(door=st.sampled_from(DOORS), language=st.sampled_from(["en", "he", "am"]),
              text=st.text(min_size=1, max_size=20).filter(str.strip))
        def finish_interview(self, door, language, text):
            payload = response_payload(field, door=door, language=language, hard=text.strip())
            self.queue[payload["uuid"]] = self.finished[payload["uuid"]] = ("responses", payload)

        @rule(door=st.sampled_from(DOORS), outcome=st.sampled_from(["not_home", "refused", "moved", "unsafe"]))
        def record_visit(self, door, outcome):
            payload = visit_payload(field, door=door, outcome=outcome)
            self.queue[payload["uuid"]] = self.finished[payload["uuid"]] = ("visits", payload)

        def _oldest(self):
            return next(iter(self.queue))

        @precondition(lambda self: self.queue)
        @rule()
        def send(self):
            key = self._oldest()
            kind, payload = self.queue[key]
            answer = self.api.post(kind, payload)
            assert answer.status_code in (200, 201), answer.get_json()
            del self.queue[key]  # dropped only after the server's answer

        @precondition(lambda self: self.queue)
        @rule()
        def send_and_lose_the_reply(self):
            kind, payload = self.queue[self._oldest()]
            assert self.api.post(kind, payload).status_code in (200, 201)
            # The reply never reached the tablet: the record stays queued and is sent again later.

        @precondition(lambda self: self.finished)
        @rule(data=st.data())
        def replay_something_already_sent(self, data):
            key = data.draw(st.sampled_from(sorted(self.finished)))
            if key in self.queue:
                return
            kind, payload = self.finished[key]
            assert self.api.post(kind, payload).status_code == 200

        @rule()
        def flush(self):
            while self.queue:
                self.send()

        @invariant()
        def nothing_stored_twice(self):
            if not hasattr(self, "api"):
                return
            stored = [str(key) for key in db.session.scalars(select(Response.uuid))]
            stored += [str(key) for key in db.session.scalars(select(Visit.uuid))]
            assert len(stored) == len(set(stored))
            assert set(stored) <= set(self.finished)

        def teardown(self):
            if not hasattr(self, "api"):
                return
            self.flush()
            responses = {str(r.uuid): r for r in db.session.scalars(select(Response))}
            visits = {str(v.uuid): v for v in db.session.scalars(select(Visit))}
            expected_responses = {k for k, (kind, _) in self.finished.items() if kind == "responses"}
            expected_visits = {k for k, (kind, _) in self.finished.items() if kind == "visits"}
            assert set(responses) == expected_responses and set(visits) == expected_visits
            for key, response in responses.items():
                sent = self.finished[key][1]
                # Stored as sent, less control characters; an answer of nothing else is no answer.
                expected = clean_text(sent["answers"]["hard"])
                stored = {a.question: a.value for a in response.answers}.get("hard", "")
                assert stored == (expected if expected.strip() else "")
                assert response.language == sent["language"]
            for key, visit in visits.items():
                assert (visit.door_id, visit.outcome) == (self.finished[key][1]["door"], self.finished[key][1]["outcome"])

    Tablet.TestCase.settings = settings(max_examples=25, stateful_step_count=15, deadline=None,
                                        suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
    Tablet.TestCase().runTest()
