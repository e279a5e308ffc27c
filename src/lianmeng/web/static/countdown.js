// A group's countdown (拼团倒计时) ticks down on the page; the server's words are right when the page is rendered,
// this only keeps them right while it stays open. The words come from the page's data- attributes (zh-CN or en).
(function () {
  "use strict";
  var el = document.getElementById("group-countdown");
  if (!el || !el.dataset.deadline) {
    return;
  }
  var deadline = Date.parse(el.dataset.deadline);
  function tick() {
    var minutes = Math.floor((deadline - Date.now()) / 60000);
    if (minutes <= 0) {
      el.textContent = el.dataset.over;
      return;
    }
    var hours = Math.floor(minutes / 60);
    var words = hours ? el.dataset.hours : el.dataset.minutes;
    el.textContent = words.replace("{h}", String(hours)).replace("{m}", String(minutes % 60));
  }
  window.setInterval(tick, 30000);
})();
