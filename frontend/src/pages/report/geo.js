// Drawing GeoJSON regions as SVG paths and finding the region under a point, without a map
// library: the grids are a few small polygons, so a flat projection is exact enough.

/** The outer and inner rings of a Polygon or MultiPolygon, as [[lng, lat], ...] lists. */
export function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

/**
 * A projection fitted to the given geometries: project([lng, lat]) → [x, y] in a box
 * `width` wide, north up, with east-west distances shrunk by cos(latitude).
 */
export function fit(geometries, width = 320, pad = 8) {
  const points = geometries.flatMap((g) => rings(g).flat());
  if (!points.length) return null;
  const lngs = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLng, maxLng] = [Math.min(...lngs), Math.max(...lngs)];
  const [minLat, maxLat] = [Math.min(...lats), Math.max(...lats)];
  const shrink = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLng - minLng) * shrink, 1e-9);
  const spanY = Math.max(maxLat - minLat, 1e-9);
  const scale = (width - 2 * pad) / spanX;
  const height = spanY * scale + 2 * pad;
  const project = ([lng, lat]) => [pad + (lng - minLng) * shrink * scale, pad + (maxLat - lat) * scale];
  return { width, height, project };
}

/** An SVG path `d` for a geometry under a projection. */
export function pathOf(geometry, project) {
  return rings(geometry)
    .map((ring) => ring.map((p, i) => `${i ? "L" : "M"}${project(p).map((v) => v.toFixed(1)).join(",")}`).join("") + "Z")
    .join("");
}

function inRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether [lng, lat] lies in a Polygon or MultiPolygon (holes respected). */
export function contains(geometry, point) {
  if (!geometry) return false;
  const polygons =
    geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return polygons.some(([outer, ...holes]) => inRing(point, outer) && !holes.some((h) => inRing(point, h)));
}
