"""Geography: distances and travel times, CRS conversions, road graphs, county polygons.

Front door: ``Geography.from_county(county, roads=None)`` gives place ids, road km (haversine
x detour factor, or a road graph when given) and travel minutes per vehicle speed.
See ``docs/geo.md``.
"""

from ruralflow.geo.crs import CHINA_EXTENT as CHINA_EXTENT
from ruralflow.geo.crs import GCJ02_BOX as GCJ02_BOX
from ruralflow.geo.crs import KRASOVSKY_A as KRASOVSKY_A
from ruralflow.geo.crs import KRASOVSKY_EE as KRASOVSKY_EE
from ruralflow.geo.crs import bd09_to_gcj02 as bd09_to_gcj02
from ruralflow.geo.crs import bd09_to_wgs84 as bd09_to_wgs84
from ruralflow.geo.crs import check_lonlat as check_lonlat
from ruralflow.geo.crs import check_lonlat_many as check_lonlat_many
from ruralflow.geo.crs import from_wgs84 as from_wgs84
from ruralflow.geo.crs import gcj02_to_bd09 as gcj02_to_bd09
from ruralflow.geo.crs import gcj02_to_wgs84 as gcj02_to_wgs84
from ruralflow.geo.crs import out_of_china as out_of_china
from ruralflow.geo.crs import to_wgs84 as to_wgs84
from ruralflow.geo.crs import wgs84_to_bd09 as wgs84_to_bd09
from ruralflow.geo.crs import wgs84_to_gcj02 as wgs84_to_gcj02
from ruralflow.geo.distance import EARTH_RADIUS_KM as EARTH_RADIUS_KM
from ruralflow.geo.distance import KM_PER_DEG as KM_PER_DEG
from ruralflow.geo.distance import detour_value as detour_value
from ruralflow.geo.distance import distance_matrix as distance_matrix
from ruralflow.geo.distance import haversine_km as haversine_km
from ruralflow.geo.distance import haversine_matrix_km as haversine_matrix_km
from ruralflow.geo.distance import local_lonlat as local_lonlat
from ruralflow.geo.distance import local_xy_km as local_xy_km
from ruralflow.geo.distance import travel_time_matrix as travel_time_matrix
from ruralflow.geo.geography import DistanceModel as DistanceModel
from ruralflow.geo.geography import Geography as Geography
from ruralflow.geo.polygon import area_km2 as area_km2
from ruralflow.geo.polygon import as_shape as as_shape
from ruralflow.geo.polygon import contains as contains
from ruralflow.geo.polygon import distance_outside_km as distance_outside_km
from ruralflow.geo.polygon import sample_points_in as sample_points_in
from ruralflow.geo.polygon import to_geojson as to_geojson
from ruralflow.geo.polygon import township_parts as township_parts
from ruralflow.geo.roads import GeoError as GeoError
from ruralflow.geo.roads import RoadDataError as RoadDataError
from ruralflow.geo.roads import RoadDistances as RoadDistances
from ruralflow.geo.roads import RoadGraph as RoadGraph
from ruralflow.geo.roads import UnreachableError as UnreachableError
from ruralflow.geo.roads import load_roads as load_roads
from ruralflow.geo.roads import synthetic_roads as synthetic_roads
from ruralflow.geo.roads import synthetic_roads_for_places as synthetic_roads_for_places
