// Similar proposals while a customer types a new proposal's title (progressive enhancement).
(function () {
  "use strict";
  var box = document.querySelector(".similar-proposals");
  var title = document.getElementById("title");
  if (!box || !title || !window.fetch) { return; }
  var list = box.querySelector(".similar-list");
  var status = box.querySelector(".similar-status");
  var url = box.getAttribute("data-similar-url");
  var timer = null;
  var lastQuery = "";
  var controller = null;

  function currentKind() {
    var kind = document.getElementById("kind");
    return kind ? kind.value : box.getAttribute("data-kind");
  }

  function clear(message) {
    list.textContent = "";
    box.hidden = true;
    status.textContent = message || "";
  }

  function render(results) {
    list.textContent = "";
    if (!results.length) { clear("No similar proposals."); return; }
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/wiki/" + encodeURIComponent(item.slug);
      link.textContent = item.title;
      var meta = document.createElement("span");
      meta.className = "similar-meta";
      var score = item.votes ? item.votes.score : 0;
      meta.textContent = " · " + String(item.status || "new").replace(/_/g, " ") + " · " +
        (score > 0 ? "+" + score : String(score)) + " votes";
      li.appendChild(link);
      li.appendChild(meta);
      list.appendChild(li);
    });
    box.hidden = false;
    status.textContent = results.length + " similar proposal" + (results.length === 1 ? "" : "s") + " found.";
  }

  function lookup() {
    var text = title.value.trim();
    if (currentKind() !== "proposal" || text.length < 3) { clear(""); lastQuery = ""; return; }
    var product = document.getElementById("product");
    var query = "?title=" + encodeURIComponent(text) +
      (product && product.value ? "&product=" + encodeURIComponent(product.value) : "");
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + query, { headers: { "Accept": "application/json" }, credentials: "same-origin",
                         signal: controller ? controller.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { render(data.results || []); })
      .catch(function () { /* a failed look-up leaves the form as it is */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 300);
  }

  title.addEventListener("input", schedule);
  var kind = document.getElementById("kind");
  if (kind) { kind.addEventListener("change", schedule); }
  if (title.value) { schedule(); }
}());
