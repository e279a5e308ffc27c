/* Joint-card forms: "add a tier" / "add a component row" add the row in place (from the page's <template>s) instead
   of posting the form back; without JS the same buttons post it and the server answers with one more row, keeping
   what was typed. Served by the app itself: no CDN, no library. */
(function () {
  "use strict";
  var tierTemplate = document.getElementById("tier-template");
  var componentTemplate = document.getElementById("component-template");
  var forms = document.getElementById("tier-forms");
  if (!tierTemplate || !componentTemplate || !forms) { return; }

  function counter(name) { return document.querySelector('input[data-count-for="' + name + '"]'); }

  function addComponent(tier) {
    var count = counter("t" + tier);
    var rows = document.querySelector('tbody[data-rows-for="t' + tier + '"]');
    if (!count || !rows) { return; }
    var index = parseInt(count.value, 10) || 0;
    if (index >= 20) { return; }
    var holder = document.createElement("table");
    holder.innerHTML = "<tbody>" + componentTemplate.innerHTML.split("__T__").join(String(tier))
      .split("__C__").join(String(index)) + "</tbody>";
    var row = holder.querySelector("tr");
    rows.appendChild(row);
    count.value = String(index + 1);
    var first = row.querySelector("select, input");
    if (first) { first.focus(); }
  }

  function addTier() {
    var count = counter("tiers");
    if (!count) { return; }
    var index = parseInt(count.value, 10) || 0;
    if (index >= 10) { return; }
    var holder = document.createElement("div");
    holder.innerHTML = tierTemplate.innerHTML.split("__T__").join(String(index));
    var section = holder.querySelector("section");
    forms.appendChild(section);
    count.value = String(index + 1);
    var name = section.querySelector('input[type="text"]');
    if (name) { name.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-add]") : null;
    if (!button) { return; }
    event.preventDefault();
    var what = button.getAttribute("data-add");
    if (what === "tier") { addTier(); } else { addComponent(what.slice(1)); }
  });
}());
