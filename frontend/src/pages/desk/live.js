// Following the event log of the regions a desk user staffs. Each event only notes which
// subject changed; the queue fetches the changed rows in one batch per window, so a burst of
// events costs one or two queries, not one per event.
import { onBeforeUnmount } from "vue";
import { subscribe } from "../../api/client.js";
import { CASE_EVENTS } from "./queries.js";

const WINDOW_MS = 1000;

/**
 * Subscribes to `events(regionId, since)` for each region and calls
 * onBatch({ cases: Set<id>, listItems: boolean }) at most once per second while events arrive.
 * Resumes after a reconnect from the last sequence it saw, so nothing is missed.
 */
export function useRegionEvents(regionIds, onBatch) {
  let caseIds = new Set();
  let listItems = false;
  let timer = null;
  const lastSeq = new Map();

  const flush = () => {
    timer = null;
    const batch = { cases: caseIds, listItems };
    caseIds = new Set();
    listItems = false;
    onBatch(batch);
  };

  const stops = regionIds.map((regionId) =>
    subscribe(
      CASE_EVENTS,
      () => ({ regionId, since: lastSeq.get(regionId) ?? null }),
      (data) => {
        const event = data.events;
        lastSeq.set(regionId, event.seq);
        if (event.subjectType === "Case") caseIds.add(event.subjectId);
        else if (event.subjectType === "ListItem") listItems = true;
        else return;
        timer ??= setTimeout(flush, WINDOW_MS);
      },
    ),
  );

  onBeforeUnmount(() => {
    stops.forEach((stop) => stop());
    clearTimeout(timer);
  });
}
