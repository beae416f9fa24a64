// Location from the browser (phone browsers strip GPS from photo files).
let last = null;
let watchId = null;

/** The latest known position {lat, lon, accuracy_m} or null, waiting at most `ms`. */
export function currentPosition(ms = 3000) {
  if (!('geolocation' in navigator)) return Promise.resolve(last);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(last), ms);
    navigator.geolocation.getCurrentPosition((p) => {
      clearTimeout(timer);
      last = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy };
      resolve(last);
    }, () => { clearTimeout(timer); resolve(last); }, { enableHighAccuracy: true, maximumAge: 60000, timeout: ms });
  });
}

/** Keep `last` fresh while the camera is open; returns a stop function. */
export function watchPosition() {
  if (!('geolocation' in navigator) || watchId !== null) return () => {};
  watchId = navigator.geolocation.watchPosition((p) => {
    last = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy };
  }, () => {}, { enableHighAccuracy: true, maximumAge: 30000 });
  return () => { navigator.geolocation.clearWatch(watchId); watchId = null; };
}

export function lastPosition() { return last; }

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const r = 6371;
  const rad = (d) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(x));
}
