// Look-ups the desk pages share, fetched once per session of the page.
import { gql } from "../../api/client.js";
import { CATEGORIES, SCOPE_REGIONS } from "./queries.js";

let categories = null;
const scopes = new Map();

/** The category tree flattened, parents before children, each with its depth. */
export function loadCategories() {
  categories ??= gql(CATEGORIES).then((data) => {
    const byParent = new Map();
    for (const c of data.categories) {
      const key = c.parent?.id || "";
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(c);
    }
    const out = [];
    const walk = (parent, depth) => {
      for (const c of byParent.get(parent) || []) {
        out.push({ ...c, depth });
        walk(c.id, depth + 1);
      }
    };
    walk("", 0);
    return out;
  }).catch((e) => {
    categories = null;
    throw e;
  });
  return categories;
}

/** A staffed region (or a department's region) and its children, for filters and forms. */
export function loadScope(nodeId) {
  if (!scopes.has(nodeId)) {
    scopes.set(nodeId, gql(SCOPE_REGIONS, { id: nodeId }).then((data) => {
      const node = data.node;
      const region = node?.region || node;
      return region?.level ? [region, ...(region.children || [])] : [];
    }).catch((e) => {
      scopes.delete(nodeId);
      throw e;
    }));
  }
  return scopes.get(nodeId);
}

/** Regions of all the given scopes, without repeats. */
export async function loadScopes(nodeIds) {
  const lists = await Promise.all(nodeIds.map(loadScope));
  const seen = new Map();
  for (const region of lists.flat()) seen.set(region.id, region);
  return [...seen.values()];
}

/** The queue's address (filters), so "back to the queue" returns to the same view. */
export const lastQueue = { query: {}, caseId: null };
