// The call-staff board: polls /dashboard/api/help, redraws the open requests and chimes when a new one arrives.
"use strict";
(function () {
  var EVERY_MS = 2000;
  var board = document.getElementById("help-board");
  if (!board) return;
  var seen = {};
  var audio = null;
  Array.prototype.forEach.call(document.querySelectorAll("#help-open [data-help]"), function (li) {
    seen[li.getAttribute("data-help")] = true;
  });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function chime() {
    // A two-tone chime from the Web Audio API (no sound file); counted on the board so a test can see it rang.
    board.setAttribute("data-chimes", String(Number(board.getAttribute("data-chimes")) + 1));
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [880, 660].forEach(function (hz, i) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = hz;
        gain.gain.value = 0.2;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + i * 0.25);
        osc.stop(audio.currentTime + i * 0.25 + 0.2);
      });
    } catch (e) { /* no audio device: the flashing card still shows it */ }
  }

  function card(r) {
    var li = el("li", null, "help-card open" + (seen[r.id] ? "" : " new"));
    li.setAttribute("data-help", r.id);
    li.appendChild(el("strong", r.number, "help-number"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", r.kiosk_id));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", r.location, "help-location"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "step " + r.step, "muted"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "waiting " + r.waiting_s + " s", "help-waiting"));
    if (board.getAttribute("data-operate") === "yes") {
      var form = el("form", null, "inline");
      form.method = "post";
      form.action = "/dashboard/help/" + encodeURIComponent(r.id) + "/close";
      var csrf = el("input");
      csrf.type = "hidden"; csrf.name = "csrf"; csrf.value = board.getAttribute("data-csrf");
      form.appendChild(csrf);
      var button = el("button", "I am here: close");
      button.type = "submit";
      form.appendChild(button);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(form);
    }
    return li;
  }

  function draw(data) {
    var list = document.getElementById("help-open");
    var items = document.createDocumentFragment();
    var fresh = false;
    data.open.forEach(function (r) {
      items.appendChild(card(r));
      if (!seen[r.id]) { fresh = true; seen[r.id] = true; }
    });
    if (!data.open.length) items.appendChild(el("li", "Nobody is waiting.", "muted"));
    list.replaceChildren(items);
    document.getElementById("help-open-count").textContent = data.open.length;
    document.getElementById("help-updated").textContent = data.generated_at;
    if (fresh) chime();
  }

  function poll() {
    fetch(board.getAttribute("data-refresh"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 401) { window.location = "/dashboard/login"; return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (data) { if (data) draw(data); })
      .catch(function () { /* the next round tries again */ })
      .finally(function () { setTimeout(poll, EVERY_MS); });
  }

  document.getElementById("help-sound").addEventListener("click", function () {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    audio.resume();
    this.textContent = "Chime on";
  });
  setTimeout(poll, EVERY_MS);
})();
