// Instance names, byte-for-byte as Akri v0.13 makes them: `<configuration>-<hash>`, where the
// hash is BLAKE2b with a 3-byte digest (digest length is a BLAKE2 parameter, so this is not
// a truncated BLAKE2b-512) of the device id, or of the id immediately followed by the node
// name for devices that only one node can reach. Lowercase hex, always 6 characters.
import { blake2b } from '@noble/hashes/blake2.js';

const encoder = new TextEncoder();

export function deviceHash(deviceId: string, shared: boolean, nodeName: string): string {
  const input = shared ? deviceId : `${deviceId}${nodeName}`;
  return Buffer.from(blake2b(encoder.encode(input), { dkLen: 3 })).toString('hex');
}

export function instanceName(configurationName: string, hash: string): string {
  return `${configurationName}-${hash}`;
}

/** The CDI fully qualified device name Akri writes into Instance.spec.cdiName. */
export function cdiName(configurationName: string, hash: string): string {
  return `akri.sh/${configurationName}=${hash}`;
}
