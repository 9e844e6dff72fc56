/* django-creatify: keep every value of the changelist's rows that can change (status,
 * progress, duration, credits, media link and still, the missing flag) current without
 * a reload. Polls a staff-only JSON endpoint that reads the database (Celery's refreshes
 * keep it fresh): often while a job on screen is unfinished, seldom once all have
 * finished, since a finished job can still go missing at Creatify or gain an archived
 * copy. Values are written with textContent and properties only, never as HTML; a link
 * or image only from an http(s) URL or a path on this site. */
(function () {
  "use strict";

  var MAX_BACKOFF = 12;
  var THUMB_SIZE = 36;
  var SITE_OR_HTTP = /^(https?:\/\/[^\/\s]|\/(?![\/\\]))/i;
  var CONTROL = /[\u0000-\u0020\u007f-\u009f]/;

  function start() {
    var config = document.getElementById("creatify-poll");
    if (!config || !window.fetch) {
      return;
    }
    var url = config.getAttribute("data-url");
    var interval = seconds(config.getAttribute("data-interval"), 5);
    var idleInterval = Math.max(interval, seconds(config.getAttribute("data-idle-interval"), 60));
    var maxIds = parseInt(config.getAttribute("data-max-ids"), 10) || 100;
    var emptyText = config.getAttribute("data-empty") || "\u2013";
    var emptyTitle = config.getAttribute("data-empty-title") || "";
    var failures = 0;
    var timer = null;
    var inFlight = false;

    function seconds(value, fallback) {
      return Math.max(0.2, parseFloat(value) || fallback) * 1000;
    }

    function elementsFor(id) {
      return document.querySelectorAll('[data-creatify-flow="' + id + '"]');
    }

    function idsOnScreen() {
      var seen = {};
      var ids = [];
      document.querySelectorAll("#result_list [data-creatify-flow]").forEach(function (element) {
        var id = element.getAttribute("data-creatify-flow");
        if (!seen[id]) {
          seen[id] = true;
          ids.push(id);
        }
      });
      return ids;
    }

    function anyActive() {
      return document.querySelector('[data-creatify-role="badge"][data-creatify-active="true"]') !== null;
    }

    function linkable(value) {
      return typeof value === "string" && SITE_OR_HTTP.test(value) && !CONTROL.test(value)
        ? value
        : null;
    }

    function setValue(element, text) {
      var known = typeof text === "string" && text !== "";
      element.textContent = known ? text : emptyText;
      element.classList.toggle("creatify-empty", !known);
      if (known) {
        element.removeAttribute("title");
      } else {
        element.title = emptyTitle;
      }
    }

    function thumbnail(poster) {
      var image = document.createElement("img");
      image.className = "creatify-thumb";
      image.src = poster;
      image.alt = "";
      image.decoding = "async";
      image.width = THUMB_SIZE;
      image.height = THUMB_SIZE;
      image.referrerPolicy = "no-referrer";
      return image;
    }

    function drawnMedia(cell) {
      var link = cell.querySelector("a");
      var image = cell.querySelector("img");
      return [
        link ? link.className + " " + link.getAttribute("href") : "",
        image ? image.getAttribute("src") : "",
        cell.querySelector(".creatify-tag") ? "expired" : "",
      ].join("|");
    }

    function setMedia(cell, media) {
      var poster = linkable(media.poster);
      var target = linkable(media.url);
      var kind = media.kind === "video" || media.kind === "preview" ? media.kind : "";
      var link = null;
      var wanted = [
        target && kind ? "creatify-media-link creatify-media-link--" + kind + " " + target : "",
        poster || "",
        media.kind === "expired" ? "expired" : "",
      ].join("|");
      if (drawnMedia(cell) === wanted) {
        return; // unchanged: keep the loaded still
      }
      var nodes = [];
      if (media.kind === "expired") {
        if (poster) {
          nodes.push(thumbnail(poster));
        }
        var tag = document.createElement("span");
        tag.className = "creatify-tag creatify-tag--warning";
        tag.title = media.title || "";
        tag.textContent = media.label || "";
        nodes.push(tag);
      } else if (target && kind) {
        link = document.createElement("a");
        link.className = "creatify-media-link creatify-media-link--" + kind;
        link.href = target;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.title = media.title || "";
        if (poster) {
          link.appendChild(thumbnail(poster));
        } else {
          link.textContent = media.label || kind;
        }
        nodes.push(link);
      } else if (poster) {
        nodes.push(thumbnail(poster));
      } else {
        var empty = document.createElement("span");
        nodes.push(empty);
        setValue(empty, null);
      }
      cell.replaceChildren.apply(cell, nodes);
    }

    function apply(flow) {
      // The server's own badge class: a known status, or "other".
      var css = flow.status_css;
      var active = flow.is_finished ? "false" : "true";
      elementsFor(flow.id).forEach(function (element) {
        var role = element.getAttribute("data-creatify-role");
        if (role === "badge") {
          element.className = "creatify-badge creatify-badge--" + css;
          element.textContent = flow.status_label;
          element.setAttribute("data-creatify-active", active);
          if (flow.failed_reason) {
            element.title = flow.failed_reason;
          } else {
            element.removeAttribute("title");
          }
        } else if (role === "progress") {
          element.className = "creatify-progress creatify-progress--" + css;
          element.value = Number(flow.progress_percent) || 0;
          element.textContent = flow.progress_label;
          element.setAttribute("data-creatify-active", active);
        } else if (role === "progress-label") {
          element.textContent = flow.progress_label;
        } else if (role === "duration") {
          setValue(element, flow.duration);
        } else if (role === "credits") {
          setValue(element, flow.credits);
        } else if (role === "missing") {
          element.hidden = !flow.missing;
          element.title = flow.missing_title || "";
        } else if (role === "media" && flow.media) {
          setMedia(element, flow.media);
        }
      });
    }

    function fetchBatch(ids) {
      var separator = url.indexOf("?") >= 0 ? "&" : "?";
      return window
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
        });
    }

    function schedule() {
      if (timer === null) {
        var base = anyActive() ? interval : idleInterval;
        timer = window.setTimeout(poll, base * Math.min(Math.pow(2, failures), MAX_BACKOFF));
      }
    }

    function poll() {
      timer = null;
      var ids = idsOnScreen();
      if (!ids.length) {
        return;
      }
      if (document.hidden) {
        schedule();
        return;
      }
      var batches = [];
      for (var index = 0; index < ids.length; index += maxIds) {
        batches.push(fetchBatch(ids.slice(index, index + maxIds)));
      }
      inFlight = true;
      Promise.all(batches)
        .then(function () {
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
      if (!document.hidden && !inFlight) {
        if (timer !== null) {
          window.clearTimeout(timer);
          timer = null;
        }
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
