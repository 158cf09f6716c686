"""A canvasser in Chromium on a tablet: loads the app, goes offline, completes 20 interviews
in three languages (one interrupted by a reload), comes back online, syncs; the server holds
exactly those 20 interviews once. Replaying the exported queue changes nothing."""
from __future__ import annotations

import copy
import hashlib
import re
import json
import threading
import time

import pytest
from sqlalchemy import select

from voice.accounts import create_user
from voice.canvass import queue
from voice.extensions import db
from voice.models import Response, Survey, SurveyAttachment, SurveyVersion, Turf, User, Visit

from ..helpers import PASSWORD, tiny_png
from ..voice.canvass.field import build_field
from .conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser
LANGUAGES = ["en", "he", "am"]
TABLET = {"width": 800, "height": 1280}


class Counter:
    """Counts requests that reach the app (none should while the tablet is offline)."""

    def __init__(self, app):
        self.app, self.hits, self.counting, self.lock = app, [], False, threading.Lock()

    def __call__(self, environ, start_response):
        if self.counting:
            with self.lock:
                self.hits.append(environ.get("PATH_INFO"))
        return self.app(environ, start_response)


@pytest.fixture
def canvass_field(live_app):
    with live_app.app_context():
        me = create_user(email="canvasser@example.org", password=PASSWORD, display_name="Dawit Canvasser",
                         role="canvasser")
        create_user(email="analyst@example.org", password=PASSWORD, display_name="Ana Analyst", role="analyst")
        other = create_user(email="other@example.org", password=PASSWORD, display_name="Other", role="canvasser")
        field = build_field(me, other, doors=20)
        return {"turf": field.turf.id}


