// Intake: pre-fill "是否在生产经营活动中发生" (493号令第二条) from the event class as soon as one is chosen,
// until the duty officer answers it. Defaults per 细类 → 类 → 大类 come from the select's data-defaults
// (standards/data/order493_scope.csv); the server fills the same default when the answer is left blank.
(function () {
  "use strict";
  var select = document.querySelector("select[data-production-defaults]");
  if (!select) return;
  var defaults = JSON.parse(select.getAttribute("data-production-defaults"));
  var hint = select.parentNode.querySelector("[data-production-hint]");
  var answered = select.value !== "";
  select.addEventListener("change", function () { answered = true; if (hint) hint.hidden = true; });

  function fill(code) {
    code = (code || "").trim().toUpperCase();
    if (answered || code.length !== 5) return;
    var keys = [code, code.slice(0, 3) + "00", code.slice(0, 2) + "000"];
    for (var i = 0; i < keys.length; i++) {
      if (defaults[keys[i]]) {
        select.value = defaults[keys[i]];
        if (hint) { hint.textContent = "已按事件类型预填，请核实"; hint.hidden = false; }
        return;
      }
    }
  }
  // Delegated, so a searchable picker that replaces the event-type select still triggers it.
  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "event_code") fill(event.target.value);
  });
  var current = document.querySelector("[name=event_code]");
  if (current && !select.form.querySelector("[name=reason]")) fill(current.value);  // intake only
})();
