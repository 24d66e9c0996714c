// The UI frame around archived content on its own origin: follows the
// framed page as the reader clicks links, keeping the bar and the address
// bar in step.
(function () {
  "use strict";
  var frame = document.getElementById("vellum-content");
  var bar = document.getElementById("vellum-bar");
  var origin = new URL(frame.src).origin;
  window.addEventListener("message", function (ev) {
    if (ev.origin !== origin || !ev.data || ev.data.vellum !== "location") return;
    var url = String(ev.data.url || ""), ts = String(ev.data.ts || "");
    if (!/^\d{14}$/.test(ts)) return;
    var shown = document.getElementById("vellum-url");
    if (shown.title !== url) {
      // The URL may wrap after each "/", "?" and "&", as the server wrote it.
      shown.textContent = "";
      url.split(/(?<=[\/?&])(?=[^\/])/).forEach(function (part, i) {
        if (i > 0) shown.appendChild(document.createElement("wbr"));
        shown.appendChild(document.createTextNode(part));
      });
      shown.title = url;
    }
    document.getElementById("vellum-when").textContent =
      ts.slice(0, 4) + "-" + ts.slice(4, 6) + "-" + ts.slice(6, 8) + " " + ts.slice(8, 10) + ":" + ts.slice(10, 12) + ":" + ts.slice(12, 14) + " UTC";
    document.getElementById("vellum-all").href = "/web/*/" + url;
    // Previous, next, compare and screenshot are the first capture's: hidden
    // on another page's.
    var other = url !== bar.dataset.url || ts !== bar.dataset.ts;
    Array.prototype.forEach.call(bar.querySelectorAll("a.this"), function (a) { a.hidden = other; });
    document.title = url + " · Vellum";
    history.replaceState(null, "", "/web/" + ts + "/" + url);
  });
})();
