// Command board: refresh the live part every few seconds; buttons and forms with data-api post JSON to
// the API (session + CSRF) and refresh at once. Errors come back as {"error": {"message", "fields"}}.
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
        var focused = document.activeElement && live.contains(document.activeElement) && document.activeElement.name;
        if (focused) return;  // do not wipe what someone is typing
        live.innerHTML = html;
        live.setAttribute("data-refreshed", new Date().toISOString());
        document.dispatchEvent(new CustomEvent("board:refreshed"));
      })
      .catch(function (e) { say(e.message, false); })
      .then(function () { pending = false; });
  }

  function post(api, body) {
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
        say("已完成。", true);
      });
    }).catch(function (e) { say(e.message, false); })
      .then(function () { live.classList.remove("busy"); pending = false; return refresh(); });
  }

  live.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-api]");
    if (!button) return;
    var confirmText = button.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) return;
    post(button.getAttribute("data-api"), JSON.parse(button.getAttribute("data-body") || "{}"));
  });

  live.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, key) { body[key] = value; });
    if (document.activeElement) document.activeElement.blur();
    post(form.getAttribute("data-api"), body);
  });

  window.setInterval(refresh, every);
})();
