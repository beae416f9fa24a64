// Service worker for the collector app: keeps the app shell (HTML, CSS, JS modules) in
// a cache so the app opens and a reload works without network. API calls always go to
// the network (the pages keep their own offline copies; photos wait in IndexedDB).
const CACHE = 'snapset-shell-v1';
const SHELL = [
  '/app/', '/app/index.html', '/app/app.js', '/app/state.js', '/app/queue.js', '/app/precheck.js',
  '/app/capture.js', '/app/consent.js', '/app/photos.js', '/app/geo.js', '/app/countries.js',
  '/app/views-account.js', '/app/views-tasks.js', '/app/manifest.webmanifest', '/app/icon.svg',
  '/shared/api.js', '/shared/i18n.js', '/shared/ui.js', '/shared/style.css',
  '/shared/i18n/en.js', '/shared/i18n/es.js', '/shared/i18n/zh.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// Network first for the shell (so a deploy shows up at once), cache when offline.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return;
  if (!url.pathname.startsWith('/app/') && !url.pathname.startsWith('/shared/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(event.request);
      if (res.ok) cache.put(event.request, res.clone());
      return res;
    } catch (err) {
      const hit = await cache.match(event.request, { ignoreSearch: true })
        || (event.request.mode === 'navigate' ? await cache.match('/app/') : undefined);
      if (hit) return hit;
      throw err;
    }
  })());
});
