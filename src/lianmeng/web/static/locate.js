/* "Nearest first": on a click, ask the browser for its location once and reload the page with ?lat=&lng=, so the
   server sorts the stores by distance. Nothing leaves the browser unless the visitor allows it. No CDN. */
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", position.coords.latitude.toFixed(5));
      url.searchParams.set("lng", position.coords.longitude.toFixed(5));
      window.location.assign(url.toString());
    }, function () {
      button.disabled = false;
    }, { maximumAge: 600000, timeout: 15000 });
  });
})();
