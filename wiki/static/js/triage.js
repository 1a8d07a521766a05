// Triage queue: a "select all" box and showing only the fields the chosen bulk action uses.
// Progressive enhancement: without it every field is shown and boxes are ticked one by one.
(function () {
  "use strict";
  var table = document.querySelector("table.queue");
  if (table) {
    var cell = table.querySelector("thead th");
    var all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", "Select all proposals on this page");
    cell.appendChild(all);
    all.addEventListener("change", function () {
      table.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  var action = document.getElementById("b-action");
  if (action) {
    var fields = {
      status: ["b-status", "b-note"],
      assign: ["b-assignee"]
    };
    var sync = function () {
      Object.keys(fields).forEach(function (name) {
        fields[name].forEach(function (id) {
          var input = document.getElementById(id);
          if (input) { input.closest(".field").hidden = name !== action.value; }
        });
      });
    };
    action.addEventListener("change", sync);
    sync();
  }
})();
