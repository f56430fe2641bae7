// Who the signed-in desk user is: which regions they staff, which departments they work for,
// and which case actions their role may take. The API decides in the end (and says why when
// it refuses); this only keeps buttons away that would certainly be refused.

export const STAFF_ROLES = ["COMMUNITY_STAFF", "STREET_STAFF", "CITY_STAFF"];
export const DESK_ROLES = [...STAFF_ROLES, "DEPARTMENT_STAFF", "ADMIN"];

const bindings = (account) => account?.bindings || [];

export function isDeskUser(account) {
  return bindings(account).some((b) => DESK_ROLES.includes(b.role));
}

export function isAdmin(account) {
  return bindings(account).some((b) => b.role === "ADMIN");
}

/** Regions the account staffs (admins: their whole region); whose events it may follow. */
export function staffRegionIds(account) {
  const ids = bindings(account)
    .filter((b) => (STAFF_ROLES.includes(b.role) || b.role === "ADMIN") && b.region)
    .map((b) => b.region.id);
  return [...new Set(ids)];
}

export function departmentIds(account) {
  const ids = bindings(account)
    .filter((b) => b.role === "DEPARTMENT_STAFF" && b.department)
    .map((b) => b.department.id);
  return [...new Set(ids)];
}

export function myDepartments(account) {
  const seen = new Map();
  for (const b of bindings(account)) {
    if (b.role === "DEPARTMENT_STAFF" && b.department) seen.set(b.department.id, b.department);
  }
  return [...seen.values()];
}

/** The ids to load the region filter from: staffed regions, else the departments. */
export function scopeNodeIds(account) {
  const regions = staffRegionIds(account);
  return regions.length ? regions : departmentIds(account);
}

const OPEN_WHISTLE = ["OPEN", "ANSWERED"];

/** The actions `account` may take on case `c`, in the order the desk shows them. */
export function allowedActions(c, account) {
  if (!c || !account) return [];
  const admin = isAdmin(account);
  const staffed = new Set(staffRegionIds(account));
  const covers = (path) => admin || (path || []).some((r) => staffed.has(r.id));
  const overQueue = covers(c.queueRegion?.path);
  const overRegion = covers(c.regionPath);
  const mine = new Set(departmentIds(account));
  const s = c.status;
  const out = [];
  if (overQueue && s === "REPORTED") out.push("accept");
  if (overQueue && ["REPORTED", "ACCEPTED"].includes(s)) out.push("reject", "merge");
  if (overQueue && ["ACCEPTED", "DISPATCHED"].includes(s)) out.push("whistle");
  if (overQueue && s === "ACCEPTED") out.push("handle");
  const summonedMe = (c.whistles || [])
    .filter((w) => OPEN_WHISTLE.includes(w.status))
    .flatMap((w) => w.responses)
    .some((r) => mine.has(r.department.id) && !r.claimedAt);
  if (["DISPATCHED", "IN_PROGRESS"].includes(s) && summonedMe) out.push("claim");
  const claimedByMine = (c.departments || []).some((d) => d.claimedAt && mine.has(d.department.id));
  const leadIsMine = !!c.leadDepartment && mine.has(c.leadDepartment.id);
  if (s === "IN_PROGRESS" && (c.selfHandled ? overQueue : claimedByMine)) out.push("arrive");
  if (s === "IN_PROGRESS" && (c.selfHandled ? overQueue : leadIsMine)) out.push("resolve");
  if (s === "RESOLVED" && overQueue) out.push("close");
  if (["RESOLVED", "CLOSED"].includes(s) && overRegion) out.push("reopen");
  if (overQueue && ["ACCEPTED", "DISPATCHED"].includes(s)) out.push("escalate");
  out.push("comment");
  return out;
}

/** Departments of mine that an open whistle on `c` summoned and that have not yet claimed. */
export function claimableDepartments(c, account) {
  const mine = new Map(myDepartments(account).map((d) => [d.id, d]));
  const found = new Map();
  for (const w of c?.whistles || []) {
    if (!OPEN_WHISTLE.includes(w.status)) continue;
    for (const r of w.responses) {
      if (mine.has(r.department.id) && !r.claimedAt) found.set(r.department.id, r.department);
    }
  }
  return [...found.values()];
}

/** Staff over the list item's region may verify or send back what its claimer ticked off. */
export function coversRegion(account, regionPathIds) {
  if (isAdmin(account)) return true;
  const staffed = new Set(staffRegionIds(account));
  return regionPathIds.some((id) => staffed.has(id));
}
