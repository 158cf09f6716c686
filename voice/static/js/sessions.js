// Quick comment entry on a session page: Enter saves, Shift+Enter starts a new line, and the
// cursor stays in the box for the next comment. Without this script the form posts as usual.
(function () {
  "use strict";
  var form = document.querySelector("form[data-quick-entry]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var text = form.querySelector("textarea[name=text]");
  var role = form.querySelector("select[name=speaker_role]");
  var status = form.querySelector("[data-entry-status]");
  var list = document.querySelector("[data-comments]");
  var count = document.querySelector("[data-comment-count]");
  var saving = false;

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  function save() {
    if (saving || !text.value.trim()) {
      return;
    }
    saving = true;
    var body = new FormData(form);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) {
        return {ok: response.ok, data: data};
      });
    }).then(function (result) {
      if (!result.ok) {
        say((result.data.errors || []).join(" "), true);
        return;
      }
      list.insertAdjacentHTML("beforeend", result.data.html);
      var empty = document.querySelector("[data-empty]");
      if (empty) {
        empty.remove();
      }
      count.textContent = String(result.data.count);
      text.value = "";
      if (role) {
        role.value = "";  // each speaker is chosen anew; the language stays
      }
      say(result.data.message, false);
    }).catch(function () {
      form.submit();  // the plain form still works when the network call does not
    }).finally(function () {
      saving = false;
      text.focus();
    });
  }

  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    save();
  });
}());
