/* Hazard form (safety/hazard_form.html): the 重大事故隐患判定标准 items are offered for the chosen enterprise's
   监管类别 only, and the criterion fields show for a 重大事故隐患 only — the item list where the category has one,
   the written basis (判定依据) where it has none (or for a public place). The service checks the same rules. */
(function () {
  "use strict";
  var configNode = document.getElementById("hazard-form-config");
  var grade = document.getElementById("id_grade"), criterion = document.getElementById("id_criterion");
  if (!configNode || !grade || !criterion) return;
  var config = JSON.parse(configNode.textContent);
  var enterprise = document.getElementById("id_enterprise");
  var basis = document.getElementById("id_criterion_basis");

  function row(input) { return input ? input.closest(".field") : null; }
  function show(input, visible) { var r = row(input); if (r) r.hidden = !visible; }

  function update() {
    var category = enterprise && enterprise.value ? config.enterprises[enterprise.value] || "" : "";
    var offered = 0;
    Array.prototype.forEach.call(criterion.querySelectorAll("option"), function (option) {
      if (!option.value) return;
      var fits = (config.criteria[option.value] || []).indexOf(category) >= 0;
      option.hidden = option.disabled = !fits;
      if (fits) offered += 1;
    });
    Array.prototype.forEach.call(criterion.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([disabled])");
    });
    if (criterion.selectedOptions.length && criterion.selectedOptions[0].disabled) criterion.value = "";
    var major = grade.value === "major";
    show(criterion, major && offered > 0);
    show(basis, major && offered === 0);
  }
  grade.addEventListener("change", update);
  if (enterprise) enterprise.addEventListener("change", update);
  update();
})();
