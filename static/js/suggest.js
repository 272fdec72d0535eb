// Suggestions while typing in the search box: titles and countries from /api/suggest.
// Progressive enhancement: without this script the search box works the same, unassisted.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("datalist");
  list.id = "q-suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  var timer = null;
  var asked = "";

  function show(text, suggestions) {
    if (text !== input.value) { return; } // an older answer
    list.textContent = "";
    suggestions.forEach(function (suggestion) {
      var option = document.createElement("option");
      option.value = suggestion;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = input.value;
      if (text.trim().length < 2 || text === asked) { return; }
      asked = text;
      fetch("/api/suggest?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : [text, []]; })
        .then(function (answer) { show(answer[0], answer[1] || []); })
        .catch(function () { /* no suggestions; the search still works */ });
    }, 150);
  });
}());
