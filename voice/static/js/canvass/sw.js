/*
 * The canvass app's service worker (served by canvass.service_worker from /canvass/sw.js,
 * which writes in the version and the asset list). It keeps the app shell, the scripts
 * and the canvasser's bundle (turf and surveys in every language) so that the app opens
 * with no network at all.
 *
 * Pages and the bundle: network first, the cached copy when the network fails or the
 * server errs. Scripts and styles: the cached copy, refreshed in the background.
 * Survey media (/s/<survey>/media/<sha256>/<name>, kept by app.js when the bundle comes): the
 * cached copy, else the network; an address names its content, so a copy never goes stale.
 * Nothing else is touched: the sync API's POSTs always go to the network.
 */
'use strict';

var VERSION = '__VERSION__';
var CACHE = 'canvass-' + VERSION;
var APP = '__APP__';
var BUNDLE = '__BUNDLE__';
var ASSETS = ["__ASSETS__"];
var MEDIA_CACHE = 'voice-media';  // as app.js; not 'canvass-…', which activate clears
var MEDIA = /^\/s\/[^/]+\/media\/[0-9a-f]{64}\//;  // resident.media's address

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      // The shell and the bundle need the canvasser's session cookie.
      return Promise.all([APP, BUNDLE].map(function (url) {
        return fetch(url, { credentials: 'same-origin' }).then(function (response) {
          if (response.ok && !response.redirected) { return cache.put(url, response); }
          return null;
        })['catch'](function () { return null; });
      }));
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf('canvass-') === 0 && key !== CACHE; })
      .map(function (key) { return caches['delete'](key); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, key) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
      return response;
    }
    if (response.status >= 500) { throw new Error('server ' + response.status); }
    return response;  // e.g. the sign-in page after a redirect: show it
  })['catch'](function () {
    return caches.match(key).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function keptMedia(request) {
  return caches.open(MEDIA_CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) {
      return kept || fetch(request).then(function (response) {
        if (response.status === 200) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (cached) {
    var refresh = fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
    if (cached) { refresh['catch'](function () { return null; }); return cached; }
    return refresh;
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === 'navigate' && url.pathname === APP) {
    event.respondWith(networkFirst(request, APP));
  } else if (url.pathname === BUNDLE) {
    event.respondWith(networkFirst(request, BUNDLE));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(cacheFirst(request));
  } else if (MEDIA.test(url.pathname)) {
    event.respondWith(keptMedia(request));
  }
});
