// The conversation page's reply tools (bot/web/templates/inbox/_reply_tools.html): picking a canned
// response fills the reply box with its text (placeholders already filled in by the server), and the
// picker is moved to just above that box. Without this script the reply box works as before.
(function () {
  "use strict";
  var select = document.getElementById("canned");
  var box = document.querySelector('form[action$="/reply"] textarea[name=text]');
  if (!select || !box) return;
  var picker = select.closest("[data-testid=canned-picker]");
  var label = box.id ? document.querySelector('label[for="' + box.id + '"]') : null;
  var anchor = label && label.parentNode === box.parentNode ? label : box;
  anchor.parentNode.insertBefore(picker, anchor);
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    if (!option || !option.dataset.text) return;
    box.value = option.dataset.text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  });
})();
