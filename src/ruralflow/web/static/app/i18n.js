// The dashboard's labels, Simplified Chinese (the default) and English, from this one dictionary.
// Every element with data-i18n="key" shows DICT[key] in the current language; data-i18n-ph sets
// a placeholder, data-i18n-title a title. The language is kept in localStorage ("rf.lang").

export const DICT = {
  "app.name": ["县域物流服务", "RuralFlow service"],
  "lang.switch": ["English", "中文"],
  "nav.logout": ["退出登录", "Log out"],
  "nav.user": ["用户", "User"],
  "page.login": ["登录", "Log in"],
  "page.overview": ["县域总览", "County overview"],
  "page.plan": ["今日计划", "Today's plan"],
  "page.sheets": ["车辆路单", "Route sheets"],
  "page.station": ["站点业务", "Station"],
  "page.siting": ["站点选址", "Siting"],
  "page.season": ["产季协同", "Season synergy"],
  "page.matrix": ["价值矩阵", "Value matrix"],
  "page.contracts": ["合作社结算", "Cooperative statements"],
  "page.trace": ["批次追溯", "Batch trace"],
  "role.county_admin": ["县级管理员", "county admin"],
  "role.station_operator": ["站点操作员", "station operator"],
  "role.cooperative": ["合作社", "cooperative"],
  "role.logistics_operator": ["物流调度", "logistics operator"],

  "login.user": ["用户名", "User name"],
  "login.password": ["密码", "Password"],
  "login.submit": ["登录", "Log in"],
  "login.hint": ["请使用县服务中心分配的账号登录。", "Log in with the account the county service centre gave you."],

  "common.loading": ["加载中…", "Loading…"],
  "common.none": ["暂无数据", "No data yet"],
  "common.day": ["日期", "Day"],
  "common.station": ["站点", "Station"],
  "common.name": ["名称", "Name"],
  "common.save": ["保存", "Save"],
  "common.cancel": ["取消", "Cancel"],
  "common.edit": ["更正", "Correct"],
  "common.history": ["修改记录", "History"],
  "common.version": ["版本", "Version"],
  "common.recorded_by": ["记录人", "Recorded by"],
  "common.reason": ["更正原因", "Reason for the correction"],
  "common.print": ["打印", "Print"],
  "common.show": ["查看", "Show"],
  "common.all": ["全部", "All"],
  "common.run": ["运行", "Run"],
  "common.latest_run": ["最近一次运行", "Latest run"],
  "common.no_run": ["尚无已完成的运行,请点击按钮开始。", "No finished run yet: press the button to start one."],
  "common.result": ["结果摘要", "Result summary"],
  "common.field": ["字段", "Field"],
  "common.value": ["数值", "Value"],
  "common.details": ["明细", "Details"],
  "common.not_allowed": ["您的角色不能查看此页面。", "Your role may not see this page."],
  "common.saved": ["已保存", "Saved"],

  "status.queued": ["排队中", "queued"],
  "status.running": ["运行中", "running"],
  "status.done": ["已完成", "done"],
  "status.failed": ["失败", "failed"],
  "status.cancelling": ["正在取消", "cancelling"],
  "status.cancelled": ["已取消", "cancelled"],

  "ov.summary": ["县情概况", "The county"],
  "ov.hub": ["县级物流中心", "County hub"],
  "ov.stations": ["乡镇服务站", "Township stations"],
  "ov.villages": ["村级服务点", "Village points"],
  "ov.products": ["产品种类", "Products"],
  "ov.vehicles": ["车辆(辆)", "Vehicles"],
  "ov.bus_lines": ["客运班线(条)", "Bus lines"],
  "ov.down_parcels": ["下行包裹总数(件)", "Down parcels, all days"],
  "ov.up_kg": ["上行农产品总量(kg)", "Up produce, all days (kg)"],
  "ov.intake_records": ["站点收购记录(条)", "Station intake records"],
  "ov.flows": ["当日流量", "The day's flows"],
  "ov.day_rule.today": ["(今天)", "(today)"],
  "ov.day_rule.busiest": ["(数据中没有今天:显示最繁忙的一天)", "(no data for today: the busiest day)"],
  "ov.day_rule.asked": ["(所选日期)", "(chosen day)"],
  "ov.day_rule.none": ["(没有流量数据)", "(no flow data)"],
  "ov.day_down_parcels": ["下行包裹(件)", "Down parcels"],
  "ov.day_down_kg": ["下行重量(kg)", "Down weight (kg)"],
  "ov.day_up_kg": ["上行农产品(kg)", "Up produce (kg)"],
  "ov.day_up_batches": ["上行批次(批)", "Up batches"],
  "ov.day_intake": ["当日收购(条)", "Intake records that day"],
  "ov.day_intake_kg": ["当日收购(kg)", "Intake that day (kg)"],
  "ov.villages_n": ["下辖村点(个)", "Villages"],
  "ov.chart": ["各站点下行与上行重量", "Down and up weight per station"],
  "ov.fleet": ["车队", "Fleet"],
  "ov.type": ["车型", "Vehicle type"],
  "ov.count": ["数量(辆)", "Count"],
  "ov.capacity": ["载重(kg)", "Capacity (kg)"],
  "ov.temp": ["温控等级", "Temperature class"],
  "ov.recent": ["最新收购记录", "Latest intake records"],
  "ov.latest_plan": ["最近一次计划", "Latest plan"],

  "plan.controls": ["计划运行", "Plan run"],
  "plan.time_limit": ["求解时限(秒)", "Solver time limit (s)"],
  "plan.start": ["开始新的计划", "Start a new plan"],
  "plan.progress": ["进度", "Progress"],
  "plan.map": ["县域路线图", "Routes on the county map"],
  "plan.kpis": ["计划指标", "Plan figures"],
  "plan.total_cost": ["总成本(元)", "Total cost (yuan)"],
  "plan.transport_cost": ["运输成本(元)", "Transport cost (yuan)"],
  "plan.km": ["行驶里程(km)", "Distance (km)"],
  "plan.vehicles_used": ["用车(辆)", "Vehicles used"],
  "plan.trips": ["趟次", "Trips"],
  "plan.co2": ["碳排放(kg CO₂)", "CO₂ (kg)"],
  "plan.carried_kg": ["已承运(kg)", "Carried (kg)"],
  "plan.not_carried_kg": ["未承运(kg)", "Not carried (kg)"],
  "plan.routes": ["各车路线", "Routes per vehicle"],
  "plan.vehicle": ["车辆", "Vehicle"],
  "plan.vehicle_type": ["车型", "Type"],
  "plan.temp": ["温控", "Temperature"],
  "plan.stops": ["停靠点(个)", "Stops"],
  "plan.time": ["出发—返回", "Start—end"],
  "plan.sheet": ["路单", "Route sheet"],
  "plan.bus": ["客运班线带货", "Bus consignments"],
  "plan.bus_run": ["班次", "Bus run"],
  "plan.flow": ["方向", "Flow"],
  "plan.board": ["上车", "Board"],
  "plan.alight": ["下车", "Alight"],
  "plan.pieces": ["件数", "Pieces"],
  "plan.fee": ["运费(元)", "Fee (yuan)"],
  "plan.not_carried": ["未承运及原因", "Not carried, and why"],
  "plan.village": ["村点", "Village"],
  "plan.item": ["货物", "Item"],
  "plan.reason": ["原因", "Reason"],
  "plan.all_carried": ["全部货物均已承运。", "Everything was carried."],
  "plan.legend_places": ["站点", "Stations"],
  "plan.legend_bus": ["客运班线", "Bus consignments"],
  "plan.legend_nc": ["未承运", "Not carried"],
  "plan.run_of": ["计划日期", "Plan for the day"],

  "sheets.run": ["计划运行", "Plan run"],
  "sheets.vehicle": ["车辆", "Vehicle"],
  "sheets.seq": ["序号", "No."],
  "sheets.arrival": ["到达", "Arrive"],
  "sheets.departure": ["离开", "Leave"],
  "sheets.place": ["地点", "Place"],
  "sheets.trip": ["趟次", "Trip"],
  "sheets.unload": ["卸货", "Unload"],
  "sheets.load": ["装货", "Load"],
  "sheets.signature": ["司机签字", "Driver's signature"],
  "sheets.no_plan": ["尚无已完成的计划。", "No finished plan yet."],

  "st.choose": ["选择站点", "Choose a station"],
  "st.intake": ["农产品收购", "Produce intake"],
  "st.intake_new": ["新增收购记录", "New intake record"],
  "st.intake_fix": ["更正收购记录", "Correct an intake record"],
  "st.product": ["产品", "Product"],
  "st.kg": ["重量(kg)", "Weight (kg)"],
  "st.farmer": ["农户编号", "Farmer id"],
  "st.grade": ["等级", "Grade"],
  "st.records": ["本站收购记录", "This station's intake records"],
  "st.deliveries": ["包裹投递", "Parcel deliveries"],
  "st.delivery_new": ["新增投递记录", "New delivery record"],
  "st.delivery_fix": ["更正投递记录", "Correct a delivery record"],
  "st.parcels": ["包裹(件)", "Parcels"],
  "st.recipient": ["收件人编号", "Recipient id"],
  "st.delivery_records": ["本站投递记录", "This station's delivery records"],
  "st.not_yours": ["此站点不属于您的账号。", "This station is not yours."],
  "st.history_of": ["修改记录:记录", "History of record"],
  "st.action": ["操作", "Action"],
  "st.at": ["时间", "When"],

  "runs.start_site": ["开始选址运行", "Start a siting run"],
  "runs.start_season": ["开始产季运行", "Start a season run"],
  "runs.start_matrix": ["开始矩阵运行", "Start a matrix run"],
  "runs.what": ["选址对象", "What to site"],
  "runs.limit": ["批次上限", "Batch limit"],

  "ct.coop": ["合作社", "Cooperative"],
  "ct.members": ["成员", "Members"],
  "ct.farmer": ["农户编号", "Farmer id"],
  "ct.member_name": ["姓名", "Name"],
  "ct.village": ["村", "Village"],
  "ct.statement": ["农户收购汇总(来自站点收购记录)", "Farmer statements (from station intake)"],
  "ct.records": ["记录(条)", "Records"],
  "ct.total_kg": ["合计(kg)", "Total (kg)"],
  "ct.by_product": ["按产品与等级", "By product and grade"],

  "tr.batches": ["批次", "Batches"],
  "tr.batch": ["批次号", "Batch"],
  "tr.lot": ["批号", "Lot"],
  "tr.source": ["来源", "Source"],
  "tr.timeline": ["事件时间线(来自追溯日志)", "Event timeline (from the trace log)"],
  "tr.no_events": ["追溯日志中尚无此批次的事件。", "The trace log has no events of this batch yet."],
  "tr.event_time": ["事件时间", "Event time"],
  "tr.biz_step": ["业务步骤", "Business step"],
  "tr.event_type": ["事件类型", "Event type"],
  "tr.where": ["地点", "Where"],
  "tr.from_season": ["最近一次产季运行", "the latest season run"],
  "tr.epc": ["按 EPC 查询事件(如 urn:epc:id:sgtin:…)", "Events of an EPC (e.g. urn:epc:id:sgtin:…)"],
  "site.objective": ["目标值", "Objective"],
  "site.sites": ["新建 + 现有站点", "New + existing sites"],
  "site.coverage": ["覆盖率(半径内)", "Coverage (within the radius)"],
  "site.kind": ["类型", "Kind"],
  "site.state": ["新建或现有", "New or existing"],
  "site.curve": ["新建站点数与目标值", "Objective against the number of new sites"],
  "tr.from_intake": ["合作社成员收购记录", "cooperative members' intake"],
};

const KEY = "rf.lang";

export function lang() {
  const v = localStorage.getItem(KEY);
  return v === "en" ? "en" : "zh";
}

export function t(key) {
  const e = DICT[key];
  if (!e) return key;
  return lang() === "en" ? e[1] : e[0];
}

export function applyI18n(root = document) {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export function setLang(value) {
  localStorage.setItem(KEY, value === "en" ? "en" : "zh");
  applyI18n();
  window.dispatchEvent(new CustomEvent("rf:lang", { detail: lang() }));
}

export function toggleLang() {
  setLang(lang() === "en" ? "zh" : "en");
}
