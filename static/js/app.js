/* PropDesk: the few behaviours htmx does not give us. No inline scripts (CSP). */
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Every htmx request carries the CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // A boosted page that cannot be fetched: let the browser navigate, so the
  // service worker can answer with the offline page instead of nothing happening.
  document.addEventListener("htmx:sendError", function (event) {
    const elt = event.detail.elt;
    const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    const boosted = event.detail.requestConfig && event.detail.requestConfig.boosted;
    if (boosted && path && event.detail.requestConfig.verb === "get") {
      window.location.assign(path);
      return;
    }
    showOffline(true);
    if (elt) elt.classList.add("send-failed");
  });

  function showOffline(on) {
    const banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = !on;
  }
  window.addEventListener("offline", function () { showOffline(true); });
  window.addEventListener("online", function () { showOffline(false); });

  // Copy buttons (shown only where the Clipboard API exists; the text stays selectable).
  function initCopy(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.addEventListener("click", function () {
        const source = document.querySelector(button.dataset.copy);
        if (!source) return;
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          const label = button.textContent;
          button.textContent = "✓";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initCopy(document); });
  document.addEventListener("htmx:load", function (event) { initCopy(event.detail.elt); });

  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
})();
