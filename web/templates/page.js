(function () {
  "use strict";
  var root = document.documentElement;
  // Times in the visitor's own zone, from the machine-readable datetime of each <time>;
  // without JavaScript the server's zone, named, stays.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && zone !== root.getAttribute("data-zone")) {
      var clock = { hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
      var full = { weekday: "short", day: "numeric", month: "short", year: "numeric",
                   hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
      var times = document.querySelectorAll("time[data-kind]");
      for (var i = 0; i < times.length; i++) {
        var el = times[i];
        var options = el.getAttribute("data-kind") === "clock" ? clock : full;
        el.title = el.textContent;
        el.textContent = new Intl.DateTimeFormat(root.lang, options)
          .format(new Date(el.getAttribute("datetime")));
      }
    }
  } catch (ignored) { /* an old browser keeps the server's zone */ }
  // A waiting page asks whether it may go on, and reloads the moment the answer changes.
  var poll = root.getAttribute("data-poll");
  if (poll && window.fetch) {
    var state = root.getAttribute("data-state");
    var every = Number(root.getAttribute("data-poll-ms")) || 5000;
    var ask = function () {
      fetch(poll, { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 404) { location.reload(); return null; }
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (body && body.state !== state) { location.reload(); }
          else { setTimeout(ask, every); }
        })
        .catch(function () { setTimeout(ask, every); });
    };
    setTimeout(ask, every);
  }
})();
