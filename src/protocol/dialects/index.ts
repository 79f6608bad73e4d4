/** The dialect layer (DIALECTS.md): a pure table of P2P-CI dialects and what they need. */
export * from './shape.js';
export * from './table.js';
export * from './recognise.js';
export * from './answer-encode.js';
export * from './request-encode.js';
export * from './uploader-reaction.js';
