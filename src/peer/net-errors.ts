/** Network errors in the words a user reads in a one-line message. */
export function describeNetError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ETIMEDOUT': return 'timed out';
    case 'ENOTFOUND': case 'EAI_AGAIN': return `host not found`;
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    default: return err.message;
  }
}
