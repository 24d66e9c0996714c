// Vellum's capture bar when archived pages share the UI's origin
// (--unsafe-single-origin): a full-width bar at the top of the page, the
// same as the framed UI's, in a closed shadow root so the archived page's
// CSS cannot reach it. It sits in the flow just before the body, so it
// pushes the page down rather than covering it.
(function () {
  "use strict";
  var cfg = window.__vellum && window.__vellum.banner;
  if (!cfg || window.top !== window || sessionStorage.getItem("vellum-banner-closed")) return;
  var css = {
    bar: "display: flex; flex-wrap: wrap; align-items: center; gap: 4px 16px; box-sizing: border-box; width: 100%;" +
      "position: relative; margin: 0; padding: 6px 36px 6px 12px; background: #243447; color: #fff; font: 14px/1.4 system-ui, sans-serif; text-align: left;",
    brand: "color: #fff; font-weight: bold; letter-spacing: .05em; text-decoration: none;",
    capture: "display: flex; flex-direction: column; flex: 1 1 16em; min-width: 0;",
    url: "font-family: ui-monospace, monospace; font-size: 13px; overflow-wrap: anywhere; overflow: hidden;" +
      "display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2;",
    nav: "display: flex; flex-wrap: wrap; gap: 4px 12px;",
    link: "color: #cfe3ff;"
  };
  function el(tag, style, text) {
    var e = document.createElement(tag);
    e.style.cssText = style;
    if (text) e.textContent = text;
    return e;
  }
  function link(text, href, rel) {
    var a = el("a", css.link, text);
    a.href = href; a.target = "_top";
    if (rel) a.rel = rel;
    return a;
  }
  function show() {
    if (document.querySelector("vellum-banner") || !document.body) return;
    var host = document.createElement("vellum-banner");
    host.style.cssText = "all: initial; display: block; position: relative; z-index: 2147483647; width: 100%;";
    var root = host.attachShadow({ mode: "closed" });
    var bar = el("div", css.bar);
    bar.setAttribute("role", "banner");
    var brand = link("Vellum", "/");
    brand.style.cssText = css.brand;
    bar.appendChild(brand);
    var capture = el("div", css.capture);
    var url = el("span", css.url);
    url.title = cfg.original;
    // The URL may wrap after each "/", "?" and "&" rather than anywhere.
    cfg.original.split(/(?<=[\/?&])(?=[^\/])/).forEach(function (part, i) {
      if (i > 0) url.appendChild(document.createElement("wbr"));
      url.appendChild(document.createTextNode(part));
    });
    capture.appendChild(url);
    var when = el("span", "", "Captured ");
    when.appendChild(el("strong", "", cfg.date));
    capture.appendChild(when);
    bar.appendChild(capture);
    var nav = el("nav", css.nav);
    if (cfg.prev) nav.appendChild(link("← previous", cfg.prev, "prev"));
    nav.appendChild(link("all captures", cfg.calendar));
    if (cfg.next) nav.appendChild(link("next →", cfg.next, "next"));
    if (cfg.compare) nav.appendChild(link("compare with previous", cfg.compare));
    if (cfg.screenshot) nav.appendChild(link("screenshot", cfg.screenshot));
    bar.appendChild(nav);
    // In the bar's top right corner, off the wrapping links.
    var close = el("button", "position: absolute; top: 4px; right: 6px; background: none; border: 0; color: #fff;" +
      "font-size: 18px; line-height: 1; cursor: pointer; padding: 0 4px;", "×");
    close.title = "Hide this bar";
    close.onclick = function () { sessionStorage.setItem("vellum-banner-closed", "1"); host.remove(); };
    bar.appendChild(close);
    root.appendChild(bar);
    // Before the body, not in it: a page's body may be narrower than the window.
    document.documentElement.insertBefore(host, document.body);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show); else show();
})();
