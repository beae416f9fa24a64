// On-device pre-check of a captured photo, before anything is sent: resolution, blur
// (variance of the Laplacian over the most detailed tiles), exposure, and a dHash
// near-duplicate test against the photos already taken in this task. It runs on a
// downscaled canvas so it takes a few milliseconds on a phone. The server decides;
// this only warns early so the collector can retake on the spot.

export const DEFAULTS = {
  minWidth: 640,
  minHeight: 480,
  analysisSide: 512,       // long side of the downscaled canvas
  blurMin: 60,             // Laplacian variance on the detailed tiles, 0..255 scale
  darkMean: 0.16,          // mean luminance (0..1) below which a photo is too dark
  brightMean: 0.88,        // ... above which it is washed out
  clipFraction: 0.35,      // share of pixels at 0 or 255 that counts as clipped
  duplicateBits: 4,        // dHash Hamming distance counting as "the same photo"
};

/** Grayscale luminance (0..255 floats) from RGBA pixels. */
export function toGray(rgba, width, height) {
  const out = new Float32Array(width * height);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 1) {
    out[j] = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
  }
  return out;
}

/**
 * Sharpness: the 4-neighbour Laplacian's variance in each tile of an 8x8 grid, averaged
 * over the quarter of tiles with the most texture. Measuring only detailed tiles keeps
 * a sharp subject on a plain wall from being called blurry.
 */
export function blurScore(gray, width, height, grid = 8) {
  const tw = Math.floor(width / grid);
  const th = Math.floor(height / grid);
  if (tw < 4 || th < 4) return 0;
  const tiles = [];
  for (let ty = 0; ty < grid; ty += 1) {
    for (let tx = 0; tx < grid; tx += 1) {
      let sum = 0; let sum2 = 0; let n = 0; let gsum = 0;
      const y0 = Math.max(1, ty * th); const y1 = Math.min(height - 1, (ty + 1) * th);
      const x0 = Math.max(1, tx * tw); const x1 = Math.min(width - 1, (tx + 1) * tw);
      for (let y = y0; y < y1; y += 1) {
        const row = y * width;
        for (let x = x0; x < x1; x += 1) {
          const c = gray[row + x];
          const lap = gray[row + x - 1] + gray[row + x + 1] + gray[row - width + x]
            + gray[row + width + x] - 4 * c;
          sum += lap; sum2 += lap * lap; n += 1;
          gsum += Math.abs(gray[row + x + 1] - c) + Math.abs(gray[row + width + x] - c);
        }
      }
      if (n) tiles.push({ variance: sum2 / n - (sum / n) ** 2, detail: gsum / n });
    }
  }
  tiles.sort((a, b) => b.detail - a.detail);
  const top = tiles.slice(0, Math.max(1, Math.round(tiles.length / 4)));
  return top.reduce((s, tile) => s + tile.variance, 0) / top.length;
}

/** Mean luminance (0..1) and the share of clipped dark / bright pixels. */
export function exposure(gray) {
  let sum = 0; let dark = 0; let bright = 0;
  for (const v of gray) {
    sum += v;
    if (v <= 8) dark += 1;
    else if (v >= 247) bright += 1;
  }
  const n = gray.length || 1;
  return { mean: sum / n / 255, darkClip: dark / n, brightClip: bright / n };
}

/** 64-bit difference hash (9x8 box-averaged grayscale) as a BigInt. */
export function dHash(gray, width, height) {
  const cols = 9; const rows = 8;
  const cells = new Float32Array(cols * rows);
  for (let r = 0; r < rows; r += 1) {
    const y0 = Math.floor((r * height) / rows); const y1 = Math.floor(((r + 1) * height) / rows);
    for (let c = 0; c < cols; c += 1) {
      const x0 = Math.floor((c * width) / cols); const x1 = Math.floor(((c + 1) * width) / cols);
      let s = 0; let n = 0;
      for (let y = y0; y < y1; y += 1) for (let x = x0; x < x1; x += 1) { s += gray[y * width + x]; n += 1; }
      cells[r * cols + c] = n ? s / n : 0;
    }
  }
  let hash = 0n;
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols - 1; c += 1) {
      hash = (hash << 1n) | (cells[r * cols + c] > cells[r * cols + c + 1] ? 1n : 0n);
    }
  }
  return hash;
}

export function hamming(a, b) {
  let x = BigInt(a) ^ BigInt(b);
  let n = 0;
  while (x) { n += Number(x & 1n); x >>= 1n; }
  return n;
}

/**
 * Judge analysed numbers. `previous` holds the dHashes (hex strings) of photos already
 * taken in this task. Returns {ok, issues: [code], scores, hash}.
 */
export function judge({ width, height, blur, exp, hash }, previous = [], limits = {}) {
  const L = { ...DEFAULTS, ...limits };
  const issues = [];
  const portrait = height > width;
  const minW = portrait ? L.minHeight : L.minWidth;
  const minH = portrait ? L.minWidth : L.minHeight;
  if (width < minW || height < minH) issues.push('low_resolution');
  if (blur < L.blurMin) issues.push('blurry');
  if (exp.mean < L.darkMean || exp.darkClip > L.clipFraction) issues.push('dark');
  else if (exp.mean > L.brightMean || exp.brightClip > L.clipFraction) issues.push('bright');
  let nearest = null;
  for (const prev of previous) {
    const d = hamming(BigInt(`0x${prev}`), hash);
    if (nearest === null || d < nearest) nearest = d;
  }
  if (nearest !== null && nearest <= L.duplicateBits) issues.push('near_duplicate');
  return {
    ok: issues.length === 0,
    issues,
    scores: { blur: Math.round(blur), brightness: Number(exp.mean.toFixed(3)), nearest_hash_distance: nearest },
    hash: hash.toString(16).padStart(16, '0'),
  };
}

/** Analyse an image source (ImageBitmap, video, img, canvas) of original size w x h. */
export function analyse(source, width, height, previous = [], limits = {}) {
  const L = { ...DEFAULTS, ...limits };
  const scale = Math.min(1, L.analysisSide / Math.max(width, height));
  const w = Math.max(16, Math.round(width * scale));
  const hgt = Math.max(16, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = hgt;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, w, hgt);
  const gray = toGray(ctx.getImageData(0, 0, w, hgt).data, w, hgt);
  return judge({ width, height, blur: blurScore(gray, w, hgt), exp: exposure(gray), hash: dHash(gray, w, hgt) }, previous, L);
}

/** Exposure only, for the live guide over the viewfinder (cheap, 96 px wide). */
export function liveExposure(video) {
  const w = 96; const hgt = Math.max(1, Math.round((video.videoHeight / (video.videoWidth || 1)) * w));
  const canvas = liveExposure.canvas || (liveExposure.canvas = document.createElement('canvas'));
  canvas.width = w; canvas.height = hgt;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, hgt);
  return exposure(toGray(ctx.getImageData(0, 0, w, hgt).data, w, hgt));
}
