// Auto-refresh for the dashboard: fetch the page's JSON every few seconds and redraw its rows (no build step).
"use strict";
(function () {
  var EVERY_MS = 3000;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function kioskRow(k) {
    var tr = el("tr", null, "health-" + k.colour);
    tr.id = "kiosk-" + k.kiosk_id;
    tr.setAttribute("data-colour", k.colour);
    var health = el("td");
    health.appendChild(el("span", null, "dot " + k.colour));
    health.appendChild(document.createTextNode(k.colour));
    tr.appendChild(health);
    var name = el("td"), link = el("a", k.kiosk_id);
    link.href = "/dashboard/kiosks/" + encodeURIComponent(k.kiosk_id);
    name.appendChild(link);
    tr.appendChild(name);
    tr.appendChild(el("td", k.site_kind));
    var beat = el("td", k.last_heartbeat);
    beat.title = k.last_heartbeat_at || "";
    tr.appendChild(beat);
    var devices = el("td");
    k.devices.forEach(function (d) {
      devices.appendChild(el("span", d.name + ": " + d.status, "dev " + d.status));
      devices.appendChild(document.createTextNode(" "));
    });
    tr.appendChild(devices);
    var stock = el("td");
    Object.keys(k.stock).forEach(function (key) {
      stock.appendChild(el("span", key + ": " + k.stock[key], "stock"));
      stock.appendChild(document.createTextNode(" "));
    });
    tr.appendChild(stock);
    tr.appendChild(el("td", k.outbox_depth === null ? "" : k.outbox_depth));
    tr.appendChild(el("td", k.service));
    tr.appendChild(el("td", k.problems.join("; ")));
    return tr;
  }

  function drawFleet(data) {
    var body = document.getElementById("kiosk-rows");
    var rows = document.createDocumentFragment();
    data.kiosks.forEach(function (k) { rows.appendChild(kioskRow(k)); });
    body.replaceChildren(rows);
    Object.keys(data.counts).forEach(function (colour) {
      var node = document.querySelector('[data-count="' + colour + '"]');
      if (node) node.textContent = data.counts[colour];
    });
    document.getElementById("alert-count").textContent = data.unacknowledged_alerts;
    document.getElementById("updated").textContent = data.generated_at;
  }

  function drawKiosk(data) {
    var k = data.kiosk;
    var dot = document.getElementById("kiosk-colour");
    dot.className = "dot " + k.colour;
    dot.setAttribute("data-colour", k.colour);
    document.getElementById("last-heartbeat").textContent = k.last_heartbeat;
    document.getElementById("service").textContent = k.service;
    var devices = document.getElementById("devices");
    devices.replaceChildren();
    k.devices.forEach(function (d) {
      devices.appendChild(el("li", d.name + ": " + d.status + (d.reason ? " (" + d.reason + ")" : ""), "dev " + d.status));
    });
    var problems = document.getElementById("problems");
    problems.replaceChildren();
    if (!k.problems.length) problems.appendChild(el("li", "none", "muted"));
    k.problems.forEach(function (p) { problems.appendChild(el("li", p)); });
    var body = document.getElementById("command-rows");
    body.replaceChildren();
    data.commands.forEach(function (c) {
      var tr = el("tr");
      tr.setAttribute("data-command", c.command_id);
      tr.setAttribute("data-status", c.status);
      tr.appendChild(el("td", c.created_at));
      tr.appendChild(el("td", c.kind));
      tr.appendChild(el("td", c.message));
      tr.appendChild(el("td", c.status, "status " + c.status));
      tr.appendChild(el("td", c.done_at || ""));
      var detail = el("td", c.detail);
      if (c.has_log) {
        var link = el("a", "log");
        link.href = "/dashboard/commands/" + encodeURIComponent(c.command_id) + "/log";
        detail.appendChild(document.createTextNode(" "));
        detail.appendChild(link);
      }
      tr.appendChild(detail);
      body.appendChild(tr);
    });
  }

  function poll(url, draw) {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 401) { window.location = "/dashboard/login"; return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (data) { if (data) draw(data); })
      .catch(function () { /* the next round tries again */ })
      .finally(function () { setTimeout(function () { poll(url, draw); }, EVERY_MS); });
  }

  var fleet = document.querySelector("table.kiosks[data-refresh]");
  if (fleet) setTimeout(function () { poll(fleet.getAttribute("data-refresh"), drawFleet); }, EVERY_MS);
  var kiosk = document.getElementById("kiosk-detail");
  if (kiosk) setTimeout(function () { poll(kiosk.getAttribute("data-refresh"), drawKiosk); }, EVERY_MS);
})();
