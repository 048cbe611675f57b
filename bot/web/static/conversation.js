// One conversation in the officers' inbox: opened at its newest message, new messages added
// without a reload (a light poll of messages.json), a photo opened large. Without this script the
// page still opens at the reply box (#terbaru) and a photo's link opens the file.
(function () {
  "use strict";
  var box = document.getElementById("transcript");
  if (!box || !window.fetch) return;
  var lines = document.getElementById("lines");
  var waiting = document.getElementById("waiting-lines");
  var below = document.getElementById("new-below");
  var changed = document.getElementById("state-changed");
  var after = Number(box.dataset.after || 0);
  var EVERY_MS = 4000;

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 150;
  }
  function toBottom() {
    window.scrollTo(0, document.documentElement.scrollHeight);
    below.hidden = true;
  }

  // After "Muat pesan sebelumnya" the page stays at the message the officer was reading (#pesan-N).
  if (location.hash.indexOf("#pesan-") !== 0) {
    toBottom();
    window.addEventListener("load", function () { toBottom(); });
  }
  window.addEventListener("scroll", function () { if (atBottom()) below.hidden = true; }, { passive: true });
  below.addEventListener("click", toBottom);

  function poll() {
    fetch(box.dataset.poll + "?after=" + after, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return response.ok && json ? response.json() : null;  // signed out: the next click shows the sign-in
      })
      .then(function (data) {
        if (!data) return;
        var stay = atBottom();
        if (data.html) {
          lines.insertAdjacentHTML("beforeend", data.html);
          after = data.after;
          box.dataset.after = String(after);
        }
        if (typeof data.waiting_html === "string" && waiting.innerHTML !== data.waiting_html) {
          waiting.innerHTML = data.waiting_html;
        }
        if (data.state && data.state !== box.dataset.state) changed.hidden = false;
        if (data.html) {
          if (stay) toBottom(); else below.hidden = false;
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  setInterval(poll, EVERY_MS);

  // A photo opens large in the page's viewer.
  var dialog = document.getElementById("viewer");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var image = dialog.querySelector("img");
  var title = dialog.querySelector("[data-testid=viewer-title]");
  var open = dialog.querySelector("[data-testid=viewer-open]");
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-view]") : null;
    if (!link) return;
    event.preventDefault();
    image.src = link.dataset.view;
    image.alt = link.dataset.title || "";
    title.textContent = link.dataset.title || "";
    open.href = link.dataset.view;
    dialog.showModal();
  });
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
})();
