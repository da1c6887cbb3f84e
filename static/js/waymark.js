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

  // A form refused (400) or over a limit (429) answers with its section and
  // HX-Reswap: shown in place, with its errors, rather than as an error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if ((xhr.status === 400 || xhr.status === 429) && xhr.getResponseHeader("HX-Reswap")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:sendError", function () {
    announce("Waymark could not be reached. Check your connection and try again.");
  });

  // The map of the path scrolls sideways on a narrow screen: it opens with the
  // step to continue with in view, and keeps its place when a status change
  // redraws it.
  function showNextStep(scroller) {
    if (scroller.scrollWidth <= scroller.clientWidth) return;
    var node = scroller.querySelector(".map-node--next") || scroller.querySelector(".map-node");
    if (!node) return;
    var box = node.getBoundingClientRect();
    var frame = scroller.getBoundingClientRect();
    scroller.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var map = document.getElementById("map-picture");
    if (map) showNextStep(map);
  });

  var mapScroll = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "map-picture") {
      mapScroll = event.detail.target.scrollLeft;
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var map = document.getElementById("map-picture");
    if (map && mapScroll !== null) {
      map.scrollLeft = mapScroll;
      mapScroll = null;
    }
  });

  // Announcements sent by the server with an HX-Trigger header.
  document.addEventListener("waymark:announce", function (event) {
    if (event.detail && event.detail.message) announce(event.detail.message);
  });

  // A time zone select still on the default offers the browser's own zone, and
  // says so beside it; saving the form keeps it. Without the script the select
  // stays as the server sent it.
  function offerBrowserZone(select) {
    if (select.value !== select.dataset.defaultZone) return;
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone || zone === select.value) return;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known) return;
    select.value = zone;
    var note = document.createElement("p");
    note.id = "timezone-from-browser";
    note.className = "meta";
    note.textContent = "Set to your browser's time zone, " + zone + ": save to keep it.";
    select.insertAdjacentElement("afterend", note);
    var described = select.getAttribute("aria-describedby");
    select.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  }

  // "Copy link" buttons (data-copy: the id of the field to copy) show only with
  // the script; the outcome is said in the status next to them.
  function enableCopy(button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!field || !status || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "";
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = "Copied.";
      }, function () {
        field.select();
        status.textContent = "Could not copy: the link is selected, copy it with your keyboard.";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-default-zone]").forEach(offerBrowserZone);
    document.querySelectorAll("button[data-copy]").forEach(enableCopy);
  });
})();
