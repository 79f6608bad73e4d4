/**
 * Status codes of PROTOCOL.md §4, with the exact phrases the spec shows, plus the two of
 * p2pci's ranged-GET extension (RFC 9110 §15.3.7, §15.5.17): 206 and 416 are only ever sent
 * to a downloader whose GET carried a Range header.
 */
export type StatusCode = 200 | 206 | 400 | 404 | 416 | 505;

export const STATUS_PHRASES: Readonly<Record<StatusCode, string>> = {
  200: 'OK',
  206: 'Partial Content',
  400: 'Bad Request',
  404: 'Not Found',
  416: 'Range Not Satisfiable',
  505: 'P2P-CI Version Not Supported',
};

export function isStatusCode(n: number): n is StatusCode {
  return n === 200 || n === 206 || n === 400 || n === 404 || n === 416 || n === 505;
}
