// Photos are shrunk on the phone before they are stored or sent: a 12-megapixel camera photo becomes
// a few hundred kilobytes, which is what one bar of signal can carry.

export const MAX_EDGE = 1600;
const QUALITY = 0.8;
const RAW_LIMIT = 15 * 1024 * 1024;

async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // fall through to an <img>, which some browsers decode more formats with
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function downscale(file, maxEdge = MAX_EDGE) {
  let image;
  try {
    image = await decode(file);
  } catch {
    // A format this browser cannot draw (e.g. HEIC): the server can still read it, if it is not too big.
    if (file.size <= RAW_LIMIT) return { blob: file, width: null, height: null, shrunk: false };
    throw new Error("This photo cannot be read on this phone and is too large to send as it is.");
  }
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const hgt = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = hgt;
  canvas.getContext("2d").drawImage(image, 0, 0, w, hgt);
  if (typeof image.close === "function") image.close();
  const blob = await new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("The photo could not be prepared."))), "image/jpeg", QUALITY),
  );
  return { blob, width: w, height: hgt, shrunk: scale < 1 };
}
