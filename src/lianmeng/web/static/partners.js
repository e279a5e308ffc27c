// "Use my location" on the member's partners page: sort by distance from where the phone is.
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      location.href = "/m/partners?lat=" + p.coords.latitude.toFixed(5) + "&lng=" + p.coords.longitude.toFixed(5);
    });
  });
})();