def wait_until(page, predicate: str, timeout: float = 15.0) -> None:
    """Poll a function in the page (wait_for_function would need 'unsafe-eval', which the CSP refuses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, predicate
        page.wait_for_timeout(100)


def snapshot(app):
    with app.app_context():
        responses = db.session.scalars(select(Response).order_by(Response.id)).all()
        visits = db.session.scalars(select(Visit).order_by(Visit.id)).all()
        doors = {visit.id: visit.door_id for visit in visits}
        return ({doors.get(r.visit_id): (r.language, r.channel, str(r.uuid), {a.question: a.value for a in r.answers})
                 for r in responses}, len(responses), sorted((v.door_id, v.outcome) for v in visits))


def open_tablet(chromium, server):
    """The canvasser signed in on a tablet, the app loaded and its service worker in control;
    page errors are collected in the list returned."""
    context = chromium.new_context(viewport=TABLET, locale="en-US", accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/auth/sign-in")
    page.fill("input[name=email]", "canvasser@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{server.url}/canvass/")
    page.wait_for_selector("#canvass-app[data-ready=true]")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    return context, page, errors


def interview(page, number: int, language: str, *, reload_midway: bool = False) -> dict:
    door = f"n-{number}"
    kids = number % 3
    text = f"Interview {number}: the bus is late ({language})"
    page.click(f"a[data-door='{door}']")
    page.click("[data-start]")
    page.click(f"[data-language='{language}']")
    page.click("[data-consent='yes']")
    assert page.locator("#q-area").input_value() == "N1"  # the door's place, filled in
    page.check("input[name=role][value=parent]")
    page.fill("#q-kids", str(kids))
    if reload_midway:
        # Each answer is written to IndexedDB as it is given; a reload within the same few
        # milliseconds could abort that write, so wait until it has landed (as a tablet would).
        wait_until(page, f"() => CanvassStore.drafts().then(d => d.some(x => x.answers.kids === '{kids}'))")
        page.reload()
        page.wait_for_selector("#canvass-app[data-ready=true]")
        page.wait_for_selector("#q-kids")
        assert page.locator("#q-kids").input_value() == str(kids)
        assert page.locator("input[name=role][value=parent]").is_checked()
    page.click("#interview-next")
    if kids:
        page.check("input[name=needs][value=care]")
    else:
        assert page.locator(".question[data-name=needs]").is_hidden()  # skip logic
    page.fill("#q-hard", text)
    page.click("#interview-next")
    page.wait_for_selector("#interview-done")
    page.click("#canvass-app a.button")
    page.wait_for_selector(f"a[data-door='{door}'] .badge")
    expected = {"consent": "yes", "area": "N1", "role": "parent", "kids": str(kids), "hard": text}
    if kids:
        expected["needs"] = "care"
    return expected


def test_twenty_interviews_offline_then_sync(chromium, live_app, canvass_field, tmp_path):
    counter = Counter(live_app.wsgi_app)
    live_app.wsgi_app = counter
    live_app.config["CANVASS_RETRY_MS"] = 200
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        page.wait_for_selector("a[data-door='n-1']")
        screenshot(page, "canvass-doors")

        context.set_offline(True)
        counter.counting = True
        page.reload()  # the app opens from the service worker's cache
        page.wait_for_selector("#canvass-app[data-ready=true]")
        page.wait_for_selector("a[data-door='n-20']")
        expected = {}
        for number in range(1, 21):
            language = LANGUAGES[number % 3]
            expected[f"n-{number}"] = (language, interview(page, number, language, reload_midway=number == 7))
            if number == 2:
                page.click("a[data-door='n-3']")
                page.click("[data-start]")
                page.click("[data-language='he']")
                screenshot(page, "canvass-consent-he")
                page.click("[data-consent='yes']")
                page.check("input[name=role][value=parent]")
                page.fill("#q-kids", "20")
                page.click("#interview-next")
                page.wait_for_selector(".error-summary")
                screenshot(page, "canvass-interview-he-error")
                page.once("dialog", lambda dialog: dialog.accept())
                page.click("text=Cancel the interview")
                page.wait_for_selector("a[data-door='n-3']")
        page.click("a[data-door='s-1']")
        screenshot(page, "canvass-door")
        page.fill("#visit-note", "Dog in the yard")
        page.click("[data-outcome='not_home']")
        page.wait_for_selector("a[data-door='s-1'] .badge")
        page.wait_for_selector("[data-waiting][data-count='41']")
        screenshot(page, "canvass-offline-queue")
        with page.expect_download() as download:
            page.click("#canvass-export")
        queue_file = tmp_path / "queue.json"
        download.value.save_as(queue_file)
        exported = json.loads(queue_file.read_text())
        assert len(exported["records"]) == 41
        assert snapshot(live_app)[1] == 0  # nothing reached the server while offline
        offline_hits = [path for path in counter.hits if path.startswith("/canvass/api/") and path != "/canvass/api/bundle"]
        assert offline_hits == [], offline_hits

        counter.counting = False
        context.set_offline(False)
        page.wait_for_selector("[data-waiting][data-count='0']", timeout=60000)
        screenshot(page, "canvass-synced")
        stored, count, visits = snapshot(live_app)
        assert count == 20
        assert {door: (language, answers) for door, (language, channel, _, answers) in stored.items()} == expected
        assert all(channel == "canvass" for _, channel, _, _ in stored.values())
        assert len(visits) == 21 and ("s-1", "not_home") in visits
        assert errors == []
        context.close()

        supervisor = chromium.new_context(viewport=TABLET, locale="en-US")
        page = supervisor.new_page()
        page.goto(f"{server.url}/auth/sign-in")
        page.fill("input[name=email]", "analyst@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{server.url}/canvass/coverage?campaign=doors")
        assert page.locator("tr[data-place='S1'].is-under-heard").count() >= 1  # South: no interviews yet
        assert page.locator("tr[data-canvasser='canvasser@example.org'] [data-col=interviews]").inner_text() == "20"
        screenshot(page, "canvass-coverage")
        supervisor.close()

    with live_app.app_context():
        result = queue.import_queue(queue_file.read_bytes(), actor=None)
        assert (result.problems, result.conflicts, result.created, result.replayed) == ([], [], 0, 41)
    assert snapshot(live_app) == (stored, count, visits)


def test_come_back_time_refused_record_and_a_sign_out_that_loses_nothing(chromium, live_app, canvass_field):
    live_app.config["CANVASS_RETRY_MS"] = 200
    with live_app.app_context():  # the campaign's zone, not the tablet's clock (UTC here)
        db.session.get(Turf, canvass_field["turf"]).campaign.time_zone = "America/New_York"
        db.session.commit()
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)

        # "Come back later" with a time, typed in the campaign's zone: the door list says when.
        page.click("a[data-door='n-2']")
        assert "America/New_York" in page.inner_text("label[for=come-back-at]")
        page.fill("#come-back-at", "2026-11-24T17:30")
        page.click("[data-outcome='come_back']")
        come_back = page.wait_for_selector("a[data-door='n-2'] [data-come-back]")
        assert come_back.inner_text().startswith("Come back:") and "05:30 PM EST" in come_back.inner_text()
        wait_until(page, "() => CanvassStore.queue().then(q => q.length === 0)", timeout=30)
        with live_app.app_context():
            stored = db.session.scalar(select(Visit.come_back_at).where(Visit.door_id == "n-2"))
            assert (stored.hour, stored.minute) == (22, 30)  # 17:30 in New York, stored in UTC

        # Offline, a visit is recorded; meanwhile the turf is given to another canvasser, so
        # the server refuses the visit when it arrives: the tablet keeps it and lists it.
        context.set_offline(True)
        page.click("a[data-door='n-3']")
        page.click("[data-outcome='moved']")
        page.wait_for_selector("a[data-door='n-3'] .badge")
        with live_app.app_context():
            turf = db.session.get(Turf, canvass_field["turf"])
            turf.canvasser_id = db.session.scalar(select(User.id).where(User.email == "other@example.org"))
            db.session.commit()
        context.set_offline(False)
        refused = page.wait_for_selector("[data-refused-list] li", timeout=30000)
        assert "Visit" in refused.inner_text() and "not assigned to you" in refused.inner_text()
        screenshot(page, "canvass-refused-record")

        # Signing out wipes the tablet, so it is held while the record is in no exported file.
        page.click("form.sign-out button")
        held = page.wait_for_selector("[data-sign-out-held]:not([hidden])")
        assert "Records not sent: 1" in held.inner_text()
        assert "/canvass/" in page.url and "sign-in" not in page.url  # still here, nothing wiped
        screenshot(page, "canvass-sign-out-held")
        with page.expect_download():
            page.click("#canvass-export")
        wait_until(page, "() => CanvassStore.queue().then(q => q.length === 1 && !!q[0].exported_at)")
        page.click("form.sign-out button")
        page.wait_for_url("**/auth/sign-in")
        assert_cleared(page)
        assert errors == []
        context.close()


def tablet_holds(page) -> dict:
    """What the canvass database holds, per store (read on any page of the site)."""
    return page.evaluate("""() => new Promise(done => {
        const request = indexedDB.open('community-voice-canvass');
        request.onsuccess = () => {
            const tx = request.result.transaction(['kv', 'drafts', 'queue']), held = {};
            ['kv', 'drafts', 'queue'].forEach(name => {
                tx.objectStore(name).count().onsuccess = e => { held[name] = e.target.result; };
            });
            tx.oncomplete = () => { request.result.close(); done(held); };
        };
    })""")


def assert_cleared(page) -> None:
    note = page.wait_for_selector("#tablet-settled[data-state=cleared]")
    assert "This tablet was cleared" in note.inner_text()
    assert tablet_holds(page) == {"kv": 0, "drafts": 0, "queue": 0}
    assert not [key for key in page.evaluate("() => caches.keys()") if key.startswith("canvass-")]


def start_interview(page, door: str) -> None:
    page.click(f"a[data-door='{door}']")
    page.click("[data-start]")
    page.click("[data-language='en']")
    page.click("[data-consent='yes']")


def sign_in(page, server, email: str = "canvasser@example.org") -> None:
    page.goto(f"{server.url}/auth/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{server.url}/canvass/")
    page.wait_for_selector("#canvass-app[data-ready=true]")


def test_every_answer_shown_as_saved_survives_a_killed_page(chromium, live_app, canvass_field):
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        start_interview(page, "n-5")
        page.check("input[name=role][value=parent]")
        page.wait_for_selector("[data-save-state=saved]")
        assert page.locator("[data-save-state]").inner_text() == "Saved on this tablet"
        page.fill("#q-kids", "2")
        page.click("#interview-next")
        page.type("#q-hard", "No bus after six")
        page.wait_for_selector("[data-save-state=saved]")
        shown = page.locator("#q-hard").input_value()
        page.close(run_before_unload=False)  # killed: no unload, no last chance to write

        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}/canvass/")
        page.wait_for_selector("#canvass-app[data-ready=true]")
        page.click(".canvass-drafts a.door-link")
        page.wait_for_selector("#q-hard")
        assert page.locator("#q-hard").input_value() == shown == "No bus after six"
        page.click("#interview-back")
        assert page.locator("#q-kids").input_value() == "2"
        assert page.locator("input[name=role][value=parent]").is_checked()
        assert errors == []
        context.close()


def test_a_sign_out_from_any_page_keeps_or_clears_the_tablet_by_the_same_rule(chromium, live_app, canvass_field):
    live_app.config["CANVASS_RETRY_MS"] = 200
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        start_interview(page, "n-6")
        page.fill("#q-kids", "1")
        page.wait_for_selector("[data-save-state=saved]")
        page.goto(f"{server.url}/")  # the site's sign-out, not the app's
        page.click("form.sign-out button")
        page.wait_for_url("**/auth/sign-in")
        kept = page.wait_for_selector("#tablet-settled[data-state=kept]")
        assert "unfinished interviews: 1" in kept.inner_text()
        assert tablet_holds(page)["drafts"] == 1  # the interview is still there
        screenshot(page, "canvass-signed-out-kept")

        sign_in(page, server)
        page.click(".canvass-drafts a.door-link")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("text=Cancel the interview")
        page.click("a[data-door='n-7']")
        page.click("[data-outcome='not_home']")
        page.wait_for_selector("a[data-door='n-7'] .badge")  # queued
        wait_until(page, "() => CanvassStore.queue().then(q => q.length === 0)", timeout=30)  # sent: nothing to lose
        page.goto(f"{server.url}/")
        page.click("form.sign-out button")
        page.wait_for_url("**/auth/sign-in")
        assert_cleared(page)
        screenshot(page, "canvass-signed-out-cleared")
        assert errors == []
        context.close()


def test_a_tablet_passed_on_shows_nothing_of_the_first_canvasser(chromium, live_app, canvass_field):
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        page.click("a[data-door='n-4']")
        page.click("[data-start]")
        page.click("[data-language='en']")
        page.click("[data-consent='yes']")
        page.fill("#q-kids", "2")
        wait_until(page, "() => CanvassStore.drafts().then(d => d.length === 1 && d[0].answers.kids === '2')")
        page.goto(f"{server.url}/")  # signs out from another page: the canvass app cannot hold it
        page.click("form.sign-out button")
        page.wait_for_url("**/auth/sign-in")

        with live_app.app_context():  # the turf goes to the next canvasser
            turf = db.session.get(Turf, canvass_field["turf"])
            turf.canvasser_id = db.session.scalar(select(User.id).where(User.email == "other@example.org"))
            db.session.commit()
        page.fill("input[name=email]", "other@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{server.url}/canvass/")
        page.wait_for_selector("a[data-door='n-4']")
        assert page.locator(".canvass-drafts").count() == 0  # the first canvasser's interview is not shown
        page.click("form.sign-out button")  # nothing of theirs to lose; the first one's draft is kept
        page.wait_for_url("**/auth/sign-in")
        page.fill("input[name=email]", "canvasser@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{server.url}/canvass/")
        page.wait_for_selector("#canvass-app[data-ready=true]")
        assert page.locator(".canvass-drafts a.door-link").count() == 1  # back with the one who started it
        assert errors == []
        context.close()


def test_choices_follow_the_answers_as_the_server_filters_them(chromium, live_app, canvass_field):
    with live_app.app_context():  # v2: "needs" offers transport only to families with more than 3 children
        survey = db.session.scalar(select(Survey))
        definition = copy.deepcopy(survey.current_version.definition)
        definition["items"][2]["children"][0]["choice_filter"] = "size = 'any' or ${kids} > 3"
        for choice, size in zip(definition["choice_lists"]["needs"], ("any", "big")):
            choice["attributes"] = {"size": size}
        db.session.add(SurveyVersion(survey=survey, number=2, definition=definition))
        db.session.commit()
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        for kids, transport_offered in (("1", False), ("5", True)):
            page.click("a[data-door='n-1']")
            page.click("[data-start]")
            page.click("[data-language='en']")
            page.click("[data-consent='yes']")
            page.check("input[name=role][value=parent]")
            page.fill("#q-kids", kids)
            page.click("#interview-next")
            page.wait_for_selector("input[name=needs][value=care]")
            assert page.locator("input[name=needs][value=transport]").is_visible() == transport_offered
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("text=Cancel the interview")
            page.wait_for_selector("a[data-door='n-1']")
        assert errors == []
        context.close()


def test_a_label_image_shows_offline_and_a_rank_is_ordered_on_the_tablet(chromium, live_app, canvass_field):
    image = tiny_png()
    sha256 = hashlib.sha256(image).hexdigest()
    with live_app.app_context():  # v2: a picture beside "How many children?", and "needs" to put in order
        survey = db.session.scalar(select(Survey))
        db.session.add(SurveyAttachment(survey_id=survey.id, name="kids.png", content_type="image/png",
                                        sha256=sha256, content=image))
        definition = copy.deepcopy(survey.current_version.definition)
        definition["attachments"] = {"kids.png": sha256}
        definition["items"][1]["children"][2]["media"] = {"image": dict.fromkeys(LANGUAGES, "kids.png")}
        definition["items"][2]["children"][0]["type"] = "rank"
        db.session.add(SurveyVersion(survey=survey, number=2, definition=definition))
        db.session.commit()
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        page.wait_for_selector("#canvass-app[data-media=kept]")
        # The browser's own HTTP cache would hold the picture for a while too; clear it, so that only
        # the app's offline cache can show it (a tablet's HTTP cache is evicted under pressure).
        context.new_cdp_session(page).send("Network.clearBrowserCache")
        context.set_offline(True)
        page.reload()  # the app, the bundle and the picture all come from the tablet's caches
        page.wait_for_selector("#canvass-app[data-ready=true]")
        page.click("a[data-door='n-1']")
        page.click("[data-start]")
        page.click("[data-language='en']")
        page.click("[data-consent='yes']")
        picture = page.locator(".question[data-name=kids] img")
        assert picture.get_attribute("alt") == "How many children?"
        wait_until(page, "() => document.querySelector('.question[data-name=kids] img').complete")
        assert picture.evaluate("img => img.naturalWidth") == 1  # drawn from the cache, no network
        screenshot(page, "canvass-offline-label-image")
        page.check("input[name=role][value=parent]")
        page.fill("#q-kids", "2")
        page.click("#interview-next")
        page.select_option("select[name='needs:care']", "1")
        page.select_option("select[name='needs:transport']", "1")
        page.fill("#q-hard", "The bus")
        page.click("#interview-next")
        page.wait_for_selector(".error-summary")
        assert "Give every option its own place" in page.locator(".question[data-name=needs] .error").inner_text()
        page.select_option("select[name='needs:care']", "2")
        page.click("#interview-next")
        page.wait_for_selector("#interview-done")
        context.set_offline(False)
        page.wait_for_selector("[data-waiting][data-count='0']", timeout=60000)
        stored, count, _visits = snapshot(live_app)
        assert count == 1 and stored["n-1"][3]["needs"] == "transport care"
        assert errors == []
        context.close()


def test_a_trigger_and_a_pulled_value_work_offline_on_the_tablet(chromium, live_app, canvass_field):
    """v2 asks to acknowledge the rules (a trigger: one OK box) and works out a fee from the
    survey's own table (pulldata): the tablet shows the question the fee calls for while
    offline, and the interview syncs with OK and the fee stored."""
    with live_app.app_context():
        survey = db.session.scalar(select(Survey))
        definition = copy.deepcopy(survey.current_version.definition)
        definition["items"][2]["children"] += [
            {"kind": "question", "name": "fee", "type": "calculate", "label": {},
             "calculation": "pulldata('fees', 'fee', 'role', ${role})"},
            {"kind": "question", "name": "why_fee", "type": "text", "relevant": "${fee} > 2",
             "label": {"en": "Why pay?", "he": "למה לשלם?", "am": "ለምን ይከፍላሉ?"}},
            {"kind": "question", "name": "rules", "type": "trigger", "required": True,
             "label": {"en": "I read the rules", "he": "קראתי את הכללים", "am": "ደንቦቹን አንብቤያለሁ"}}]
        definition["data_files"] = {"fees.csv": [{"role": "parent", "fee": "5"}, {"role": "youth", "fee": "1"}]}
        db.session.add(SurveyVersion(survey=survey, number=2, definition=definition))
        db.session.commit()
    live_app.config["CANVASS_RETRY_MS"] = 200
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        page.wait_for_selector("a[data-door='n-1']")
        context.set_offline(True)
        page.click("a[data-door='n-1']")
        page.click("[data-start]")
        page.click("[data-language='en']")
        page.click("[data-consent='yes']")
        page.check("input[name=role][value=parent]")
        page.fill("#q-kids", "0")
        page.click("#interview-next")
        page.wait_for_selector("#q-rules")
        assert page.locator(".question[data-name=why_fee]").is_visible()  # the fee of a parent is 5
        assert page.locator("label:has(#q-rules)").inner_text().strip() == "OK"
        page.fill("#q-why_fee", "The bus")
        page.click("#interview-next")
        page.wait_for_selector(".error-summary")  # the rules must be acknowledged
        page.check("#q-rules")
        page.click("#interview-next")
        page.wait_for_selector("#interview-done")
        context.set_offline(False)
        page.click("#canvass-app a.button")
        page.wait_for_selector("[data-waiting][data-count='0']", timeout=60000)
        stored, count, _visits = snapshot(live_app)
        assert count == 1
        assert stored["n-1"][3] == {"consent": "yes", "area": "N1", "role": "parent", "kids": "0", "fee": "5",
                                    "why_fee": "The bus", "rules": "OK"}
        assert errors == []
ENGLISH_DATE_WORDS = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
                                r"|AM|PM)\b")


@pytest.mark.parametrize("language, script", [("am", "[\u1200-\u137f]"), ("he", "[\u0590-\u05ff]")])
def test_last_synced_is_written_in_the_interface_language(chromium, live_app, canvass_field, language, script):
    """An English-speaking browser, the interface chosen in Amharic or Hebrew: the date follows the interface."""
    with LiveServer(live_app) as server:
        context, page, errors = open_tablet(chromium, server)
        page.goto(f"{server.url}/canvass/?lang={language}")
        page.wait_for_selector("#canvass-app[data-ready=true]")
        assert page.evaluate("document.documentElement.lang") == language
        template = page.evaluate("JSON.parse(document.getElementById('canvass-strings').textContent).last_sync")
        before, after = template.split("{when}")
        never = page.locator("[data-last-sync]").inner_text()
        page.evaluate("CanvassStore.set('lastSync', '2026-03-05T17:30:00Z')")  # as a sync leaves it
        page.reload()
        wait_until(page, f"() => document.querySelector('[data-last-sync]').textContent !== {json.dumps(never)}")
        when = page.locator("[data-last-sync]").inner_text().removeprefix(before).removesuffix(after)
        assert re.search(script, when) and not ENGLISH_DATE_WORDS.search(when), when
        # The count of records waiting is a number written the interface's way, too.
        waiting = page.evaluate("new Intl.NumberFormat(document.documentElement.lang).format(0)")
        assert waiting in page.locator("[data-waiting]").inner_text()
        assert not errors
        context.close()
