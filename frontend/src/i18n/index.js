import { createI18n } from "vue-i18n";
import common from "./common.js";

export const LOCALES = ["ko", "zh", "en"];
const KEY = "grassroots.locale";

/** The stored choice, else the browser's first language we speak, else Chinese. */
function initialLocale() {
  const stored = localStorage.getItem(KEY);
  if (LOCALES.includes(stored)) return stored;
  for (const lang of navigator.languages || [navigator.language]) {
    const base = (lang || "").slice(0, 2).toLowerCase();
    if (LOCALES.includes(base)) return base;
  }
  return "zh";
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: "en",
  messages: common,
});

export function setLocale(locale) {
  i18n.global.locale.value = locale;
  localStorage.setItem(KEY, locale);
  document.documentElement.lang = locale;
}
document.documentElement.lang = i18n.global.locale.value;

/** Adds a page's own messages ({ ko: {...}, zh: {...}, en: {...} }) under its namespace. */
export function addMessages(messages) {
  for (const locale of LOCALES) i18n.global.mergeLocaleMessage(locale, messages[locale] || {});
}

/** The name of a region, category or department in the chosen language. */
export function localName(thing) {
  if (!thing) return "";
  const locale = i18n.global.locale.value;
  const key = { ko: "nameKo", zh: "nameZh", en: "nameEn" }[locale];
  return thing[key] || thing.nameZh || thing.nameKo || thing.name || "";
}
