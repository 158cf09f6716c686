/*
 * A position question's "Use this device's position" button, on the online survey and on the
 * tablet: the device's own position (GPS, no map and no network needed) is written into the
 * field as ODK stores it, "latitude longitude altitude accuracy", and the accuracy is shown.
 * Without this file (or without geolocation) the button stays hidden and the field is typed.
 */
(function () {
  'use strict';
  if (!('geolocation' in navigator)) { return; }
  document.documentElement.classList.add('can-locate');

  function rounded(number, places) { return Number(number.toFixed(places)).toString(); }

  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-locate]') : null;
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute('data-locate'));
    var line = document.getElementById(button.getAttribute('data-locate') + '-accuracy');
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (found) {
      var c = found.coords;
      field.value = [rounded(c.latitude, 6), rounded(c.longitude, 6), rounded(c.altitude || 0, 1),
                     rounded(c.accuracy, 1)].join(' ');
      field.dispatchEvent(new Event('input', { bubbles: true }));  // the page saves and checks as if typed
      line.textContent = line.getAttribute('data-accuracy').replace('{metres}', String(Math.round(c.accuracy)));
      button.disabled = false;
    }, function () {
      line.textContent = line.getAttribute('data-failed');
      button.disabled = false;
    }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 });
  });
})();
