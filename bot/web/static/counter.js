// The counter page: "Pindai QR" opens the office's webcam, reads the booking slip's QR code in the
// browser (jsQR, vendor/jsQR-1.4.0.js: Chromium on Linux has no BarcodeDetector) and checks that
// booking in through the same form as a typed code. Without this script or a camera, the officer
// types the queue number or the booking code.
(function () {
  "use strict";
  var form = document.getElementById("check-in-form");
  var start = document.getElementById("scan-start");
  var status = document.getElementById("scan-status");
  if (!form || !start || !status) return;
  var input = document.getElementById("kode");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var stop = document.getElementById("scan-stop");
  // What a slip's QR code holds: <PUBLIC_BASE_URL>/v/<code>.
  var SLIP = /\/v\/[A-Za-z0-9_-]{8,40}$/;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;

  function say(text) { status.textContent = text; }

  if (!window.isSecureContext) {
    say("Kamera hanya dapat dipakai bila kotak masuk dibuka lewat https. Ketik nomor antrean atau kode booking.");
    return;
  }
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || typeof window.jsQR !== "function") return;
  start.hidden = false;

  function close() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
    video.srcObject = null;
    box.hidden = true;
    start.hidden = false;
  }

  function look() {
    timer = null;
    if (!stream) return;
    var width = video.videoWidth, height = video.videoHeight;
    if (width && height) {
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                              { inversionAttempts: "attemptBoth" });
      if (found && found.data) {
        if (SLIP.test(found.data.trim())) {
          close();
          say("QR terbaca, memeriksa jadwal…");
          input.value = found.data.trim();
          form.submit();
          return;
        }
        say("QR ini bukan bukti jadwal kedatangan. Arahkan QR pada bukti jadwal ke kamera.");
      }
    }
    timer = setTimeout(look, 150);
  }

  start.addEventListener("click", function () {
    say("Membuka kamera…");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = opened;
        box.hidden = false;
        start.hidden = true;
        return video.play();
      })
      .then(function () {
        say("Arahkan QR pada bukti jadwal ke kamera.");
        look();
      })
      .catch(function (err) {
        close();
        say(err && err.name === "NotAllowedError"
          ? "Kamera tidak diizinkan. Izinkan kamera di peramban, atau ketik nomor antrean atau kode booking."
          : "Kamera tidak dapat dibuka. Ketik nomor antrean atau kode booking.");
      });
  });
  stop.addEventListener("click", function () { close(); say(""); });
})();
