/* django-creatify: keep the status and progress of unfinished jobs on the changelist
 * current without a reload. Polls a staff-only JSON endpoint that reads the database
 * (Celery's refreshes keep it fresh); stops once nothing on screen is still active.
 * Values are written with textContent and properties only, never as HTML. */
(function () {
  "use strict";

  var KNOWN = ["pending", "in_queue", "running", "done", "failed", "rejected"];
  var MAX_BACKOFF = 12;

  function start() {
    var config = document.getElementById("creatify-poll");
    if (!config || !window.fetch) {
      return;
    }
    var url = config.getAttribute("data-url");
    var interval = Math.max(0.2, parseFloat(config.getAttribute("data-interval")) || 5) * 1000;
    var failures = 0;
    var timer = null;
    var inFlight = false;

    function elementsFor(id) {
      return document.querySelectorAll('[data-creatify-flow="' + id + '"]');
    }

    function activeIds() {
      var seen = {};
      var ids = [];
      document.querySelectorAll('[data-creatify-flow][data-creatify-active="true"]').forEach(
        function (element) {
          var id = element.getAttribute("data-creatify-flow");
          if (!seen[id]) {
            seen[id] = true;
            ids.push(id);
          }
        }
      );
      return ids;
    }

    function cssStatus(status) {
      return KNOWN.indexOf(status) >= 0 ? status : "other";
    }

    function apply(flow) {
      var css = cssStatus(flow.status);
      var active = flow.is_finished ? "false" : "true";
      elementsFor(flow.id).forEach(function (element) {
        var role = element.getAttribute("data-creatify-role");
        if (role === "badge") {
          element.className = "creatify-badge creatify-badge--" + css;
          element.textContent = flow.status_label;
          element.setAttribute("data-creatify-active", active);
          if (flow.failed_reason) {
            element.title = flow.failed_reason;
          }
        } else if (role === "progress") {
          element.className = "creatify-progress creatify-progress--" + css;
          element.value = Number(flow.progress_percent) || 0;
          element.textContent = flow.progress_label;
          element.setAttribute("data-creatify-active", active);
        } else if (role === "progress-label") {
          element.textContent = flow.progress_label;
        }
      });
    }

    function schedule() {
      if (timer === null) {
        timer = window.setTimeout(poll, interval * Math.min(Math.pow(2, failures), MAX_BACKOFF));
      }
    }

    function poll() {
      timer = null;
      var ids = activeIds();
      if (!ids.length) {
        return;
      }
      if (document.hidden) {
        schedule();
        return;
      }
      inFlight = true;
      var separator = url.indexOf("?") >= 0 ? "&" : "?";
      window
        .fetch(url + separator + "ids=" + encodeURIComponent(ids.join(",")), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          (data.flows || []).forEach(apply);
          failures = 0;
          config.setAttribute("data-last-poll", String(Date.now()));
        })
        .catch(function () {
          failures += 1;
        })
        .then(function () {
          inFlight = false;
          schedule();
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && timer === null && !inFlight) {
        poll();
      }
    });
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
