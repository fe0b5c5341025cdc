// The county outline for the dashboard's maps: the boundary the API serves as GeoJSON
// (GET /counties/{adcode}/boundary.geojson), registered with figures.js's registerGeo. The
// maps themselves are figure specs drawn by figures.js, the same code as the static report's.
import { api } from "./api.js";
import { el } from "./shell.js";
import { geoOf, registerGeo } from "./figures.js";

const geos = new Map();

// A county without a polygon in its data (a coarse county): a box around its places, said so.
async function placesBox(adcode) {
  const places = (await api(`/counties/${adcode}/places`)).data;
  const lons = places.map((p) => p.lon);
  const lats = places.map((p) => p.lat);
  const pad = 0.02;
  const [w, e, s, n] = [Math.min(...lons) - pad, Math.max(...lons) + pad, Math.min(...lats) - pad, Math.max(...lats) + pad];
  return {
    type: "FeatureCollection",
    features: [{ type: "Feature", properties: { name: "box", box: true },
      geometry: { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } }],
  };
}

// The `geo` of a map spec for the county (figures.geoOf), its outline registered.
export async function countyGeo(adcode) {
  const name = `county-${adcode}`;
  if (!geos.has(name)) {
    let geo = await api(`/counties/${adcode}/boundary.geojson`);
    const box = !geo.features.length;
    if (box) geo = await placesBox(adcode);
    registerGeo(name, geo);
    geos.set(name, geoOf(name, geo, box));
  }
  return geos.get(name);
}

export function boxNote(geo) {
  return geo.box ? el("p", { class: "muted", id: "map-box-note", i18n: "map.box" }) : "";
}
