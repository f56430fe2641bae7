// Dates and refusals in the reader's language.
import { i18n } from "../../i18n/index.js";

const TAGS = { ko: "ko-KR", zh: "zh-CN", en: "en-GB" };
const tag = () => TAGS[i18n.global.locale.value] || "en-GB";

export function dateTime(value) {
  if (!value) return "";
  return new Intl.DateTimeFormat(tag(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}

/** "Mon 30 Nov, 14:00–16:00"; the end's date only when it is another day. */
export function timeRange(start, end) {
  const [from, to] = [new Date(start), new Date(end)];
  const day = new Intl.DateTimeFormat(tag(), { weekday: "short", month: "short", day: "numeric" });
  const time = new Intl.DateTimeFormat(tag(), { hour: "2-digit", minute: "2-digit" });
  const sameDay = from.toDateString() === to.toDateString();
  return `${day.format(from)} ${time.format(from)}–${sameDay ? "" : `${day.format(to)} `}${time.format(to)}`;
}

/**
 * A refusal in words: the page's own sentence for the refusals a member meets every day
 * (full, overlapping, twice), else the API's message.
 */
export function refusal(userErrors) {
  const error = userErrors[0];
  if (!error) return "";
  const key = `party.refusal.${error.code}`;
  return i18n.global.te(key) ? i18n.global.t(key) : error.message;
}
