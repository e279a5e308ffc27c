/* The counter's camera scan: where the browser has the BarcodeDetector API (Chrome on Android, Safari on iOS 17+
   with it enabled, ...), a "scan" button appears next to the card and coupon-code fields; it opens the back
   camera, reads the first QR or bar code it sees into the field and closes the camera. The card is then looked
   up at once; a coupon code waits for the bill. Without the API (or without a camera, or if the clerk refuses
   it), the buttons stay hidden or say so, and the fields are typed — a USB or Bluetooth scanner types too.
   Served by the app itself: no CDN, no library. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-scan-for]");
  var panel = document.getElementById("scanner");
  if (!buttons.length || !panel) { return; }
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;  /* typing is the fallback */
  }
  var video = panel.querySelector("video");
  var stop = document.getElementById("scan-stop");
  var problem = document.getElementById("scan-error");
  var WANTED = ["qr_code", "code_128", "code_39", "ean_13", "ean_8", "itf"];

  function say(text) {
    if (!problem) { return; }
    problem.textContent = text || "";
    problem.hidden = !text;
  }

  function scan(button, detector) {
    var input = document.getElementById(button.getAttribute("data-scan-for"));
    if (!input) { return; }
    say("");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
      var done = false;
      function finish(value) {
        if (done) { return; }
        done = true;
        stream.getTracks().forEach(function (track) { track.stop(); });
        video.srcObject = null;
        panel.hidden = true;
        if (value) {
          input.value = value.trim();
          if (button.hasAttribute("data-scan-submit") && input.form) {
            input.form.requestSubmit();
          } else {
            input.focus();
          }
        }
      }
      stop.onclick = function () { finish(null); };
      panel.hidden = false;
      video.srcObject = stream;
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
      (function tick() {
        if (done) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue) { finish(codes[0].rawValue); } else { setTimeout(tick, 200); }
        }).catch(function () { setTimeout(tick, 400); });  /* no frame yet */
      })();
    }).catch(function () {
      say(button.getAttribute("data-no-camera"));
    });
  }

  var ready = window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats()
    : Promise.resolve(WANTED);
  ready.then(function (formats) {
    var usable = WANTED.filter(function (f) { return formats.indexOf(f) >= 0; });
    if (usable.indexOf("qr_code") < 0) { return; }
    var detector = new window.BarcodeDetector({ formats: usable });
    buttons.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { scan(button, detector); });
    });
  }).catch(function () {});
})();
