// The live feed: events in, a bounded list of what the room should see out.
//
// A screen runs for days and may receive thousands of events in a burst (a replay after an
// outage), so: nothing grows with the number of events (one sequence number, at most `size`
// pending and shown items), duplicates are dropped by sequence (the log's order is strict,
// so "seen" is just "not above the last one"), and the list is redrawn at most a few times a
// second however fast events come.
import { shallowRef } from "vue";

export const FEED_SIZE = 30;
const FLUSH_MS = 200;

// Which steps the room sees, and the colour of their edge.
const TONES = {
  case_reported: "report", case_accepted: "report", case_whistled: "alarm", case_escalated: "alarm",
  case_reopened: "alarm", case_claimed: "work", case_self_handled: "work", case_arrived: "work",
  case_resolved: "done", case_closed: "done",
  list_item_created: "party", list_item_claimed: "party", list_item_done: "done",
  wish_claimed: "party", wish_done: "done", task_created: "party", assignment_signed_up: "party",
};

/** An event as the feed shows it, or null for one it leaves out (comments, ratings…). Only
 * primitives are kept, so the event's payload can be collected at once. */
export function feedItem(event) {
  const p = event.payload || {};
  let key = event.kind.replace(".", "_");
  if (p.kind === "WISH" && (key === "list_item_claimed" || key === "list_item_done")) {
    key = key === "list_item_claimed" ? "wish_claimed" : "wish_done";
  }
  const tone = TONES[key];
  if (!tone) return null;
  return Object.freeze({
    seq: event.seq,
    key,
    tone,
    at: event.createdAt,
    number: p.number || "",
    title: p.title || "",
    slots: key === "assignment_signed_up" ? Object.freeze({ taken: p.taken, slots: p.slots }) : null,
  });
}

export function createFeed(size = FEED_SIZE) {
  const items = shallowRef([]); // newest first, at most `size`
  let lastSeq = null;
  let pending = []; // newest last, at most `size`
  let timer = 0;

  function flush() {
    timer = 0;
    if (!pending.length) return;
    const fresh = pending.reverse();
    pending = [];
    items.value = fresh.concat(items.value).slice(0, size);
  }

  return {
    items,
    /** The last sequence seen: pass it as `since` when (re)subscribing. */
    since: () => lastSeq,
    /** Takes an event; returns false for one seen already. */
    take(event) {
      if (lastSeq !== null && event.seq <= lastSeq) return false;
      lastSeq = event.seq;
      const item = feedItem(event);
      if (item) {
        pending.push(item);
        if (pending.length > size) pending.shift();
        if (!timer) timer = setTimeout(flush, FLUSH_MS);
      }
      return true;
    },
    flush,
    stop() {
      clearTimeout(timer);
      timer = 0;
      pending = [];
    },
  };
}
