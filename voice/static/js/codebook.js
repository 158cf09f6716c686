// Live keyword preview in the codebook editor: as keywords change, ask the server which recent
// items they match and show them with the matched words marked. Without this script the
// "Preview matches" button does the same with a full page.
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-keyword-preview]");
  if (!blocks.length || !window.fetch) {
    return;
  }

  function render(output, data) {
    output.textContent = "";
    var summary = document.createElement("p");
    summary.className = "hint";
    summary.textContent = data.summary;
    output.appendChild(summary);
    var list = document.createElement("ul");
    list.className = "preview-items";
    data.items.forEach(function (item) {
      var entry = document.createElement("li");
      item.parts.forEach(function (part) {
        var node = document.createElement(part[1] ? "mark" : "span");
        node.textContent = part[0];
        entry.appendChild(node);
      });
      list.appendChild(entry);
    });
    output.appendChild(list);
  }

  Array.prototype.forEach.call(blocks, function (block) {
    var input = block.querySelector("textarea, input");
    var output = block.querySelector("[data-preview-output]");
    var timer = null;
    var asked = 0;
    function update() {
      var number = ++asked;
      var url = block.dataset.url + "?language=" + encodeURIComponent(block.dataset.language) +
        "&keywords=" + encodeURIComponent(input.value);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (number === asked) {
            render(output, data);
          }
        })
        .catch(function () { /* the button still previews with a full page */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    });
  });
})();
