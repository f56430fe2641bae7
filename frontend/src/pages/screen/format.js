// Numbers, rates and times as the screen shows them, in the chosen language.

/** 0.8929 -> "89.3%"; no outcomes yet -> "—". */
export function percent(rate, locale) {
  if (rate === null || rate === undefined) return "—";
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

export function number(value, locale, digits = 0) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value ?? 0);
}

// Formatters are costly to build: one per language and time zone, kept for the day.
const formatters = new Map();

export function timeFormatter(locale, timeZone, options) {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, hourCycle: "h23", ...options });
    formatters.set(key, f);
  }
  return f;
}
