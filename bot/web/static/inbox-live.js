// Every officers' inbox page: the number of citizens waiting for an officer, on the nav badge and
// in the window's title, and a short beep when a citizen newly asks for one.
(function () {
  "use strict";
  var badge = document.getElementById("waiting-badge");
  if (!badge || !window.fetch) return;
  var EVERY_MS = 5000;
  var SEEN = "sapa-waiting-seen";  // this tab's known waiting conversations, across its pages
  var title = document.title;
  var audio = null;

  // Browsers let a page play sound only after the officer has clicked or typed in it.
  function wake() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", wake);
  document.addEventListener("keydown", wake);

  function beep() {
    if (!audio || audio.state !== "running") return;
    var tone = audio.createOscillator();
    var gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.35);
  }

  function seen() {
    try { return JSON.parse(sessionStorage.getItem(SEEN) || "null"); } catch (e) { return null; }
  }

  function show(data) {
    var count = data.waiting || 0;
    badge.textContent = String(count);
    badge.hidden = count === 0;
    document.title = (count ? "(" + count + ") " : "") + title;
    var known = seen();
    var fresh = known ? data.waiting_ids.filter(function (id) { return known.indexOf(id) < 0; }) : [];
    try { sessionStorage.setItem(SEEN, JSON.stringify(data.waiting_ids)); } catch (e) { /* private mode */ }
    if (fresh.length) {
      document.body.dataset.newWaiting = String(Number(document.body.dataset.newWaiting || 0) + fresh.length);
      beep();
    }
  }

  function poll() {
    fetch(badge.dataset.live, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return response.ok && json ? response.json() : null;
      })
      .then(function (data) { if (data) show(data); })
      .catch(function () { /* the next poll tries again */ });
  }
  poll();
  setInterval(poll, EVERY_MS);
})();
