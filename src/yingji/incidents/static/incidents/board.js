// Command board: refresh the live part every few seconds; buttons and forms with data-api post JSON to
// the API (session + CSRF) and refresh at once. Errors come back as {"error": {"message", "fields"}}.
// A dispatch button sends the vehicles ticked under its candidate; the ticks survive the refresh. The
// confirmation says what was done: the API's `message`, else the element's data-done.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) return;
  var url = live.getAttribute("data-live-url");
  var every = (parseInt(live.getAttribute("data-refresh"), 10) || 5) * 1000;
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var message = document.querySelector("[data-testid=board-message]");
  var pending = false;

  function say(text, ok) {
    message.textContent = text;
    message.className = "board-message" + (ok ? " ok" : "");
    message.hidden = !text;
  }

  function refresh() {
    if (pending) return Promise.resolve();
    pending = true;
    // Background: the poll must not keep an idle session alive (core.middleware.IdleTimeoutMiddleware).
    return fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch", "X-Yingji-Background": "1"}})
      .then(function (r) {
        if (r.redirected || !r.ok) throw new Error("刷新失败（" + r.status + "），请检查登录状态。");
        return r.text();
      })
      .then(function (html) {
        var active = document.activeElement;
        var typing = active && live.contains(active) && active.name && active.type !== "checkbox";
        if (typing) return;  // do not wipe what someone is typing
        var ticks = vehicleTicks();
        live.innerHTML = html;
        restoreTicks(ticks);
        live.setAttribute("data-refreshed", new Date().toISOString());
        document.dispatchEvent(new CustomEvent("board:refreshed"));
      })
      .catch(function (e) { say(e.message, false); })
      .then(function () { pending = false; });
  }

  // Vehicle ticks by id, kept across a refresh (a vehicle that is no longer selectable stays unticked).
  function vehicleTicks() {
    var ticks = {};
    live.querySelectorAll("input[name=vehicle]").forEach(function (box) { ticks[box.value] = box.checked; });
    return ticks;
  }

  function restoreTicks(ticks) {
    live.querySelectorAll("input[name=vehicle]").forEach(function (box) {
      if (!box.disabled && ticks.hasOwnProperty(box.value)) box.checked = ticks[box.value];
    });
  }

  function dispatchBody(button, body) {
    var force = button.getAttribute("data-dispatch");
    if (!force) return body;
    var boxes = live.querySelectorAll('input[name=vehicle][data-force="' + force + '"]:checked');
    body.vehicles = Array.prototype.map.call(boxes, function (box) { return parseInt(box.value, 10); });
    if (!body.vehicles.length && parseInt(button.getAttribute("data-needs-vehicle") || "0", 10) > 0) {
      throw new Error("请勾选要调派的车辆。");
    }
    return body;
  }

  function post(api, body, done) {
    live.classList.add("busy");
    return fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = data.error || {};
          var fields = Object.keys(err.fields || {}).map(function (k) { return err.fields[k].join("；"); });
          throw new Error(fields.length ? fields.join("；") : (err.message || ("操作失败（" + r.status + "）")));
        }
        say(data.message || done || "已完成。", true);
      });
    }).catch(function (e) { say(e.message, false); })
      .then(function () { live.classList.remove("busy"); pending = false; return refresh(); });
  }

  live.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-api]");
    if (!button) return;
    var confirmText = button.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) return;
    var body;
    try {
      body = dispatchBody(button, JSON.parse(button.getAttribute("data-body") || "{}"));
    } catch (e) { say(e.message, false); return; }
    post(button.getAttribute("data-api"), body, button.getAttribute("data-done"));
  });

  live.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, key) { body[key] = value; });
    if (document.activeElement) document.activeElement.blur();
    post(form.getAttribute("data-api"), body, form.getAttribute("data-done"));
  });

  window.setInterval(refresh, every);
})();
