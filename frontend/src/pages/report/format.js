// Dates in the reader's language.
import { i18n } from "../../i18n/index.js";

const TAGS = { ko: "ko-KR", zh: "zh-CN", en: "en-GB" };

/** "2026년 11월 2일 오전 9:00" / "2026年11月2日 09:00" / "2 Nov 2026, 09:00". */
export function dateTime(value) {
  if (!value) return "";
  const tag = TAGS[i18n.global.locale.value] || "en-GB";
  return new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
