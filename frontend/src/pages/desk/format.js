// Dates and names as the desk shows them, in the chosen language.
import { ref } from "vue";
import { i18n } from "../../i18n/index.js";

const TAGS = { ko: "ko-KR", zh: "zh-CN", en: "en-GB" };
const tag = () => TAGS[i18n.global.locale.value] || "en-GB";

/** The current time, ticking every 30 s, so "due in …" and overdue marks stay true. */
export const now = ref(Date.now());
setInterval(() => (now.value = Date.now()), 30_000);

export function formatTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(tag(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatShort(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(tag(), {
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

/** "in 35 minutes" / "2 hours ago", relative to `now`. */
export function relative(iso) {
  if (!iso) return "";
  const minutes = Math.round((new Date(iso).getTime() - now.value) / 60_000);
  const rtf = new Intl.RelativeTimeFormat(tag(), { numeric: "auto" });
  const abs = Math.abs(minutes);
  if (abs < 60) return rtf.format(minutes, "minute");
  if (abs < 48 * 60) return rtf.format(Math.round(minutes / 60), "hour");
  return rtf.format(Math.round(minutes / 1440), "day");
}

const OPEN = ["REPORTED", "ACCEPTED", "DISPATCHED", "IN_PROGRESS"];

/** The deadline that matters now: the claim deadline while departments are summoned, else
 * the resolve deadline while the case is open. */
export function currentDue(c) {
  if (c.status === "DISPATCHED" && c.claimDueAt) return c.claimDueAt;
  return OPEN.includes(c.status) ? c.resolveDueAt : null;
}

/** The API's overdue flag, or a deadline that has passed since the case was loaded. */
export function isOverdue(c) {
  if (c.overdue) return true;
  const due = currentDue(c);
  return !!due && new Date(due).getTime() < now.value;
}
