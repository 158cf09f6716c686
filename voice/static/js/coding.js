// Review queue by keyboard: a accepts the marked code, r rejects it, c finds and adds a code,
// n goes to the next item. Every key presses a real form's button, so without this script the
// same forms work by pointer or Tab and Enter. Keys are read by their place on the keyboard
// (KeyboardEvent.code), so they work the same on a Hebrew, Arabic or Amharic layout, where
// the key marked A types "ש" or "ش".
(function () {
  "use strict";
  var card = document.querySelector("[data-review]");
  if (!card) {
    return;
  }
  var search = card.querySelector("[data-code-search]");
  var addForm = card.querySelector("[data-add-code]");
  var select = addForm ? addForm.querySelector("select[name=code]") : null;

  function press(selector) {
    var button = card.querySelector(selector);
    if (button) {
      button.click();
      return true;
    }
    return false;
  }

  if (search && select) {
    card.querySelector("[data-search-field]").hidden = false;
    select.size = Math.min(8, select.options.length);
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLocaleLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var show = !needle || option.text.toLocaleLowerCase().indexOf(needle) !== -1;
        option.hidden = !show;
        if (show && first === null) {
          first = option;
        }
      });
      if (first) {
        select.value = first.value;
      }
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        search.value = "";
        search.blur();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var handled = false;
    if (event.code === "KeyA") {
      handled = press("[data-current] form[data-decision=accept] button");
    } else if (event.code === "KeyR") {
      handled = press("[data-current] form[data-decision=reject] button");
    } else if (event.code === "KeyN") {
      handled = press("[data-next] button");
    } else if (event.code === "KeyC" && search) {
      search.focus();
      handled = true;
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
