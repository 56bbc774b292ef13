// Live lab status on a chapter page, fed by the local course server (`course start`).
// The panel goes right under the page's Lab heading; the page's folder is the lab's slug.
// EventSource reconnects by itself; served by any other server there is no panel.
// Every address is relative to the page, so the panel follows whatever port the site is on;
// the lab's own address comes from the port plan (course/engine/ports.py), through the status.
(function () {
  "use strict";

  function render(panel, status) {
    var list = document.createElement("ul");
    status.checks.forEach(function (check) {
      var item = document.createElement("li");
      item.className = "lab-status__check lab-status__check--" + check.outcome.replace(" ", "-");
      var mark = check.outcome === "passed" ? "✓ " : check.outcome === "not checked" ? "· " : "✗ ";
      item.appendChild(document.createTextNode(mark + check.id));
      if (check.lesson && check.outcome !== "passed") {
        var link = document.createElement("a");
        link.href = check.lesson;
        link.textContent = " (read)";
        item.appendChild(link);
      }
      list.appendChild(item);
    });
    var summary = document.createElement("p");
    summary.className = "lab-status__summary";
    summary.textContent = status.checked
      ? status.passing + "/" + status.total + " checks passing"
      : "not checked yet: run course check " + status.id + " or course watch";
    var where = document.createElement("p");
    where.className = "lab-status__run";
    var docs = document.createElement("a");
    docs.href = status.url + "/docs";
    docs.textContent = status.url + "/docs";
    where.append("run it in labs/" + status.slug + ": " + status.run + ", then open ", docs);
    panel.replaceChildren(summary, list, where);
    panel.dataset.lab = status.id;
    panel.dataset.passing = String(status.passing);
    panel.dataset.total = String(status.total);
    panel.classList.toggle("lab-status--done", status.checked && status.passing === status.total);
    panel.hidden = false;
  }

  function connect(panel) {
    var source = new EventSource("/api/labs/" + encodeURIComponent(panel.dataset.slug) + "/stream");
    source.onmessage = function (event) {
      panel.classList.remove("lab-status--offline");
      render(panel, JSON.parse(event.data));
    };
    source.onerror = function () {
      panel.classList.add("lab-status--offline");
    };
  }

  function addPanel() {
    var heading = document.querySelector("article h2#lab");
    var slug = location.pathname.split("/").filter(function (part) {
      return /^\d\d-/.test(part);
    })[0];
    if (!heading || !slug) return;
    var panel = document.createElement("div");
    panel.className = "lab-status";
    panel.dataset.slug = slug;
    panel.hidden = true;
    heading.after(panel);
    connect(panel);
  }

  function start() {
    if (!document.querySelector("article h2#lab")) return;
    fetch("/health/live", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (health) { if (health && health.status === "ok") addPanel(); })
      .catch(function () { /* not the course server: no live status */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
