// TCP (MBAP) and RTU (CRC) framing: a stream cut anywhere reassembles, a late answer keeps its
// transaction id, and corrupted serial bytes are rejected rather than decoded.
import { describe, expect, it } from 'vitest';
import { MbapDecoder, encodeMbap } from './mbap.ts';
import { crc16, decodeRtuResponse, encodeRtu } from './rtu-frame.ts';

describe('MBAP framing', () => {
  it('reassembles frames split across and packed into TCP chunks', () => {
    const a = encodeMbap({ transactionId: 7, unitId: 1, pdu: Buffer.from([0x03, 0x02, 0x00, 0x2a]) });
    const b = encodeMbap({ transactionId: 8, unitId: 2, pdu: Buffer.from([0x83, 0x02]) });
    const stream = Buffer.concat([a, b]);
    const decoder = new MbapDecoder();
    const frames = [decoder.push(stream.subarray(0, 3)), decoder.push(stream.subarray(3, 12)), decoder.push(stream.subarray(12))].flat();
    expect(frames).toEqual([
      { transactionId: 7, unitId: 1, pdu: Buffer.from([0x03, 0x02, 0x00, 0x2a]) },
      { transactionId: 8, unitId: 2, pdu: Buffer.from([0x83, 0x02]) },
    ]);
  });

  it('refuses a stream that is not Modbus', () => {
    expect(() => new MbapDecoder().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(/protocol id/);
  });
});

describe('RTU framing', () => {
  it('computes the Modbus CRC of a textbook frame', () => {
    // 01 03 00 00 00 01 is sent as ... 84 0A.
    expect(crc16(Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x01]))).toBe(0x0a84);
    expect([...encodeRtu(1, Buffer.from([0x03, 0x00, 0x00, 0x00, 0x01]))]).toEqual([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0a]);
  });

  it('decodes a complete answer and waits for an incomplete one', () => {
    const frame = encodeRtu(17, Buffer.from([0x03, 0x02, 0x02, 0x2b]));
    expect(decodeRtuResponse(frame.subarray(0, 5))).toEqual({ kind: 'incomplete' });
    expect(decodeRtuResponse(frame)).toEqual({ kind: 'frame', unitId: 17, pdu: Buffer.from([0x03, 0x02, 0x02, 0x2b]) });
  });

  it('rejects a corrupted byte', () => {
    const frame = encodeRtu(17, Buffer.from([0x03, 0x02, 0x02, 0x2b]));
    frame.writeUInt8(frame.readUInt8(4) ^ 0x01, 4);
    expect(decodeRtuResponse(frame)).toMatchObject({ kind: 'invalid', reason: 'CRC mismatch' });
  });
});
