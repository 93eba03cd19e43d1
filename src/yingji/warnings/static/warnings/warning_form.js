/* The draft form: the level select offers only the levels the chosen event allows (the #restricted-levels table:
   events of the national warning signals that have fewer than four levels; the service checks again). */
(function () {
  "use strict";
  var table = document.getElementById("restricted-levels");
  var event = document.getElementById("id_event_code"), level = document.getElementById("id_level");
  var hint = document.querySelector("[data-testid=level-hint]");
  if (!table || !event || !level) return;
  var restricted = JSON.parse(table.textContent);
  function apply() {
    var allowed = restricted[event.value];
    Array.prototype.forEach.call(level.options, function (option) {
      if (!option.value) return;
      option.disabled = !!allowed && allowed.indexOf(parseInt(option.value, 10)) < 0;
    });
    if (hint) {
      hint.textContent = allowed ? "该事件可发布的级别：" + allowed.map(function (n) {
        return level.querySelector('option[value="' + n + '"]').textContent;
      }).join("、") + "。" : "";
    }
    if (level.selectedOptions.length && level.selectedOptions[0].disabled) level.value = "";
  }
  event.addEventListener("change", apply);
  apply();
})();
