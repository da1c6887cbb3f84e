// Waymark's only script: progressive enhancement on top of htmx.
// Pages work without it; it never evaluates strings as code.
(function () {
  "use strict";

  function announce(message) {
    var region = document.getElementById("live-region");
    if (!region) return;
    region.textContent = "";
    // A fresh text node makes screen readers announce repeated messages too.
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var reason = xhr && xhr.status === 429
      ? "Too many requests. Wait a moment and try again."
      : "That did not work (error " + (xhr ? xhr.status : "unknown") + "). Nothing was changed; please try again.";
    announce(reason);
  });

  document.addEventListener("htmx:sendError", function () {
    announce("Waymark could not be reached. Check your connection and try again.");
  });

  // Announcements sent by the server with an HX-Trigger header.
  document.addEventListener("waymark:announce", function (event) {
    if (event.detail && event.detail.message) announce(event.detail.message);
  });
})();
