/* PropDesk service worker. Cache version {{ version }} changes with every deployment. */
const VERSION = "{{ version }}";
const SHELL_CACHE = "propdesk-shell-" + VERSION;
const OFFLINE_URL = "{{ offline_url }}";
const SHELL = {{ shell|tojson }};
// Pages of a round or an inspection under way, kept across deployments (not versioned), so a
// reload in a basement still shows the form; the queue (IndexedDB) keeps what was entered.
// The pages say so themselves (data-keep-offline), however they were reached: app.js keeps them.
const PAGES_CACHE = "propdesk-pages";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("propdesk-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

function isShellAsset(url) {
  return url.origin === self.location.origin &&
    (url.pathname.startsWith("/static/") || url.pathname.startsWith("/vendor/"));
}

// Logging out forgets the kept pages (they hold personal data).
self.addEventListener("message", (event) => {
  if (event.data === "logout") event.waitUntil(caches.delete(PAGES_CACHE));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    // From the network; without signal, the copy of a page that asked to be kept (a round or an
    // inspection under way: app.js stores it), else the offline page. Other pages hold personal
    // data and change often: never cached.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(PAGES_CACHE).then((cache) => cache.match(url.pathname).then((kept) => {
            if (kept) cache.put(url.pathname, copy);
          }));
        }
        return response;
      }).catch(() => caches.match(url.pathname, { cacheName: PAGES_CACHE })
        .then((hit) => hit || caches.match(OFFLINE_URL, { ignoreSearch: true })))
    );
    return;
  }
  if (isShellAsset(url)) {
    // Versioned URLs never change: the cache answers first.
    // A page kept from before a deployment asks for the old version: offline, the current
    // file of the same name answers instead.
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }).catch(() => caches.match(request, { ignoreSearch: true }).then((old) => old || Response.error())))
    );
  }
});
