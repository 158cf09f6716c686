/*
 * On the sign-in page, where every sign-out ends (the canvass app's button, the site's, an
 * expired session): a tablet that ran the canvass app is cleared when nothing on it would be
 * lost, else kept for the canvasser who signs in again, and the page says which
 * (CanvassStore.settleAfterSignOut in store.js).
 */
(function () {
  'use strict';
  var note = document.getElementById('tablet-settled');
  if (!note || !window.CanvassStore) { return; }
  window.CanvassStore.settleAfterSignOut().then(function (held) {
    if (held && (held.records || held.drafts)) {
      note.textContent = note.getAttribute('data-kept')
        .replace('{records}', held.records).replace('{drafts}', held.drafts);
    } else if (held && held.cleared) {
      note.textContent = note.getAttribute('data-cleared');
    } else {
      return;
    }
    note.hidden = false;
    note.setAttribute('data-state', held.cleared ? 'cleared' : 'kept');
  });
})();
