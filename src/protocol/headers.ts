/**
 * Header-line helpers shared by the request and response readers. Names are compared in
 * lower case (§6); values are trimmed of leading and trailing spaces and tabs.
 */
const HEADER_SHAPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:/;

/** True for `Name: value` lines — used to skip strays that belong to a previous request. */
export function isHeaderShaped(line: string): boolean {
  return HEADER_SHAPE.test(line);
}

export interface HeaderLine {
  name: string;
  value: string;
}

/** Splits `Name: value`; null when the line has no colon or no valid name. */
export function splitHeaderLine(line: string): HeaderLine | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim().toLowerCase();
  if (name === '' || /[ \t]/.test(name)) return null;
  return { name, value: line.slice(colon + 1).trim() };
}

const PORT_WORD = /^\d{1,5}$/;

/** A port 1–65535 written in decimal, or null. */
export function parsePort(value: string): number | null {
  if (!PORT_WORD.test(value)) return null;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : null;
}

const RFC_WORD = /^\d{1,9}$/;

/** An RFC number: decimal digits only, no sign, at most 9 digits (§2). */
export function parseRfcNumber(word: string): number | null {
  return RFC_WORD.test(word) ? Number(word) : null;
}

/** Splits a line into words on runs of spaces or tabs (§6). */
export function words(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}
