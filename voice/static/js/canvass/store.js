/*
 * The canvass app's memory and its sync: everything lives in IndexedDB, so closing the tab,
 * a reload or a flat battery loses nothing.
 *
 * Stores: "kv" (the downloaded bundle, last sync time, local door outcomes), "drafts"
 * (interviews in progress, saved after every answer) and "queue" (finished visits and
 * interviews waiting to be sent, each with its client UUID).
 *
 * Sync sends the queue one record at a time, oldest first. A record leaves the tablet only
 * when the server answers 201 (stored) or 200 (already stored). 409 (same UUID, other
 * content) and 422/403/404/413 (refused, or too large ever to be taken) keep the record,
 * marked, for the supervisor. A network error, 5xx, 429 or an expired CSRF token stops the
 * run and retries with exponential back-off (1 s, 2 s, 4 s … at most a minute, with jitter).
 */
(function (root) {
  'use strict';

  var DB_NAME = 'community-voice-canvass';
  var DB_VERSION = 1;
  var dbPromise = null;

  function open() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains('kv')) { db.createObjectStore('kv'); }
        if (!db.objectStoreNames.contains('drafts')) { db.createObjectStore('drafts', { keyPath: 'uuid' }); }
        if (!db.objectStoreNames.contains('queue')) { db.createObjectStore('queue', { keyPath: 'uuid' }); }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }

  /* One transaction; the promise settles on its oncomplete. "strict" durability (for answers)
     waits until the write is on disk, so a tablet killed right after keeps it. */
  function run(storeName, mode, action, durability) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode, { durability: durability || 'default' });
        var store = tx.objectStore(storeName);
        var result;
        var request = action(store);
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  var Store = {
    get: function (key) { return run('kv', 'readonly', function (s) { return s.get(key); }); },
    set: function (key, value) { return run('kv', 'readwrite', function (s) { return s.put(value, key); }); },
    draft: function (uuid) { return run('drafts', 'readonly', function (s) { return s.get(uuid); }); },
    drafts: function () { return run('drafts', 'readonly', function (s) { return s.getAll(); }); },
    /* Each answer is its own transaction: saved means that transaction completed. */
    saveDraft: function (draft) {
      draft.updated_at = new Date().toISOString();
      return run('drafts', 'readwrite', function (s) { return s.put(draft); }, 'strict');
    },
    dropDraft: function (uuid) { return run('drafts', 'readwrite', function (s) { return s['delete'](uuid); }); },
    queue: function () {
      return run('queue', 'readonly', function (s) { return s.getAll(); }).then(function (records) {
        return records.sort(function (a, b) { return a.seq - b.seq; });
      });
    },
    /* Queue finished records (and drop the draft they came from) in one transaction. */
    enqueue: function (records, draftUuid) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(['queue', 'drafts'], 'readwrite', { durability: 'strict' });
          var base = Date.now() * 1000;
          records.forEach(function (record, index) {
            record.seq = base + index;
            record.state = 'waiting';
            record.attempts = 0;
            tx.objectStore('queue').put(record);
          });
          if (draftUuid) { tx.objectStore('drafts')['delete'](draftUuid); }
          tx.oncomplete = function () { resolve(); Sync.changed(); Sync.soon(); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    },
    putRecord: function (record) { return run('queue', 'readwrite', function (s) { return s.put(record); }); },
    dropRecord: function (uuid) { return run('queue', 'readwrite', function (s) { return s['delete'](uuid); }); },
    /* Note that these records are in a file the canvasser saved (they stay queued). */
    markExported: function (uuids, when) {
      return run('queue', 'readwrite', function (s) {
        uuids.forEach(function (uuid) {
          var request = s.get(uuid);
          request.onsuccess = function () {
            if (request.result) { request.result.exported_at = when; s.put(request.result); }
          };
        });
        return null;
      });
    },
    /* After any sign-out (the app's button, the site's, an expired session), on the sign-in
       page: clear the tablet when nothing would be lost, else keep it all for the canvasser who
       signs in again (mine() hides it from anyone else). The check and the clearing are one
       transaction, so an answer saved meanwhile in another tab is never cleared. Resolves
       null on a device that never ran the app, else { cleared, records, drafts }. */
    settleAfterSignOut: function () {
      if (!indexedDB.databases) { return Promise.resolve(null); }
      return indexedDB.databases().then(function (found) {
        // Opening a database that is not there would create it: only a tablet has one.
        if (!found.some(function (d) { return d.name === DB_NAME; })) { return null; }
        return open().then(settle).then(function (held) {
          return dropCaches().then(function (dropped) { held.cleared = held.cleared && (held.had || dropped); return held; });
        });
      });
    }
  };

  function settle(db) {
    return new Promise(function (resolve, reject) {
      var names = ['kv', 'drafts', 'queue'];
      var tx = db.transaction(names, 'readwrite', { durability: 'strict' });
      var held = { cleared: false, had: false, records: 0, drafts: 0 };
      tx.objectStore('queue').getAll().onsuccess = function (event) {
        var records = event.target.result;
        held.records = records.filter(function (r) { return !r.exported_at; }).length;  // in no exported file either
        tx.objectStore('drafts').getAll().onsuccess = function (found) {
          held.drafts = found.target.result.length;
          tx.objectStore('kv').count().onsuccess = function (kv) {
            held.had = records.length + held.drafts + kv.target.result > 0;
            if (held.records || held.drafts) {
              tx.objectStore('kv')['delete']('bundle');  // the last canvasser's turf: fetched again at sign-in
            } else {
              held.cleared = true;
              names.forEach(function (name) { tx.objectStore(name).clear(); });
            }
          };
        };
      };
      tx.oncomplete = function () { resolve(held); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  /* The service worker's copies of the app page and the bundle name the last canvasser. */
  function dropCaches() {
    if (!root.caches) { return Promise.resolve(false); }
    return root.caches.keys().then(function (keys) {
      var mine = keys.filter(function (key) { return key.indexOf('canvass-') === 0; });
      return Promise.all(mine.map(function (key) { return root.caches['delete'](key); })).then(function () { return mine.length > 0; });
    });
  }

  function uuid4() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  /* --- Sync ------------------------------------------------------------------------------ */

  var config = {};
  var listeners = [];
  var running = false;
  var failures = 0;
  var timer = null;
  var state = { signedOut: false, retryIn: null, sending: false };

  function changed() { listeners.forEach(function (listener) { try { listener(state); } catch (e) { /* ignore */ } }); }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; Sync.run(); }, delay);
  }

  function backoff() {
    failures += 1;
    var delay = Math.min(60000, config.baseDelay * Math.pow(2, failures - 1));
    delay = Math.round(delay * (0.8 + Math.random() * 0.4));
    state.retryIn = Math.round(delay / 1000);
    schedule(delay);
  }

  function getSession() {
    return fetch(config.sessionUrl, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (response) {
        var type = response.headers.get('Content-Type') || '';
        if (response.ok && type.indexOf('application/json') === 0) { return response.json(); }
        if (response.redirected || response.status === 401 || response.status === 403 || type.indexOf('text/html') === 0) {
          return { signedOut: true };
        }
        throw new Error('session ' + response.status);
      });
  }

  function send(record, token) {
    var url = record.kind === 'visit' ? config.visitsUrl : config.responsesUrl;
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store', redirect: 'manual',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token, Accept: 'application/json' },
      body: JSON.stringify(record.payload)
    }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        return { status: response.status, body: body };
      });
    });
  }

  var Sync = {
    configure: function (options) {
      config = options;
      config.baseDelay = options.baseDelay || 1000;
      root.addEventListener('online', function () { failures = 0; Sync.run(); });
      root.addEventListener('offline', changed);
      setInterval(function () { if (!running && !timer) { Sync.run(); } }, 30000);
    },
    onChange: function (listener) { listeners.push(listener); },
    changed: changed,
    state: state,
    soon: function () { if (!timer && !running) { schedule(50); } },
    run: function () {
      if (running || !navigator.onLine) { changed(); return Promise.resolve(); }
      running = true;
      var contacted = false;
      state.sending = true;
      state.retryIn = null;
      changed();
      return Store.queue().then(function (records) {
        var waiting = records.filter(function (r) { return r.state === 'waiting'; });
        if (!waiting.length) { return null; }
        return getSession().then(function (session) {
          if (session.signedOut) { state.signedOut = true; return null; }
          state.signedOut = false;
          contacted = true;
          var mine = waiting.filter(function (r) { return !r.canvasser || r.canvasser === session.canvasser; });
          var chain = Promise.resolve(true);
          mine.forEach(function (record) {
            chain = chain.then(function (go) {
              if (!go) { return false; }
              return send(record, session.csrf_token).then(function (answer) {
                if (answer.status === 200 || answer.status === 201) {
                  failures = 0;
                  return Store.dropRecord(record.uuid).then(function () {
                    return Store.set('lastSync', new Date().toISOString());
                  }).then(function () { changed(); return true; });
                }
                if (answer.status === 409 || answer.status === 422 || answer.status === 403 || answer.status === 404 ||
                    answer.status === 413) {
                  record.state = answer.status === 409 ? 'conflict' : 'refused';
                  record.error = (answer.body && answer.body.error) || String(answer.status);
                  return Store.putRecord(record).then(function () { changed(); return true; });
                }
                record.attempts = (record.attempts || 0) + 1;
                return Store.putRecord(record).then(function () { throw new Error('status ' + answer.status); });
              });
            });
          });
          return chain;
        });
      }).then(function () {
        running = false;
        state.sending = false;
        failures = 0;
        return Store.queue().then(function (records) {
          if (contacted && !records.some(function (r) { return r.state === 'waiting'; })) {
            return Store.set('lastSync', new Date().toISOString());
          }
          return null;
        });
      }, function () {
        running = false;
        state.sending = false;
        backoff();
      }).then(changed);
    },
    /* A JSON file with every record still on the tablet (the analysts' import takes it). */
    exportQueue: function (canvasser) {
      return Store.queue().then(function (records) {
        return {
          format: 'community-voice-canvass-queue', version: 1, exported_at: new Date().toISOString(),
          canvasser: canvasser || null,
          records: records.map(function (r) {
            return { kind: r.kind, uuid: r.uuid, state: r.state, error: r.error || null, payload: r.payload };
          })
        };
      });
    }
  };

  Store.uuid4 = uuid4;
  root.CanvassStore = Store;
  root.CanvassSync = Sync;
})(typeof self !== 'undefined' ? self : this);
