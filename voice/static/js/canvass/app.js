/*
 * The canvasser's tablet app: doors, visit outcomes and interviews, all offline.
 *
 * The interview reads the same frozen survey definition as the resident's online survey,
 * split into the same pages by the server (voice/intake/definition.py: pages). Each question
 * arrives in the bundle drawn by the server, per language, with the macro the online survey
 * uses (templates/macros/question.html); this app only fills in answers, filters choices,
 * hides what is not relevant and shows problems, deciding relevance, choices, required
 * answers and constraints with flow.js, the page flow of voice/intake/flow.py, which checks
 * the interview again when it arrives.
 * Every answer is saved to IndexedDB as it is given (store.js).
 */
(function () {
  'use strict';
  var root = document.getElementById('canvass-app');
  if (!root || !window.CanvassStore || !window.VoiceFlow) { return; }
  var Store = window.CanvassStore;
  var Sync = window.CanvassSync;
  var Flow = window.VoiceFlow;
  var label = Flow.label;
  var empty = Flow.empty;
  var questionIndex = Flow.questions;
  var T = JSON.parse(document.getElementById('canvass-strings').textContent);
  var urls = root.dataset;
  var bundle = null;
  var outcomes = {};
  var OUTCOMES = ['not_home', 'refused', 'come_back', 'moved', 'unsafe'];
  var MEDIA_CACHE = 'voice-media';  // as sw.js: not 'canvass-…', which a new app version clears

  /* Dates and numbers as the page's language writes them (Intl): the interface's, or an
     interview's own language on its screens. */
  var LOCALE = document.documentElement.lang || undefined;
  var numberFormats = {};

  function number(value, language) {
    var locale = language || LOCALE;
    if (!numberFormats[locale]) {
      try { numberFormats[locale] = new Intl.NumberFormat(locale); } catch (e) { numberFormats[locale] = new Intl.NumberFormat(); }
    }
    return numberFormats[locale].format(value);
  }

  /* A template's {placeholders} filled in; numbers written in ``language`` (else the interface's). */
  function fmt(template, values, language) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      if (!(key in values)) { return all; }
      return typeof values[key] === 'number' ? number(values[key], language) : values[key];
    });
  }

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === 'text') { node.textContent = value; } else if (key.slice(0, 2) === 'on') {
        node.addEventListener(key.slice(2), value);
      } else if (value === true) { node.setAttribute(key, ''); } else { node.setAttribute(key, value); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* --- Data ------------------------------------------------------------------------------ */

  function loadBundle() {
    return fetch(urls.bundleUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        var type = response.headers.get('Content-Type') || '';
        if (!response.ok || type.indexOf('application/json') !== 0) { throw new Error('bundle'); }
        return response.json();
      })
      .then(function (fresh) {
        keepMedia(fresh);
        return Store.set('bundle', fresh).then(function () { return fresh; });
      })
      ['catch'](function () { return Store.get('bundle'); });
  }

  /* The surveys' images, sounds and videos, kept for a day without signal: sw.js answers
     their addresses from this cache (an address names its content, so a kept file never goes
     stale). The root says data-media="kept" once every file is in. */
  function keepMedia(fresh) {
    if (!window.caches) { return; }
    var wanted = [];
    fresh.surveys.forEach(function (s) { wanted = wanted.concat(s.media || []); });
    caches.open(MEDIA_CACHE).then(function (cache) {
      return Promise.all(wanted.map(function (url) {
        return cache.match(url).then(function (kept) { return kept || cache.add(url); });
      }));
    }).then(function () { root.setAttribute('data-media', 'kept'); }, function () { root.setAttribute('data-media', 'failed'); });
  }

  function turf(id) { return bundle.turfs.filter(function (t) { return t.id === id; })[0]; }
  function door(t, id) { return t && t.doors.filter(function (d) { return d.id === id; })[0]; }
  function survey(slug) { return bundle.surveys.filter(function (s) { return s.slug === slug; })[0]; }
  function surveysFor(t) { return bundle.surveys.filter(function (s) { return s.campaign_id === t.campaign_id; }); }

  /* The tablet asks a survey's own consent question on the consent screen, not on a page. */
  function apart(s) { return s.consent_question ? [s.consent_question] : []; }

  function shownOnPage(s, index, draft) { return Flow.shown(s, index, draft.answers, apart(s)); }

  function pageHasQuestions(s, index, draft) { return shownOnPage(s, index, draft).length > 0; }

  function nextPage(s, index, draft, step) { return Flow.nextPage(s, index, draft.answers, step, apart(s)); }

  /* --- Status bar ------------------------------------------------------------------------- */

  var status = document.getElementById('canvass-status');

  function renderStatus() {
    return Promise.all([Store.queue(), Store.get('lastSync')]).then(function (result) {
      var records = result[0].filter(mine);
      var waiting = records.filter(function (r) { return r.state === 'waiting'; }).length;
      var conflicts = records.length - waiting;
      var lastSync = result[1];
      var when = lastSync ? whenText(lastSync, bundle && bundle.turfs.length ? bundle.turfs[0].time_zone : null) : T.never;
      status.querySelector('[data-waiting]').textContent = fmt(T.waiting, { count: waiting });
      status.querySelector('[data-waiting]').setAttribute('data-count', waiting);
      status.querySelector('[data-last-sync]').textContent = fmt(T.last_sync, { when: when });
      var line = status.querySelector('[data-network]');
      var state = Sync.state;
      var text = navigator.onLine ? T.online : T.offline;
      if (state.sending) { text = T.syncing; }
      if (state.signedOut) { text = T.signed_out; }
      if (state.retryIn && navigator.onLine) { text = fmt(T.sync_failed, { seconds: state.retryIn }); }
      line.textContent = text;
      status.classList.toggle('is-offline', !navigator.onLine);
      var refused = status.querySelector('[data-conflicts]');
      refused.hidden = conflicts === 0;
      refused.textContent = fmt(T.conflicts, { count: conflicts });
      var list = status.querySelector('[data-refused-list]');
      list.textContent = '';
      list.hidden = conflicts === 0;
      records.filter(function (r) { return r.state !== 'waiting'; }).forEach(function (r) {
        list.appendChild(h('li', { 'data-refused': r.uuid }, [
          h('strong', { text: T['kind_' + r.kind] || r.kind }), ' · ', recordPlace(r), ' · ',
          h('span', { dir: 'auto', text: r.error || '' }), ' ', h('code', { 'class': 'muted', text: r.uuid.slice(0, 8) })]));
      });
    });
  }

  function recordPlace(record) {
    var t = bundle && turf(record.payload.turf);
    var d = door(t, record.payload.door);
    return d ? d.address : String(record.payload.door || '');
  }

  /* Every sign-out ends on the sign-in page, which clears this tablet or keeps it
     (signed_out.js). Here, in the app, the canvasser is first stopped while anything of theirs
     is held, so that they can send or export it: a record neither sent nor in an exported
     file, or an unfinished interview. */
  function guardSignOut(form) {
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-checked') === 'true') { return; }
      event.preventDefault();
      Promise.all([Store.queue(), Store.drafts()]).then(function (held) {
        var ownRecords = held[0].filter(function (r) { return !r.exported_at; }).filter(mine);
        var ownDrafts = held[1].filter(mine);
        if (ownRecords.length || ownDrafts.length) {
          var message = status.querySelector('[data-sign-out-held]');
          message.textContent = fmt(T.sign_out_held, { count: ownRecords.length, drafts: ownDrafts.length });
          message.hidden = false;
          message.focus();
          return;
        }
        form.setAttribute('data-checked', 'true');
        form.submit();
      });
    });
  }

  /* --- Views ------------------------------------------------------------------------------ */

  function show(children) {
    root.textContent = '';
    children.forEach(function (child) { if (child) { root.appendChild(child); } });
    var heading = root.querySelector('h1, h2');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }

  function outcomeName(outcome) { return T['outcome_' + outcome] || outcome; }

  /* A tablet passed on without signing out here may hold another canvasser's interviews and
     records: they stay stored (records are exported with the queue) but are not shown here. */
  function mine(kept) { return !bundle || !kept.canvasser || kept.canvasser === bundle.canvasser.id; }

  /* The last visit at a door: recorded on this tablet, else the server's (in the bundle). */
  function lastVisit(t, d) {
    var local = outcomes[t.id + '/' + d.id];
    if (typeof local === 'string') { return { outcome: local, come_back_at: null }; }  // kept by an older version
    if (local) { return local; }
    return d.last_outcome ? { outcome: d.last_outcome, come_back_at: d.come_back_at || null } : null;
  }

  /* Times are read and typed in the campaign's time zone (the turf's), whatever the tablet's clock says. */
  function whenText(iso, zone) {
    try {
      return new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit',
        minute: '2-digit', timeZone: zone || 'UTC', timeZoneName: 'short' }).format(new Date(iso));
    } catch (e) { return iso; }
  }

  /* The zone's wall clock at a moment, read as if it were UTC (milliseconds). */
  function wallClock(ms, zone) {
    var parts = {};
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric',
      day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms))
      .forEach(function (part) { parts[part.type] = parseInt(part.value, 10); });
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  }

  /* A datetime-local value ("2026-03-27T19:00") typed in the zone, as the UTC moment (ISO). */
  function zonedIso(value, zone) {
    var n = value.split(/[-T:]/).map(function (x) { return parseInt(x, 10); });
    var wall = Date.UTC(n[0], n[1] - 1, n[2], n[3], n[4], n[5] || 0);
    var guess = wall - (wallClock(wall, zone) - wall);
    return new Date(wall - (wallClock(guess, zone) - guess)).toISOString();  // twice: the offset may change
  }

  function doorsView() {
    if (!bundle) { return show([h('p', { 'class': 'empty', text: T.no_bundle })]); }
    return Store.drafts().then(function (all) {
      var drafts = all.filter(mine);
      var parts = [];
      if (drafts.length) {
        parts.push(h('section', { 'class': 'panel canvass-drafts' }, [
          h('h2', { text: T.in_progress }),
          h('ul', { 'class': 'door-list' }, drafts.map(function (d) {
            var t = turf(d.turf); var dr = door(t, d.door);
            return h('li', {}, [h('a', { 'class': 'door-link', href: '#interview/' + d.uuid },
              [h('span', { 'class': 'door-address', text: dr ? dr.address : d.door }),
                h('span', { 'class': 'badge', text: T.resume_interview })])]);
          }))]));
      }
      if (!bundle.turfs.length) { parts.push(h('p', { 'class': 'empty', text: T.no_turf })); }
      bundle.turfs.forEach(function (t) {
        parts.push(h('section', { 'class': 'turf' }, [
          h('h2', { text: t.name }),
          h('p', { 'class': 'muted', text: [t.campaign, t.geography, fmt(T.doors, { count: t.doors.length })].filter(Boolean).join(' · ') }),
          h('ul', { 'class': 'door-list' }, t.doors.map(function (d) {
            var last = lastVisit(t, d);
            return h('li', {}, [h('a', { 'class': 'door-link', href: '#door/' + t.id + '/' + encodeURIComponent(d.id), 'data-door': d.id }, [
              h('span', { 'class': 'door-address', text: d.address }),
              d.block ? h('span', { 'class': 'muted', text: d.block }) : null,
              last ? h('span', { 'class': 'badge outcome-' + last.outcome, text: outcomeName(last.outcome) }) : null,
              last && last.come_back_at ? h('span', { 'class': 'come-back', 'data-come-back': last.come_back_at,
                text: fmt(T.come_back_when, { when: whenText(last.come_back_at, t.time_zone) }) }) : null
            ])]);
          }))
        ]));
      });
      show(parts);
    });
  }

  function doorView(turfId, doorId) {
    var t = turf(turfId); var d = door(t, doorId);
    if (!d) { location.hash = ''; return; }
    var note = h('textarea', { id: 'visit-note', rows: '2', dir: 'auto', maxlength: '2000' });
    var when = h('input', { type: 'datetime-local', id: 'come-back-at' });
    var message = h('p', { 'class': 'error', role: 'alert', hidden: true });
    function record(outcome) {
      if (outcome === 'come_back' && !when.value) { message.textContent = T.come_back_needed; message.hidden = false; when.focus(); return; }
      var payload = { uuid: Store.uuid4(), turf: t.id, door: d.id, outcome: outcome, note: note.value.trim(),
        come_back_at: outcome === 'come_back' ? zonedIso(when.value, t.time_zone || 'UTC') : null,
        recorded_at: new Date().toISOString() };
      Store.enqueue([{ uuid: payload.uuid, kind: 'visit', canvasser: bundle.canvasser.id, payload: payload }]).then(function () {
        outcomes[t.id + '/' + d.id] = { outcome: outcome, come_back_at: payload.come_back_at };
        return Store.set('outcomes', outcomes);
      }).then(function () { location.hash = ''; });
    }
    var interviews = surveysFor(t).map(function (s) {
      return h('button', { type: 'button', 'class': 'button primary big', 'data-start': s.slug, onclick: function () { startInterview(t, d, s); } },
        [T.start_interview + (surveysFor(t).length > 1 ? ': ' + label(s.title, document.documentElement.lang, s.default_language) : '')]);
    });
    show([
      h('p', {}, [h('a', { href: '#', text: '← ' + T.back_to_doors })]),
      h('h1', { text: d.address }),
      h('p', { 'class': 'muted', text: t.name + ' · ' + d.id }),
      h('div', { 'class': 'actions stack' }, interviews),
      h('section', { 'class': 'panel' }, [
        h('h2', { text: T.record_outcome }),
        message,
        h('div', { 'class': 'outcome-grid' }, OUTCOMES.map(function (outcome) {
          return h('button', { type: 'button', 'class': 'button big', 'data-outcome': outcome, onclick: function () { record(outcome); } }, [outcomeName(outcome)]);
        })),
        h('div', { 'class': 'field' }, [h('label', { 'for': 'come-back-at', text: T.come_back_at + ' (' + (t.time_zone || 'UTC') + ')' }), when]),
        h('div', { 'class': 'field' }, [h('label', { 'for': 'visit-note', text: T.note }), note])
      ])
    ]);
  }

  function startInterview(t, d, s) {
    var answers = Flow.initialAnswers(s);  // defaults, as the online survey starts with
    Object.keys(questionIndex(s)).forEach(function (name) {
      var q = questionIndex(s)[name];
      if (q.type === 'geography' && d.geography) { answers[name] = d.geography; }  // the door's place
    });
    var draft = { uuid: Store.uuid4(), visit: Store.uuid4(), survey: s.slug, version: s.version, turf: t.id, door: d.id,
      language: s.languages.length === 1 ? s.languages[0] : null, consent: null, page: null, answers: answers,
      started_at: new Date().toISOString(), canvasser: bundle.canvasser.id };
    Store.saveDraft(draft).then(function () { location.hash = '#interview/' + draft.uuid; });
  }

  function languageName(code) {
    try { return new Intl.DisplayNames([code], { type: 'language' }).of(code); } catch (e) { return code; }
  }

  function interviewView(uuid) {
    Store.draft(uuid).then(function (draft) {
      if (!draft || !mine(draft)) { location.hash = ''; return; }
      var s = survey(draft.survey);
      if (!s || s.version !== draft.version) { location.hash = ''; return; }
      if (!draft.language) { return chooseLanguage(s, draft); }
      if (draft.consent === null) { return consentScreen(s, draft); }
      return pageScreen(s, draft);
    });
  }

  function cancelLink(draft) {
    return h('button', { type: 'button', 'class': 'link-button', onclick: function () {
      if (window.confirm(T.cancel_confirm)) { Store.dropDraft(draft.uuid).then(function () { location.hash = ''; }); }
    } }, [T.cancel]);
  }

  function chooseLanguage(s, draft) {
    show([
      h('h1', { text: T.choose_language }),
      h('ul', { 'class': 'choices language-choices' }, s.languages.map(function (code) {
        return h('li', {}, [h('button', { type: 'button', 'class': 'button big', lang: code, dir: s.directions[code], 'data-language': code,
          onclick: function () { draft.language = code; Store.saveDraft(draft).then(function () { interviewView(draft.uuid); }); } },
        [languageName(code)])]);
      })),
      h('p', {}, [cancelLink(draft)])
    ]);
  }

  function consentScreen(s, draft) {
    var lang = draft.language; var M = s.messages[lang];
    var q = s.consent_question ? questionIndex(s)[s.consent_question] : null;
    var text = q ? label(q.label, lang, s.default_language) : T.consent_default;
    var hint = q ? label(q.hint, lang, s.default_language) : '';
    show([
      h('h1', { text: T.consent_title }),
      h('section', { 'class': 'panel resident consent-read', lang: lang, dir: s.directions[lang] }, [
        h('p', { 'class': 'survey-title', text: label(s.title, lang, s.default_language) }),
        h('p', { 'class': 'consent-text', text: text }),
        hint ? h('p', { 'class': 'hint', text: hint }) : null,
        h('div', { 'class': 'actions' }, [
          h('button', { type: 'button', 'class': 'button primary big', 'data-consent': 'yes', onclick: function () {
            draft.consent = true;
            if (q) { draft.answers[q.name] = 'yes'; }
            draft.page = nextPage(s, -1, draft, 1);
            Store.saveDraft(draft).then(function () { interviewView(draft.uuid); });
          } }, [M.consent_agree]),
          h('button', { type: 'button', 'class': 'button big', 'data-consent': 'no', onclick: function () { declined(s, draft); } }, [M.consent_decline])
        ])
      ]),
      h('p', {}, [cancelLink(draft)])
    ]);
  }

  function declined(s, draft) {
    var visit = { uuid: draft.visit, turf: draft.turf, door: draft.door, outcome: 'refused', note: '', come_back_at: null,
      recorded_at: new Date().toISOString() };
    Store.enqueue([{ uuid: visit.uuid, kind: 'visit', canvasser: draft.canvasser, payload: visit }], draft.uuid).then(function () {
      outcomes[draft.turf + '/' + draft.door] = { outcome: 'refused', come_back_at: null };
      return Store.set('outcomes', outcomes);
    }).then(function () {
      show([h('h1', { text: T.declined }), h('p', {}, [h('a', { 'class': 'button primary', href: '#', text: T.back_to_doors })])]);
    });
  }

  /* A question as the server drew it for this language, with the interview's answer filled
     in, the choices the answers so far allow, and its problem if it has one. A slot of a
     repeat's instance is the question's markup with its names and ids made the slot's key. */
  function questionNode(s, draft, slot, error) {
    var holder = document.createElement('div');
    holder.innerHTML = s.questions[draft.language][slot.question.name];
    var node = holder.firstElementChild;
    if (slot.key !== slot.question.name) { forInstance(node, slot.question.name, slot.key, slot.instance); }
    filterChoices(s, slot.question, node, draft.answers, slot.instance);
    fill(node, slot.question, draft.answers[slot.key]);
    if (error) { showProblem(node, error); }
    return node;
  }

  function forInstance(node, name, key, instance) {
    node.setAttribute('data-name', key);
    node.setAttribute('data-instance', instance);
    var own = 'q-' + name;
    Array.prototype.forEach.call([node].concat(Array.prototype.slice.call(node.querySelectorAll('*'))), function (el) {
      if (el.getAttribute('name') === name) { el.setAttribute('name', key); }
      ['id', 'for', 'data-locate'].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value && (value === own || value.indexOf(own + '-') === 0)) { el.setAttribute(attribute, 'q-' + key + value.slice(own.length)); }
      });
      var described = el.getAttribute('aria-describedby');
      if (described) {
        el.setAttribute('aria-describedby', described.split(' ').map(function (id) {
          return id === own || id.indexOf(own + '-') === 0 ? 'q-' + key + id.slice(own.length) : id;
        }).join(' '));
      }
    });
  }

  function filterChoices(s, question, node, answers, instance) {
    if (!question.choice_filter) { return; }
    var allowed = Flow.choices(s, question, Flow.prune(s, answers), instance);  // as the server checks them
    // A rank's choice is its number select's data-choice; a select's, its input's value.
    Array.prototype.forEach.call(node.querySelectorAll('.options input, .options select'), function (field) {
      var hide = allowed.indexOf(field.getAttribute('data-choice') || field.value) < 0;
      field.closest('li').hidden = hide;
      field.disabled = hide;
      if (hide && field.tagName === 'SELECT') { field.value = ''; } else if (hide) { field.checked = false; }
    });
  }

  function fill(node, question, value) {
    if (question.type === 'rank') {
      var places = Flow.rankPlaces(value);
      Array.prototype.forEach.call(node.querySelectorAll('.options select'), function (select) {
        select.value = select.disabled ? '' : places[select.getAttribute('data-choice')] || '';
      });
      return;
    }
    if (question.type === 'select_one' || question.type === 'select_multiple') {
      var chosen = Array.isArray(value) ? value : (empty(value) ? [] : [value]);
      Array.prototype.forEach.call(node.querySelectorAll('.options input'), function (input) {
        input.checked = !input.disabled && chosen.indexOf(input.value) >= 0;
      });
      return;
    }
    var field = node.querySelector('textarea, select, input');
    if (!field) { return; }
    if (field.type === 'checkbox') { field.checked = value === field.value; } else { field.value = empty(value) ? '' : value; }
  }

  function read(node, question) {
    if (question.type === 'rank') {  // {choice: its place}, or none while no place is given
      var places = {};
      var given = false;
      Array.prototype.forEach.call(node.querySelectorAll('.options select:not(:disabled)'), function (select) {
        places[select.getAttribute('data-choice')] = select.value;
        given = given || Boolean(select.value);
      });
      return given ? places : '';
    }
    var checked = node.querySelectorAll('.options input:checked');
    if (question.type === 'select_multiple') { return Array.prototype.map.call(checked, function (i) { return i.value; }); }
    if (question.type === 'select_one') { return checked.length ? checked[0].value : ''; }
    var field = node.querySelector('textarea, select, input');
    if (field.type === 'checkbox') { return field.checked ? field.value : ''; }  // consent, trigger
    return field.value;
  }

  /* The problem in the error line the server drew for it, announced as the online page does. */
  function showProblem(node, message) {
    var line = node.querySelector('.error');
    if (!line) { return; }
    line.textContent = message;
    line.hidden = false;
    node.classList.add('has-error');
    var field = node.querySelector('fieldset, textarea, select, input');
    var described = (field.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    if (described.indexOf(line.id) < 0) { described.push(line.id); }
    field.setAttribute('aria-describedby', described.join(' '));
    if (field.tagName !== 'FIELDSET') { field.setAttribute('aria-invalid', 'true'); }
  }

  /* Show and hide questions as answers change (the same relevance the server applies). */
  function refresh(s, draft) {
    var form = document.getElementById('interview-page');
    if (!form) { return; }
    var shown = shownOnPage(s, draft.page, draft);
    Array.prototype.forEach.call(form.querySelectorAll('.question'), function (node) {
      var key = node.getAttribute('data-name');
      node.hidden = shown.indexOf(key) < 0;
      var question = questionIndex(s)[Flow.splitKey(key)[1]];
      if (question.choice_filter) {
        filterChoices(s, question, node, draft.answers, node.getAttribute('data-instance') || '');
        draft.answers[key] = read(node, question);  // a choice the new answers rule out is dropped
      }
    });
    var standing = Flow.prune(s, draft.answers);  // calculations included: a note may show them
    Array.prototype.forEach.call(form.querySelectorAll('output[data-ref]'), function (output) {
      var ref = output.getAttribute('data-ref');
      var instance = output.closest('.question').getAttribute('data-instance');  // its own instance's answer first
      output.textContent = Flow.display(instance && (instance + '/' + ref) in standing ? standing[instance + '/' + ref] : standing[ref]);
    });
    var last = nextPage(s, draft.page, draft, 1) === null;
    document.getElementById('interview-next').textContent = last ? s.messages[draft.language].finish : s.messages[draft.language].next;
  }

  function pageScreen(s, draft, errors) {
    errors = errors || {};
    var lang = draft.language; var M = s.messages[lang];
    if (draft.page === null || draft.page === undefined || !s.pages[draft.page] || !pageHasQuestions(s, draft.page, draft)) {
      var start = draft.page === null || draft.page === undefined ? -1 : draft.page - 1;
      draft.page = nextPage(s, start, draft, 1);
      if (draft.page === null) { return finish(s, draft); }
    }
    var page = s.pages[draft.page];
    var relevantPages = s.pages.map(function (p, i) { return i; }).filter(function (i) { return pageHasQuestions(s, i, draft); });
    var position = relevantPages.indexOf(draft.page) + 1;
    var previous = nextPage(s, draft.page, draft, -1);
    // A calculation has nothing to draw (the bundle holds no markup for it): Flow works it out.
    var slots = Flow.pageSlots(s, draft.page, draft.answers).filter(function (slot) {
      return slot.key !== s.consent_question && slot.question.type !== 'calculate';
    });
    /* The page's own heading, unless it only says one of its questions again (as online). */
    var heading = label(page.label, lang, s.default_language);
    var repeated = slots.some(function (slot) { return label(slot.question.label, lang, s.default_language) === heading; });
    var summary = Object.keys(errors).length ? h('div', { 'class': 'error-summary', role: 'alert', tabindex: '-1', id: 'error-summary' },
      [h('h2', { dir: 'auto', text: M.check })]) : null;
    var saveState = h('p', { 'class': 'save-state muted', role: 'status', 'data-save-state': 'idle' });
    var saving = 0;
    /* "Saved" only once the answer's own transaction has completed (strict: on disk). */
    function answered(event) {
      var node = event.target.closest('.question');
      if (!node) { return; }
      var key = node.getAttribute('data-name');
      draft.answers[key] = read(node, questionIndex(s)[Flow.splitKey(key)[1]]);
      refresh(s, draft);
      var mark = ++saving;
      saveState.setAttribute('data-save-state', 'saving');
      saveState.textContent = T.saving;
      Store.saveDraft(draft).then(function () {
        if (mark === saving) { saveState.setAttribute('data-save-state', 'saved'); saveState.textContent = T.saved; }
      }, function () {
        saveState.setAttribute('data-save-state', 'failed');
        saveState.textContent = T.save_failed;
      });
    }
    var form = h('form', { id: 'interview-page', novalidate: true, oninput: answered, onchange: answered,
      onsubmit: function (event) { event.preventDefault(); advance(s, draft); } },
      questionNodes(s, draft, slots, errors).concat([
        h('div', { 'class': 'actions survey-nav' }, [
          h('button', { type: 'submit', 'class': 'button primary big', id: 'interview-next', text: M.next }),
          previous !== null ? h('button', { type: 'button', 'class': 'button big', id: 'interview-back', text: M.back, onclick: function () {
            draft.page = previous; Store.saveDraft(draft).then(function () { pageScreen(s, draft); });
          } }) : null
        ])
      ], instanceButtons(s, draft)));
    var t = turf(draft.turf); var d = door(t, draft.door);
    show([
      h('p', { 'class': 'muted interview-door', text: (d ? d.address : draft.door) + ' · ' + languageName(lang) }),
      h('section', { 'class': 'panel resident interview', lang: lang, dir: s.directions[lang] }, [
        h('p', { 'class': 'survey-title', text: label(s.title, lang, s.default_language) }),
        h('p', { 'class': 'progress-text', id: 'progress-text', text: fmt(M.page_of, { page: position, pages: relevantPages.length }, lang) }),
        h('progress', { max: String(relevantPages.length), value: String(position), 'aria-labelledby': 'progress-text' }),
        slots.length > 1 && heading && !repeated ? h('h2', { dir: 'auto', text: heading }) : null,
        summary, form
      ]),
      saveState,
      h('p', {}, [cancelLink(draft)])
    ]);
    refresh(s, draft);
    if (summary) { summary.focus(); }
  }

  /* The page's questions, each repeat instance headed by its name and number. */
  function questionNodes(s, draft, slots, errors) {
    var M = s.messages[draft.language];
    var nodes = [];
    var previous = '';
    slots.forEach(function (slot) {
      if (slot.instance && slot.instance !== previous) {
        var parts = slot.instance.split('/');
        var repeat = Flow.repeat(s, parts[parts.length - 2]);
        nodes.push(h('h3', { 'class': 'instance-heading', dir: 'auto',
          text: fmt(M.instance, { name: label(repeat.label, draft.language, s.default_language) || repeat.name, number: parts[parts.length - 1] }) }));
      }
      previous = slot.instance;
      nodes.push(questionNode(s, draft, slot, errors[slot.key]));
    });
    return nodes;
  }

  /* Add one more / remove the last instance of each repeat of the page without a count. */
  function instanceButtons(s, draft) {
    var M = s.messages[draft.language];
    var standing = Flow.prune(s, draft.answers);
    return shownOnPage(s, draft.page, draft).filter(function (key) { return Flow.repeat(s, Flow.splitKey(key)[1]); })
      .map(function (key) {
        var repeat = Flow.repeat(s, Flow.splitKey(key)[1]);
        var name = label(repeat.label, draft.language, s.default_language) || repeat.name;
        var count = standing[key] || 0;
        function change(by) {
          return function () {
            draft.answers[key] = Math.max(0, count + by);
            Store.saveDraft(draft).then(function () { pageScreen(s, draft); });
          };
        }
        return h('div', { 'class': 'actions repeat-actions' }, [
          h('button', { type: 'button', 'class': 'button big', 'data-add': key, text: fmt(M.add_instance, { name: name }), onclick: change(1) }),
          count ? h('button', { type: 'button', 'class': 'button big', 'data-remove': key, text: fmt(M.remove_instance, { name: name }), onclick: change(-1) }) : null
        ]);
      });
  }

  function advance(s, draft) {
    var M = s.messages[draft.language];
    var checked = Flow.checkPage(s, draft.page, draft.answers, draft.language);
    var errors = {};
    Object.keys(checked.errors).forEach(function (name) {
      errors[name] = checked.errors[name].message || M[checked.errors[name].code];
    });
    if (Object.keys(errors).length) { return pageScreen(s, draft, errors); }
    var following = nextPage(s, draft.page, draft, 1);
    if (following === null) { return finish(s, draft); }
    draft.page = following;
    return Store.saveDraft(draft).then(function () { pageScreen(s, draft); });
  }

  function finish(s, draft) {
    var questions = questionIndex(s);
    var kept = Flow.prune(s, draft.answers);
    var answers = {};
    Object.keys(kept).forEach(function (key) {
      var question = questions[Flow.splitKey(key)[1]];
      if (!question) { answers[key] = kept[key]; return; }  // a repeat's number of instances
      if (question.type !== 'note') { answers[key] = Flow.stored(question, kept[key]); }
    });
    answers = Flow.nest(s, answers);  // repeats as lists of instances, as the server takes them
    var now = new Date().toISOString();
    var visit = { uuid: draft.visit, turf: draft.turf, door: draft.door, outcome: 'completed', note: '', come_back_at: null, recorded_at: now };
    var response = { uuid: draft.uuid, visit: draft.visit, survey: s.slug, version: s.version, turf: draft.turf, door: draft.door,
      language: draft.language, consent: true, answers: answers, started_at: draft.started_at, submitted_at: now };
    return Store.enqueue([
      { uuid: visit.uuid, kind: 'visit', canvasser: draft.canvasser, payload: visit },
      { uuid: response.uuid, kind: 'response', canvasser: draft.canvasser, payload: response }
    ], draft.uuid).then(function () {
      outcomes[draft.turf + '/' + draft.door] = { outcome: 'completed', come_back_at: null };
      return Store.set('outcomes', outcomes);
    }).then(function () {
      show([h('h1', { text: T.done, id: 'interview-done' }), h('p', {}, [h('a', { 'class': 'button primary big', href: '#', text: T.back_to_doors })])]);
    });
  }

  /* --- Start ------------------------------------------------------------------------------ */

  function route() {
    var hash = location.hash.replace(/^#/, '');
    var parts = hash.split('/');
    if (parts[0] === 'door' && parts.length >= 3) { return doorView(parseInt(parts[1], 10), decodeURIComponent(parts.slice(2).join('/'))); }
    if (parts[0] === 'interview' && parts[1]) { return interviewView(parts[1]); }
    return doorsView();
  }

  document.getElementById('canvass-sync-now').addEventListener('click', function () { Sync.run(); });
  Array.prototype.forEach.call(document.querySelectorAll('form.sign-out'), guardSignOut);
  document.getElementById('canvass-export').addEventListener('click', function () {
    Sync.exportQueue(bundle ? { id: bundle.canvasser.id, email: bundle.canvasser.email } : null).then(function (data) {
      var blob = new Blob([JSON.stringify(data, null, 1)], { type: 'application/json' });
      var link = h('a', { href: URL.createObjectURL(blob), download: 'canvass-queue-' + new Date().toISOString().slice(0, 19).replace(/:/g, '') + '.json' });
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      return Store.markExported(data.records.map(function (r) { return r.uuid; }), data.exported_at);
    });
  });

  Sync.configure({ sessionUrl: urls.sessionUrl, visitsUrl: urls.visitsUrl, responsesUrl: urls.responsesUrl,
    baseDelay: parseInt(urls.retryMs || '1000', 10) });
  Sync.onChange(renderStatus);
  window.addEventListener('online', renderStatus);
  window.addEventListener('offline', renderStatus);
  window.addEventListener('hashchange', route);

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(urls.swUrl, { scope: urls.appUrl })['catch'](function () { /* the app still works online */ });
  }

  Promise.all([loadBundle(), Store.get('outcomes')]).then(function (loaded) {
    bundle = loaded[0] || null;
    outcomes = loaded[1] || {};
    root.setAttribute('data-ready', 'true');
    renderStatus();
    route();
    Sync.run();
  });
})();
