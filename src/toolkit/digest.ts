import crypto from 'node:crypto';

/**
 * The `algorithm` digest of `text` (UTF-8) in `encoding`: Node's one-shot `crypto.hash` where it exists (20.12+;
 * no Hash object per call), else `createHash`. Same output either way.
 */
export const digest: (algorithm: 'sha1' | 'sha256', text: string, encoding: 'hex' | 'base64url') => string =
  typeof crypto.hash === 'function'
    ? (algorithm, text, encoding) => crypto.hash(algorithm, text, encoding)
    : (algorithm, text, encoding) => crypto.createHash(algorithm).update(text).digest(encoding);
