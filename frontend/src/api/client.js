import { reactive } from "vue";
import { createClient } from "graphql-ws";
import { session, clearSession } from "./session.js";

/** A GraphQL error response (not userErrors, which are data). */
export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

function headers() {
  const h = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  return h;
}

async function parse(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}` }]);
  }
  if (body.errors?.length) {
    if (body.errors.some((e) => /token is unknown or expired/i.test(e.message))) clearSession();
    throw new ApiError(body.errors);
  }
  return body.data;
}

/** Runs a query or mutation over HTTP and returns its data; GraphQL errors throw ApiError. */
export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ query, variables }),
  });
  return parse(response);
}

/**
 * A mutation with file uploads (GraphQL multipart request spec). `files` maps a variable
 * path such as "input.photos.0" to a File; those variables must be null in `variables`.
 */
export async function gqlUpload(query, variables, files) {
  const form = new FormData();
  const map = {};
  const entries = Object.entries(files);
  entries.forEach(([path], i) => (map[i] = [`variables.${path}`]));
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify(map));
  entries.forEach(([, file], i) => form.append(String(i), file, file.name));
  const h = { "GraphQL-Preflight": "1" };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  const response = await fetch("/graphql", { method: "POST", headers: h, body: form });
  return parse(response);
}

/** userErrors as { field: message }, so a form can show each message next to its field. */
export function fieldErrors(userErrors) {
  const out = {};
  for (const e of userErrors || []) out[e.field || "_"] = e.message;
  return out;
}

// --- subscriptions ------------------------------------------------------------------------
// One graphql-ws client per token; it reconnects by itself, and each subscriber resumes
// from the last event sequence it saw (the server replays what was missed).

export const connection = reactive({ state: "idle", retries: 0 });

let client = null;
let clientToken;

function wsUrl() {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/graphql`;
}

// The server's close codes for a connection it will not take with this token.
const REFUSED = new Set([4401, 4403]);

function refused(event) {
  return REFUSED.has(event?.code);
}

function liveClient() {
  if (client && clientToken === session.token) return client;
  client?.dispose();
  clientToken = session.token;
  client = createClient({
    url: wsUrl(),
    lazy: true,
    keepAlive: 15_000,
    retryAttempts: Infinity,
    // A refused token (unknown, expired, revoked) stays refused: the session ends and the
    // page asks to sign in, instead of knocking again every ten seconds all day.
    shouldRetry: (event) => {
      if (!refused(event)) return true;
      if (clientToken === session.token) clearSession();
      return false;
    },
    // Exponential back-off with jitter, capped at 10 s, so a room of screens does not
    // reconnect in lock-step after an outage.
    retryWait: async (retries) => {
      connection.retries = retries;
      const ms = Math.min(10_000, 500 * 2 ** retries) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, ms));
    },
    connectionParams: () => (session.token ? { authorization: `Bearer ${session.token}` } : {}),
    on: {
      connecting: () => (connection.state = "connecting"),
      connected: () => {
        connection.state = "connected";
        connection.retries = 0;
      },
      closed: () => (connection.state = "closed"),
      error: () => (connection.state = "closed"),
    },
  });
  return client;
}

/**
 * Subscribes and calls onData(data) for each message. `variables` may be a function, called
 * at every (re)subscription, so a feed can pass the last sequence it saw as `since`.
 * Returns a function that unsubscribes.
 */
export function subscribe(query, variables, onData, onError = console.error) {
  let stopped = false;
  let dispose = () => {};
  // graphql-ws re-sends this same payload object after every reconnect: a getter makes it
  // carry the caller's current `since`, so the server replays exactly what was missed.
  const payload = { query };
  Object.defineProperty(payload, "variables", {
    enumerable: true,
    get: () => (typeof variables === "function" ? variables() : variables),
  });
  const start = () => {
    if (stopped) return;
    dispose = liveClient().subscribe(payload, {
      next: (msg) => (msg.errors ? onError(new ApiError(msg.errors)) : onData(msg.data)),
      error: (err) => {
        onError(err);
        // Refused: whoever signs in next subscribes afresh.
        if (!stopped && !refused(err)) setTimeout(start, 2000);
      },
      complete: () => {
        if (!stopped) setTimeout(start, 2000);
      },
    });
  };
  start();
  return () => {
    stopped = true;
    dispose();
  };
}
