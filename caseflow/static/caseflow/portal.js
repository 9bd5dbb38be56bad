// The portal's quick exit: the page replaces itself with a neutral site at once (location.replace
// leaves no portal page in its place in the history), while the session is ended in the background.
// Without script the same button posts the form, which ends the session and redirects.
(function () {
  "use strict";
  var form = document.getElementById("quick-exit");
  if (!form) { return; }
  var target = form.getAttribute("data-exit");

  function leave() {
    try {
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: true });
    } catch (e) { /* the session still ends by itself after 15 minutes */ }
    document.body.innerHTML = "";
    window.location.replace(target);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); leave(); });

  // Escape pressed three times within two seconds.
  var presses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 2000; });
    presses.push(now);
    if (presses.length >= 3) { leave(); }
  });

  // Moving between portal pages replaces the history entry, so Back leaves the portal sooner.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("nav.portal-nav a");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      window.location.replace(link.href);
    }
  });
})();
