// The conversations list: its rows refreshed every few seconds without a reload (the server sends
// them only when they changed), while the officer's search and filters stay as they are.
(function () {
  "use strict";
  var list = document.getElementById("conv-list");
  if (!list || !window.fetch) return;
  var EVERY_MS = 5000;

  function poll() {
    var url = list.dataset.poll;
    url += (url.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(list.dataset.fingerprint || "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return response.ok && json ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        list.dataset.fingerprint = data.fingerprint;
        if (typeof data.rows === "string") list.innerHTML = data.rows;
      })
      .catch(function () { /* the next poll tries again */ });
  }
  setInterval(poll, EVERY_MS);
})();
