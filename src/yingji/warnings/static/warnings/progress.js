/* Delivery progress on the warning page: while a send runs ([data-progress][data-running="1"]), ask the page's
   progress URL every few seconds and update the counts per channel (queued/sent/delivered/failed) and the bars,
   without a reload. Stops when the answer says nothing is running any more. The request is marked as
   background, so an idle session still times out (core.middleware.IdleTimeoutMiddleware). */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) return;
  var url = box.getAttribute("data-progress");
  var every = Math.max(1, parseInt(box.getAttribute("data-seconds") || "3", 10)) * 1000;
  var status = box.querySelector("[data-testid=progress-status]");
  var KINDS = ["queued", "sent", "delivered", "failed"];

  function set(row, kind, value, total) {
    var cell = row.querySelector("[data-count=" + kind + "]");
    if (cell) cell.textContent = String(value);
    var bar = row.querySelector(".p-" + kind);
    if (bar) bar.style.width = (total ? (100 * value / total) : 0).toFixed(1) + "%";
  }

  function apply(data) {
    (data.channels || []).forEach(function (channel) {
      var row = box.querySelector('[data-channel="' + channel.channel + '"]');
      if (!row) return;
      KINDS.forEach(function (kind) { set(row, kind, channel[kind] || 0, channel.total || 0); });
      var total = row.querySelector("[data-count=total]");
      if (total) total.textContent = String(channel.total || 0);
    });
    box.setAttribute("data-running", data.running ? "1" : "0");
    if (status) status.textContent = data.running ? "正在发送，每 " + every / 1000 + " 秒自动刷新…" : "发送已结束。";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", "X-Yingji-Background": "1" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        apply(data);
        if (data.running) setTimeout(poll, every);
      })
      .catch(function () {
        if (status) status.textContent = "进度获取失败，稍后重试…";
        setTimeout(poll, every * 2);
      });
  }
  if (box.getAttribute("data-running") === "1") setTimeout(poll, every);
})();
