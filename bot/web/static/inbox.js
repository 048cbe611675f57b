// The officers' request review page: view an uploaded photo large and turn it 90° at a time
// (a photo of a KK is often sideways). Without this script the thumbnail links open the file.
(function () {
  "use strict";
  var dialog = document.getElementById("viewer");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var image = dialog.querySelector("img");
  var title = dialog.querySelector("[data-testid=viewer-title]");
  var open = dialog.querySelector("[data-testid=viewer-open]");
  var angle = 0;

  function turn() {
    image.style.transform = "rotate(" + angle + "deg)";
    image.dataset.rotation = String(((angle % 360) + 360) % 360);
  }

  document.querySelectorAll("[data-view]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      angle = 0;
      image.src = link.dataset.view;
      image.alt = link.dataset.title || "";
      title.textContent = link.dataset.title || "";
      open.href = link.dataset.view;
      turn();
      dialog.showModal();
    });
  });
  dialog.querySelectorAll("[data-rotate]").forEach(function (button) {
    button.addEventListener("click", function () {
      angle += Number(button.dataset.rotate);
      turn();
    });
  });
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
})();
