/** Status codes of PROTOCOL.md §4, with the exact phrases the spec shows. */
export type StatusCode = 200 | 400 | 404 | 505;

export const STATUS_PHRASES: Readonly<Record<StatusCode, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  505: 'P2P-CI Version Not Supported',
};

export function isStatusCode(n: number): n is StatusCode {
  return n === 200 || n === 400 || n === 404 || n === 505;
}
