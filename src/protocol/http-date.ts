/** IMF-fixdate of RFC 7231 §7.1.1.1, e.g. `Wed, 12 Feb 2009 15:12:05 GMT`. */
export function httpDate(date: Date): string {
  return date.toUTCString();
}
