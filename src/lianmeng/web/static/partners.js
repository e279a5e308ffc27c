// The member's partners page: "Use my location" is the way to sort the stores by distance. Where the browser can
// locate the phone, one tap reloads the page with ?lat=&lng= (nothing leaves the browser unless the member allows
// it); the typed-in coordinates stay folded away under "手动输入", and open by themselves when locating is not
// possible or fails. No CDN, no third-party map.
(function () {
  var box = document.getElementById("locate-box");
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  var manual = document.getElementById("manual");
  if (!box || !button) { return; }
  function fallBack() {
    button.disabled = false;
    status.textContent = box.getAttribute("data-failed");
    status.hidden = false;
    if (manual) { manual.open = true; }
  }
  if (!navigator.geolocation) {
    if (manual) { manual.open = true; }
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = box.getAttribute("data-busy");
    status.hidden = false;
    navigator.geolocation.getCurrentPosition(function (position) {
      var url = new URL("/m/partners", window.location.href);
      url.searchParams.set("lat", position.coords.latitude.toFixed(5));
      url.searchParams.set("lng", position.coords.longitude.toFixed(5));
      window.location.assign(url.toString());
    }, fallBack, { maximumAge: 600000, timeout: 15000 });
  });
})();
