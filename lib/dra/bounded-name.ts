// Kubernetes limits the length of names and attribute values; Configuration and Instance
// names can be longer. A value that fits is kept as is; one that does not keeps its start and
// ends with `-` and six hex digits of its SHA-256, so it stays unique, deterministic (every
// writer and every selector computes the same form) and recognisable.
import { createHash } from 'node:crypto';

export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 6);
}

/**
 * `value` if it has at most `max` characters, else its first characters (trailing `-` and `.`
 * dropped, so a DNS name stays valid) + `-` + shortHash(value), `max` characters at most.
 */
export function bounded(value: string, max: number): string {
  if (value.length <= max) return value;
  const head = value.slice(0, max - 7).replace(/[-.]+$/, '');
  return `${head}-${shortHash(value)}`;
}
