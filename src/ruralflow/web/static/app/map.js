// The county map with Apache ECharts: the boundary the API serves as GeoJSON
// (GET /counties/{adcode}/boundary.geojson) registered with echarts.registerMap.
import { api } from "./api.js";
import { el } from "./shell.js";

const registered = new Map();

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

// The registered map's name, and whether it is only a box around the places (no polygon).
export async function countyMap(adcode) {
  const name = `county-${adcode}`;
  if (!registered.has(name)) {
    let geo = await api(`/counties/${adcode}/boundary.geojson`);
    const box = !geo.features.length;
    if (box) geo = await placesBox(adcode);
    echarts.registerMap(name, geo);
    registered.set(name, box);
  }
  return name;
}

export function isBox(name) {
  return registered.get(name) === true;
}

export function boxNote(name) {
  return isBox(name) ? el("p", { class: "muted", id: "map-box-note", i18n: "map.box" }) : "";
}

export function geoOption(mapName) {
  return {
    map: mapName,
    roam: true,
    top: 8,
    bottom: 36,
    aspectScale: 0.82, // cos(35 deg N): degrees of longitude are shorter than of latitude here
    itemStyle: { areaColor: "#eef4ee", borderColor: "#6b8f71", borderWidth: 1.2 },
    emphasis: { disabled: true },
    label: { show: false },
  };
}

export function mountChart(div) {
  const old = echarts.getInstanceByDom(div);
  if (old) old.dispose();
  const chart = echarts.init(div);
  window.addEventListener("resize", () => chart.resize());
  return chart;
}
