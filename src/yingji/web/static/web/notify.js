// The bell in the page header (core/notifications.py): polls what is waiting for the user, shows the count on
// the bell and in the tab title, lists it in a dropdown, and when something new arrives shows a toast, plays a
// short beep if the user turned sound on, and fetches again the parts of the page that list it.
// Every poll sends X-Yingji-Background: a screen left open is not user activity (core/middleware.py).
(function () {
  "use strict";
  var SOUND_KEY = "yingji.notify.sound";
  var SEEN_KEY = "yingji.notify.seen";
  var HIDDEN_FACTOR = 3, HIDDEN_MIN_S = 60, MAX_BACKOFF_S = 300, MAX_TOASTS = 3, TOAST_MS = 60000;
  // An item that arrived this long before the previous poll still counts as new (its transaction may have
  // committed after that poll read).
  var COMMIT_MARGIN_MS = 5 * 60000;
  var BACKGROUND = { "X-Yingji-Background": "1", "Accept": "application/json" };

  function init() {
    var root = document.querySelector("[data-notify]");
    if (!root || !window.fetch) return;
    var button = root.querySelector(".notify-bell");
    var badge = root.querySelector(".notify-count");
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    var list = panel.querySelector(".notify-list");
    var soundBox = panel.querySelector("[data-testid=notify-sound]");
    var toasts = document.querySelector(".notify-toasts");
    var seconds = Math.max(1, parseInt(root.getAttribute("data-seconds"), 10) || 20);
    var baseTitle = document.title;
    var seen = loadSeen(), counts = null, timer = null, failures = 0, stopped = false, audio = null;

    // --- polling -------------------------------------------------------------------------------
    function delay() {
      if (failures) return Math.min(MAX_BACKOFF_S, seconds * Math.pow(2, failures));
      // A hidden tab asks less often: about once a minute, still soon enough for the beep at night (browsers
      // throttle the timers of hidden tabs to about that anyway); shown again, it asks at once.
      return document.visibilityState === "hidden" ? Math.max(seconds * HIDDEN_FACTOR, HIDDEN_MIN_S) : seconds;
    }
    function schedule() {
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(poll, delay() * 1000);
    }
    function poll() {
      clearTimeout(timer);
      fetch(root.getAttribute("data-url"), { headers: BACKGROUND, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 401 || response.status === 403) { loggedOut(); return null; }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (!data) return;
          failures = 0;
          root.classList.remove("notify-stale");
          if (data.poll_seconds) seconds = Math.max(1, data.poll_seconds);
          update(data);
        })
        .catch(function () {
          failures += 1;
          root.classList.add("notify-stale");
          button.title = "通知暂时无法获取，稍后自动重试";
        })
        .then(schedule);
    }
    function loggedOut() {
      stopped = true;
      root.classList.add("notify-stale");
      badge.hidden = false;
      badge.textContent = "!";
      button.title = "登录已超时，通知已停止";
      list.textContent = "";
      var p = el("p", "notify-empty", "登录已超时或已退出，通知已停止。");
      var again = el("a", "", "重新登录");
      again.href = "/login/?next=" + encodeURIComponent(location.pathname + location.search);
      p.appendChild(document.createTextNode(" "));
      p.appendChild(again);
      list.appendChild(p);
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && !stopped) poll();
      else schedule();
    });

    // --- what changed --------------------------------------------------------------------------
    // `seen`: {ids: {item id: 1}, now: server time of the previous poll}, null before the first one.
    function isNew(item) {
      if (!seen || seen.ids[item.id]) return false;
      return !item.since || Date.parse(item.since) > Date.parse(seen.now) - COMMIT_MARGIN_MS;
    }
    function update(data) {
      var fresh = [], changed = [], ids = {};
      data.sources.forEach(function (source) {
        var rose = counts && source.count > (counts[source.key] || 0);
        var before = fresh.length;
        source.items.forEach(function (item) {
          ids[item.id] = 1;
          if (isNew(item)) fresh.push(item);
        });
        if (rose && fresh.length === before) {
          // More than the listed items arrived (or an older one came back): say so without a title.
          fresh.push({ kind: source.label, title: "现有 " + source.count + " 条", url: source.url });
        }
        if (counts && (source.count !== counts[source.key] || fresh.length > before)) changed.push(source);
      });
      counts = {};
      data.sources.forEach(function (source) { counts[source.key] = source.count; });
      seen = { ids: ids, now: data.now };
      saveSeen(seen);
      render(data);
      if (fresh.length) {
        fresh.slice(0, MAX_TOASTS).forEach(toast);
        if (soundOn()) beep();
      }
      changed.forEach(refreshParts);
    }

    // --- badge, title and dropdown -------------------------------------------------------------
    function render(data) {
      var total = data.total || 0;
      badge.hidden = total === 0;
      badge.textContent = total > 99 ? "99+" : String(total);
      button.setAttribute("aria-label", total ? "通知：" + total + " 项待处理" : "通知：暂无待处理事项");
      button.title = total ? total + " 项待处理" : "暂无待处理事项";
      root.classList.toggle("notify-has", total > 0);
      document.title = total ? "(" + (total > 99 ? "99+" : total) + ") " + baseTitle : baseTitle;

      list.textContent = "";
      if (!data.sources.length) list.appendChild(el("p", "notify-empty muted", "您的角色没有需要提醒的事项。"));
      data.sources.forEach(function (source) {
        var section = el("section", "notify-source");
        section.setAttribute("data-source", source.key);
        var head = el("a", "notify-source-head");
        head.href = source.url;
        head.appendChild(el("span", "", source.label));
        head.appendChild(el("span", "tag" + (source.count ? " warn" : ""), String(source.count)));
        section.appendChild(head);
        if (source.items.length) {
          var ul = el("ul", "notify-items");
          source.items.forEach(function (item) {
            var li = el("li"), a = el("a");
            a.href = item.url;
            a.appendChild(el("span", "notify-item-title", item.title));
            if (item.note) a.appendChild(el("span", "notify-item-note muted small", item.note));
            li.appendChild(a);
            ul.appendChild(li);
          });
          section.appendChild(ul);
          if (source.count > source.items.length) {
            var more = el("a", "notify-more small", "全部 " + source.count + " 条 →");
            more.href = source.url;
            section.appendChild(more);
          }
        } else {
          section.appendChild(el("p", "notify-none muted small", "无"));
        }
        list.appendChild(section);
      });
    }

    function toast(item) {
      if (!toasts) return;
      while (toasts.children.length >= MAX_TOASTS) toasts.removeChild(toasts.firstChild);
      var box = el("div", "notify-toast");
      box.setAttribute("role", "status");
      var link = el("a", "", item.kind + "：" + item.title);
      link.href = item.url;
      box.appendChild(link);
      var close = el("button", "notify-toast-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "关闭提示");
      close.addEventListener("click", function () { box.remove(); });
      box.appendChild(close);
      toasts.appendChild(box);
      setTimeout(function () { box.remove(); }, TOAST_MS);
    }

    // The page lists these records (the inbox, the home cards): fetch it again in the background and swap the
    // parts the source names, so no reload interrupts what the user is doing and no form is touched.
    function refreshParts(source) {
      var selectors = (source.refresh || {})[location.pathname];
      if (!selectors || !selectors.length) return;
      fetch(location.href, { headers: { "X-Yingji-Background": "1" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          selectors.forEach(function (selector) {
            var now = document.querySelectorAll(selector), next = doc.querySelectorAll(selector);
            if (now.length !== next.length) return;
            for (var i = 0; i < now.length; i++) {
              if (now[i].contains(document.activeElement) && document.activeElement.form) continue;
              now[i].replaceWith(document.importNode(next[i], true));
            }
          });
          document.dispatchEvent(new CustomEvent("yingji:refreshed", { detail: { source: source.key } }));
        })
        .catch(function () { /* the next change tries again */ });
    }

    // --- the dropdown: a disclosure button, Escape and a click outside close it --------------------
    function setOpen(open, returnFocus) {
      panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = list.querySelector("a") || soundBox;
        if (first) first.focus({ preventScroll: true });
      } else if (returnFocus) {
        button.focus();
      }
    }
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      setOpen(panel.hidden, false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) setOpen(false, true);
    });
    document.addEventListener("click", function (event) {
      if (!panel.hidden && !root.contains(event.target)) setOpen(false, false);
    });
    // Tabbing out of the dropdown closes it (it would otherwise cover the page the keyboard user moved on to).
    root.addEventListener("focusout", function (event) {
      if (!panel.hidden && event.relatedTarget && !root.contains(event.relatedTarget)) setOpen(false, false);
    });

    // --- sound: off unless the user turns it on (the click is the gesture browsers want for audio) ---
    function soundOn() {
      try { return localStorage.getItem(SOUND_KEY) === "1"; } catch (e) { return false; }
    }
    function audioContext() {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return null;
      if (!audio) audio = new Context();
      if (audio.state === "suspended") audio.resume();
      return audio;
    }
    function beep() {
      var context = audioContext();
      if (!context) return;
      [0, 0.25].forEach(function (at) { // two short tones
        var osc = context.createOscillator(), gain = context.createGain(), start = context.currentTime + at;
        osc.type = "sine";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
        osc.connect(gain).connect(context.destination);
        osc.start(start);
        osc.stop(start + 0.2);
      });
      root.setAttribute("data-beeped", String((parseInt(root.getAttribute("data-beeped"), 10) || 0) + 1));
    }
    soundBox.checked = soundOn();
    soundBox.addEventListener("change", function () {
      try { localStorage.setItem(SOUND_KEY, soundBox.checked ? "1" : "0"); } catch (e) { /* private mode */ }
      if (soundBox.checked) beep(); // a sample, and it unlocks audio for this page
    });
    // Sound was turned on in an earlier page: the first key or click on this one unlocks audio.
    function unlock() {
      if (soundOn()) audioContext();
      document.removeEventListener("pointerdown", unlock);
      document.removeEventListener("keydown", unlock);
    }
    document.addEventListener("pointerdown", unlock);
    document.addEventListener("keydown", unlock);

    // --- what this tab has already announced (kept across page loads, so a report arriving while the user
    // moves from page to page is still announced once) ---------------------------------------------
    function loadSeen() {
      try {
        var value = JSON.parse(sessionStorage.getItem(SEEN_KEY) || "null");
        return value && value.ids && value.now ? value : null;
      } catch (e) { return null; }
    }
    function saveSeen(value) {
      try { sessionStorage.setItem(SEEN_KEY, JSON.stringify(value)); } catch (e) { /* private mode */ }
    }

    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }

    poll();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
