// Event-type picker: turns the plain GB/T 35561 <select data-event-picker> (~375 options, kept in the page
// and still the one submitted) into a search box with a filtered, grouped list. A query matches a code
// prefix ("11B"), a name substring ("暴雨") or the pinyin initials ("by" → 暴雨事件, "slhz" → 森林火灾),
// which the server computes once and ships on each option (data-py). ↑↓ move, Enter picks, Esc closes.
(function () {
  "use strict";
  var counter = 0;

  function itemsOf(select) {
    var items = [];
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var currentClass = null;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        if (!option.value) return;
        var item = {code: option.value, name: option.getAttribute("data-name") || option.textContent.trim(),
                    level: option.getAttribute("data-level") || "", py: option.getAttribute("data-py") || "",
                    top: group.label, parent: null};
        if (item.level === "细类") item.parent = currentClass; else currentClass = item;
        items.push(item);
      });
    });
    return items;
  }

  function matches(item, query) {
    if (!query) return true;
    if (item.code.indexOf(query.toUpperCase()) === 0 || item.name.indexOf(query) >= 0) return true;
    var letters = query.toLowerCase();
    if (!/^[a-z]+$/.test(letters)) return false;
    // Initials anywhere in the name from three letters on ("slhz" → 境内森林火灾事件); one or two letters match
    // the start only, else "by" would list every name with 病因 or 暴雨 somewhere inside.
    var at = item.py.indexOf(letters);
    return at === 0 || (at > 0 && letters.length >= 3);
  }

  function build(select) {
    var id = select.id || ("event-picker-" + (++counter));
    var items = itemsOf(select);
    var byCode = {};
    items.forEach(function (item) { byCode[item.code] = item; });

    var box = document.createElement("div");
    box.className = "event-picker";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-search";
    input.className = "event-picker-input";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("placeholder", "输入代码、名称或拼音首字母查找，如 11B、暴雨、slhz");
    input.setAttribute("data-testid", "event-picker-input");
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "event-picker-toggle";
    toggle.tabIndex = -1;
    toggle.setAttribute("aria-label", "展开事件类型列表");
    toggle.innerHTML = "<span aria-hidden=\"true\">▾</span>";
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "event-picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "event-picker-status";
    status.setAttribute("aria-live", "polite");
    box.appendChild(input);
    box.appendChild(toggle);
    box.appendChild(list);
    box.appendChild(status);
    select.parentNode.insertBefore(box, select);

    // The label now names the search box; the select stays as what the form submits.
    var label = select.form && select.form.querySelector("label[for='" + select.id + "']");
    if (label) {
      label.htmlFor = input.id;
      list.setAttribute("aria-label", label.textContent.replace("*", "").trim());
    } else {
      input.setAttribute("aria-label", "事件类型");
      list.setAttribute("aria-label", "事件类型");
    }
    if (select.getAttribute("aria-invalid") === "true" || select.closest(".has-error")) {
      input.setAttribute("aria-invalid", "true");
    }
    // Visually hidden, not display:none: scripts and tests that set the select directly keep working.
    select.classList.add("event-picker-native");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;

    var shown = [];  // the option <li>s currently listed, in order
    var active = -1;

    function text(item) { return item ? item.code + " " + item.name : ""; }
    function showSelected() { input.value = text(byCode[select.value]); }

    function option(item, context) {
      var li = document.createElement("li");
      li.id = id + "-opt-" + item.code;
      li.setAttribute("role", "option");
      li.setAttribute("data-code", item.code);
      li.className = "event-picker-option " + (item.level === "细类" ? "is-detail" : "is-class") +
        (context ? " is-context" : "");
      li.setAttribute("aria-selected", item.code === select.value ? "true" : "false");
      var code = document.createElement("span");
      code.className = "event-picker-code";
      code.textContent = item.code;
      var name = document.createElement("span");
      name.className = "event-picker-name";
      name.textContent = item.name;
      li.appendChild(code);
      li.appendChild(name);
      return li;
    }

    function render(query) {
      query = (query || "").trim();
      list.textContent = "";
      shown = [];
      var hits = items.filter(function (item) { return matches(item, query); });
      var wanted = {};
      hits.forEach(function (item) {
        wanted[item.code] = "hit";
        if (item.parent && !wanted[item.parent.code]) wanted[item.parent.code] = "context";  // its 类 as heading
      });
      var top = null;
      items.forEach(function (item) {
        if (!wanted[item.code]) return;
        if (item.top !== top) {
          top = item.top;
          var heading = document.createElement("li");
          heading.className = "event-picker-group";
          heading.setAttribute("role", "presentation");
          heading.textContent = top;
          list.appendChild(heading);
        }
        var li = option(item, wanted[item.code] === "context");
        list.appendChild(li);
        shown.push(li);
      });
      if (!hits.length) {
        var none = document.createElement("li");
        none.className = "event-picker-empty";
        none.setAttribute("role", "presentation");
        none.textContent = "没有匹配的事件类型";
        list.appendChild(none);
      }
      status.textContent = query ? "找到 " + hits.length + " 项" : "";
      var first = shown.findIndex(function (li) { return !li.classList.contains("is-context"); });
      var current = shown.findIndex(function (li) { return li.getAttribute("data-code") === select.value; });
      highlight(query ? first : current);
    }

    function highlight(index) {
      if (active >= 0 && shown[active]) shown[active].classList.remove("is-active");
      active = index;
      if (active >= 0 && shown[active]) {
        shown[active].classList.add("is-active");
        input.setAttribute("aria-activedescendant", shown[active].id);
        shown[active].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(query) {
      render(query);
      list.hidden = false;
      box.classList.add("is-open");
      input.setAttribute("aria-expanded", "true");
    }

    function close(restore) {
      list.hidden = true;
      box.classList.remove("is-open");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      if (restore) showSelected();
    }

    function choose(code) {
      if (select.value !== code) {
        select.value = code;
        select.dispatchEvent(new Event("change", {bubbles: true}));  // production.js listens
      }
      showSelected();
      close(false);
    }

    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("click", function () { if (list.hidden) open(""); });
    input.addEventListener("input", function () { open(input.value); });
    input.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { open(""); return; }
        var step = key === "ArrowDown" ? 1 : -1;
        var next = active < 0 ? (step > 0 ? 0 : shown.length - 1) : active + step;
        highlight(Math.max(0, Math.min(shown.length - 1, next)));
      } else if (key === "Enter") {
        if (!list.hidden) {
          event.preventDefault();  // picks; never submits the form half-filled
          if (active >= 0 && shown[active]) choose(shown[active].getAttribute("data-code"));
        }
      } else if (key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(true); }
      } else if (key === "Tab") {
        close(true);
      }
    });
    input.addEventListener("blur", function () {
      if (!input.value.trim() && select.value) {  // the box emptied on purpose: no event type chosen
        select.value = "";
        select.dispatchEvent(new Event("change", {bubbles: true}));
      }
      close(true);
    });
    // mousedown, not click: the input keeps its focus (no blur that would close the list first).
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
      var li = event.target.closest("[role=option]");
      if (li) choose(li.getAttribute("data-code"));
    });
    toggle.addEventListener("mousedown", function (event) {
      event.preventDefault();
      if (list.hidden) { input.focus(); open(""); } else { close(true); }
    });
    select.addEventListener("change", showSelected);  // set by other scripts
    showSelected();
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-event-picker]"), build);
})();
