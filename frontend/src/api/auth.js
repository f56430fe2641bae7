import { gql } from "./client.js";
import { setSession, clearSession, session } from "./session.js";

export const ACCOUNT_FIELDS = `
  id username displayName locale roles
  bindings { role region { id code level nameKo nameZh nameEn } department { id code nameKo nameZh nameEn } }
`;

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { token account { ${ACCOUNT_FIELDS} } userErrors { field message code } }
}`;

const ME = `query Me { me { ${ACCOUNT_FIELDS} } }`;

/**
 * Signs in; returns userErrors (empty on success) and `adopt`, which stores the session.
 * The caller adopts it in the same synchronous step as announcing success: had the session
 * been stored here, before an await, a page that hides the form as soon as a session exists
 * would unmount it first and swallow its "signed-in" event.
 */
export async function login(username, password) {
  const data = await gql(LOGIN, { input: { username, password } });
  const result = data.login;
  const adopt = () => result.token && setSession(result.token, result.account);
  return { userErrors: result.userErrors, adopt };
}

/** Adopts a token given in the address (wall screens), then refreshes the account. */
export async function restoreSession() {
  const params = new URLSearchParams(window.location.search);
  const token = params.get("token");
  if (token) {
    setSession(token, null);
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
  }
  if (!session.token) return null;
  try {
    const data = await gql(ME);
    if (!data.me) {
      clearSession();
      return null;
    }
    setSession(session.token, data.me);
    return data.me;
  } catch {
    return session.account;
  }
}

export function logout() {
  clearSession();
}
