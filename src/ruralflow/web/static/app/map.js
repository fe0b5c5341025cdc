// The county map with Apache ECharts: the boundary the API serves as GeoJSON
// (GET /counties/{adcode}/boundary.geojson) registered with echarts.registerMap.
import { api } from "./api.js";

const registered = new Set();

export async function countyMap(adcode) {
  const name = `county-${adcode}`;
  if (!registered.has(name)) {
    const geo = await api(`/counties/${adcode}/boundary.geojson`);
    echarts.registerMap(name, geo);
    registered.add(name);
  }
  return name;
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
