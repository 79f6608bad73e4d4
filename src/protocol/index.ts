/** The P2P-CI/1.0 wire protocol: pure, socket-free. See PROTOCOL.md. */
export * from './version.js';
export * from './status.js';
export * from './errors.js';
export * from './limits.js';
export * from './messages.js';
export * from './encode.js';
export * from './record-line.js';
export * from './status-line.js';
export * from './headers.js';
export * from './http-date.js';
export * from './line-reader.js';
export * from './request-line.js';
export * from './request-parser.js';
export * from './response-parser.js';
export * from './get-response-head.js';
export * from './dialects/index.js';
export * from './range.js';
