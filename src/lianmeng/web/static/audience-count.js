// The audience builder's live count: the unsaved rules are posted (with the form's CSRF token) to the count
// endpoint whenever a field changes; the endpoint writes nothing. No third-party code.
(function () {
  "use strict";
  var form = document.getElementById("audience-form");
  if (!form) { return; }
  var timer = null;
  var fields = { total: "live-total", marketing: "live-marketing", data_sharing: "live-sharing", refused: "live-refused" };
  var problem = document.getElementById("live-error");

  function show(data) {
    Object.keys(fields).forEach(function (key) {
      var cell = document.getElementById(fields[key]);
      if (cell) { cell.textContent = typeof data[key] === "number" ? data[key].toLocaleString("en") : "—"; }
    });
  }

  function count() {
    fetch(form.getAttribute("data-count"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var message = data.error || (data.errors ? Object.values(data.errors).join(" · ") : "");
        problem.hidden = !message;
        problem.textContent = message;
        show(message ? {} : data);
      })
      .catch(function () { show({}); });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(count, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  count();
}());
