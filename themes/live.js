// quire serve: reloads the page after each successful rebuild (keeping the
// scroll position) and shows the build's errors over the page when it fails.
// Served only by `quire serve`; never part of a built site.
(function () {
  "use strict";
  var key = "quire-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    window.addEventListener("load", function () { window.scrollTo(0, Number(saved)); });
  }
  function showErrors(errors) {
    var box = document.getElementById("quire-overlay");
    if (!box) {
      box = document.createElement("div");
      box.id = "quire-overlay";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = "";
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "The last build failed";
    p.appendChild(strong);
    p.appendChild(document.createTextNode("; this is the last good version. Fix these and save:"));
    box.appendChild(p);
    var list = document.createElement("ul");
    errors.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e;
      list.appendChild(li);
    });
    box.appendChild(list);
  }
  var style = document.createElement("style");
  style.textContent = "#quire-overlay{position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:1000;" +
    "max-height:50vh;overflow:auto;background:#fff4f2;color:#5c1106;border:2px solid #b3261e;" +
    "border-radius:6px;padding:0.75rem 1rem;font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;" +
    "box-shadow:0 4px 24px rgba(0,0,0,.25)}#quire-overlay ul{margin:0.4rem 0 0;padding-left:1.2rem}";
  document.head.appendChild(style);
  // Events since the build this page came from: a build that finished while
  // the page was loading is announced at once.
  var script = document.currentScript;
  var since = script && script.dataset.generation ? script.dataset.generation : "";
  var events = new EventSource("/__quire/events" + (since ? "?since=" + since : ""));
  window.__quireEvents = events; // lets tests wait until the page is listening
  events.addEventListener("reload", function () {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  });
  events.addEventListener("errors", function (e) { showErrors(JSON.parse(e.data)); });
})();
