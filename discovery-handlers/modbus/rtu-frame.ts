// Modbus RTU framing: unit id + PDU + CRC-16 (poly 0xA001, little-endian on the wire). A serial
// line has no length field, so the decoder reads the PDU's own structure to find the end of an
// answer (see expectedResponsePduLength) instead of relying on inter-frame silence.
import { expectedResponsePduLength } from './pdu.ts';

export function crc16(bytes: Buffer): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function encodeRtu(unitId: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(pdu.length + 3);
  out.writeUInt8(unitId, 0);
  pdu.copy(out, 1);
  out.writeUInt16LE(crc16(out.subarray(0, pdu.length + 1)), pdu.length + 1);
  return out;
}

export type RtuDecodeResult =
  | { kind: 'incomplete' }
  | { kind: 'frame'; unitId: number; pdu: Buffer }
  | { kind: 'invalid'; reason: string };

/** Decodes the answer at the start of `bytes` (everything read since the request was sent). */
export function decodeRtuResponse(bytes: Buffer): RtuDecodeResult {
  if (bytes.length < 2) return { kind: 'incomplete' };
  const pduLength = expectedResponsePduLength(bytes.subarray(1));
  if (pduLength === undefined) return { kind: 'incomplete' };
  if (pduLength === 'unknown') return { kind: 'invalid', reason: `unexpected function code 0x${bytes.readUInt8(1).toString(16)}` };
  const total = 1 + pduLength + 2;
  if (bytes.length < total) return { kind: 'incomplete' };
  const expected = crc16(bytes.subarray(0, total - 2));
  if (bytes.readUInt16LE(total - 2) !== expected) return { kind: 'invalid', reason: 'CRC mismatch' };
  return { kind: 'frame', unitId: bytes.readUInt8(0), pdu: Buffer.from(bytes.subarray(1, 1 + pduLength)) };
}
