// Vellum's capture banner: a small fixed bar in a shadow root, so the
// archived page's CSS cannot reach it and it takes no room in the layout.
(function () {
  "use strict";
  var cfg = window.__vellum && window.__vellum.banner;
  if (!cfg || window.top !== window || sessionStorage.getItem("vellum-banner-closed")) return;
  function show() {
    if (document.querySelector("vellum-banner")) return;
    var host = document.createElement("vellum-banner");
    host.style.cssText = "all: initial; position: fixed; z-index: 2147483647; right: 12px; bottom: 12px;";
    var root = host.attachShadow({ mode: "closed" });
    var bar = document.createElement("div");
    bar.setAttribute("role", "note");
    bar.style.cssText = "font: 13px/1.4 system-ui, sans-serif; background: rgba(36,52,71,.95); color: #fff;" +
      "padding: 6px 10px; border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.3); max-width: 520px;";
    function link(text, href) {
      var a = document.createElement("a");
      a.textContent = text; a.href = href; a.target = "_top";
      a.style.cssText = "color: #cfe3ff; margin-left: 8px;";
      return a;
    }
    var label = document.createElement("span");
    label.textContent = "Archived " + cfg.date + " · " + cfg.original;
    label.style.cssText = "display: inline-block; max-width: 300px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom;";
    bar.appendChild(label);
    if (cfg.prev) bar.appendChild(link("← prev", cfg.prev));
    bar.appendChild(link("all captures", cfg.calendar));
    if (cfg.next) bar.appendChild(link("next →", cfg.next));
    if (cfg.screenshot) bar.appendChild(link("screenshot", cfg.screenshot));
    var close = document.createElement("button");
    close.textContent = "×"; close.title = "Hide this bar";
    close.style.cssText = "margin-left: 10px; background: none; border: 0; color: #fff; font-size: 16px; cursor: pointer;";
    close.onclick = function () { sessionStorage.setItem("vellum-banner-closed", "1"); host.remove(); };
    bar.appendChild(close);
    root.appendChild(bar);
    document.documentElement.appendChild(host);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show); else show();
})();
