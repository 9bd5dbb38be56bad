// Staff pages: a question before changes that cannot be undone, a warning before leaving a letter
// with unsaved edits, and copy buttons for letters pasted into a platform's web form.
// Every page works without it: the server asks on a page of its own, and copying by hand works.
(function () {
  "use strict";

  // Buttons with data-confirm ask with the browser's own dialog (read out by screen readers, kept
  // in the keyboard's reach); "OK" sends the form with `confirmed`, so the server does not ask again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (!question || form.querySelector("input[name=confirmed]")) { return; }
    event.preventDefault();
    if (!window.confirm(question)) { return; }
    var yes = document.createElement("input");
    yes.type = "hidden";
    yes.name = "confirmed";
    yes.value = "1";
    form.appendChild(yes);
    // Not from inside this submit event: the browser ignores a form submitted while it is still firing it.
    window.setTimeout(function () { form.requestSubmit(button); }, 0);
  });

  // A form that came back with errors: focus goes to its first field in error (the summary above the
  // form, role=alert, is read out), or to the summary itself when the error is not about a field.
  var summary = document.querySelector("[data-error-summary], #followup-error");
  if (summary) {
    var form = summary.closest("form");
    var scope = form || summary.parentNode;
    var field = scope.querySelector("[aria-invalid=true], .has-error input, .has-error select, .has-error textarea");
    if (field) {
      field.focus();
    } else {
      if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
      summary.focus();
    }
  }

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

  // "Select all" boxes (the case list's bulk assignment): hidden until this script can make them work.
  Array.prototype.forEach.call(document.querySelectorAll("input[data-select-all]"), function (box) {
    var form = box.form;
    var name = box.getAttribute("data-select-all");
    box.hidden = false;
    box.addEventListener("change", function () {
      Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox][name=" + name + "]"), function (item) {
        item.checked = box.checked;
      });
    });
  });

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
