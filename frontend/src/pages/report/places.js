// Where an account may report: the communities (with their grids) of its reporting roles.
import { gql } from "../../api/client.js";
import { AREAS, CHILDREN } from "./operations.js";

const REPORTER_ROLES = new Set([
  "RESIDENT", "GRID_WORKER", "BLOCK_HEAD", "PARTY_MEMBER", "COMMUNITY_STAFF", "STREET_STAFF", "CITY_STAFF",
]);

const byCode = (a, b) => a.code.localeCompare(b.code);
const children = async (region) => (await gql(CHILDREN, { parentId: region.id })).regions;

/**
 * [{ community, grids, wholeCommunity }] for the account's bindings: a community binding
 * reports anywhere in the community, a grid binding only in its grid, a street binding in
 * each of its communities. Cities and above are too wide to pick from on a phone.
 */
export async function loadAreas(account) {
  const ids = [
    ...new Set(
      (account?.bindings || []).filter((b) => REPORTER_ROLES.has(b.role) && b.region).map((b) => b.region.id),
    ),
  ];
  if (!ids.length) return [];
  const regions = (await gql(AREAS, { ids })).nodes.filter(Boolean);
  // [community, grids it may report in (null: all of them)]
  const wanted = [];
  for (const region of regions) {
    if (region.level === "COMMUNITY") wanted.push([region, null]);
    else if (region.level === "GRID" && region.parent) wanted.push([region.parent, [region]]);
    else if (region.level === "STREET") (await children(region)).forEach((c) => wanted.push([c, null]));
  }
  const areas = new Map();
  await Promise.all(
    wanted.map(async ([community, only]) => {
      const grids = only || (await children(community)).filter((g) => g.level === "GRID");
      const area = areas.get(community.id) || { community, grids: [], wholeCommunity: false };
      const known = new Set(area.grids.map((g) => g.id));
      area.grids = [...area.grids, ...grids.filter((g) => !known.has(g.id))].sort(byCode);
      area.wholeCommunity ||= !only;
      areas.set(community.id, area);
    }),
  );
  return [...areas.values()].sort((a, b) => byCode(a.community, b.community));
}
