// Staff pages: a warning before leaving a letter with unsaved edits, and copy buttons for letters
// pasted into a platform's web form. Every page works without it: copying by hand works.
(function () {
  "use strict";

  // A letter being edited: leaving the page (a link, another form, closing the tab) asks first.
  var guarded = document.querySelectorAll("form[data-unsaved-warning]");
  var leaving = false;
  function changed(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      return (field.tagName === "TEXTAREA" || field.type === "text" || field.type === "email") &&
        field.value !== field.defaultValue;
    });
  }
  Array.prototype.forEach.call(guarded, function (form) {
    // Its own buttons save or send what was typed: no question then.
    form.addEventListener("submit", function () { leaving = true; });
  });
  if (guarded.length) {
    window.addEventListener("beforeunload", function (event) {
      if (leaving) { return; }
      if (Array.prototype.some.call(guarded, changed)) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // Copy buttons: hidden until this script can make them work.
  function copied(button) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) { status.textContent = button.getAttribute("data-copied"); }
  }
  function copyByHand(field, button) {
    field.focus();
    field.select();
    try {
      if (document.execCommand("copy")) { copied(button); }
    } catch (e) { /* the text stays selected for Ctrl-C */ }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-row]"), function (row) {
    row.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { copied(button); },
        function () { copyByHand(field, button); }
      );
    } else {
      copyByHand(field, button);
    }
  });
})();
