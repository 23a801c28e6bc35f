// Instance names, byte-for-byte as Akri v0.13 makes them: `<configuration>-<hash>`, where the
// hash is BLAKE2b with a 3-byte digest (digest length is a BLAKE2 parameter, so this is not
// a truncated BLAKE2b-512) of the device id, or of the id immediately followed by the node
// name for devices that only one node can reach. Lowercase hex, always 6 characters.
import { blake2b } from '@noble/hashes/blake2.js';

const encoder = new TextEncoder();

// An agent hashes every device of a Configuration each time it plans it, and the hash is a
// pure function of its input: remembered, up to a bound that a node's devices never reach.
const MEMO_LIMIT = 50_000;
const memo = new Map<string, string>();

export function deviceHash(deviceId: string, shared: boolean, nodeName: string): string {
  const input = shared ? deviceId : `${deviceId}${nodeName}`;
  let hash = memo.get(input);
  if (hash === undefined) {
    hash = Buffer.from(blake2b(encoder.encode(input), { dkLen: 3 })).toString('hex');
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(input, hash);
  }
  return hash;
}

export function instanceName(configurationName: string, hash: string): string {
  return `${configurationName}-${hash}`;
}

/** The CDI fully qualified device name Akri writes into Instance.spec.cdiName. */
export function cdiName(configurationName: string, hash: string): string {
  return `akri.sh/${configurationName}=${hash}`;
}
