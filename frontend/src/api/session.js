import { reactive } from "vue";

// One signed-in session per browser, kept across reloads. A wall screen may also be given
// its DISPLAY token in the address (?token=…), which replaces the stored one.
const KEY = "grassroots.session";

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || {};
  } catch {
    return {};
  }
}

export const session = reactive({ token: null, account: null, ...load() });

export function setSession(token, account) {
  session.token = token;
  session.account = account;
  localStorage.setItem(KEY, JSON.stringify({ token, account }));
}

export function clearSession() {
  session.token = null;
  session.account = null;
  localStorage.removeItem(KEY);
}

/** The role bindings of the signed-in account, e.g. hasRole("COMMUNITY_STAFF"). */
export function hasRole(...roles) {
  return (session.account?.roles || []).some((r) => roles.includes(r));
}
