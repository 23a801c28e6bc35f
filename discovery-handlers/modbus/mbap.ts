// Modbus TCP framing (the MBAP header): a 7-byte header in front of every PDU, whose length
// field lets us cut a byte stream into responses and whose transaction id lets us drop a late
// answer to a request that already timed out.

export interface MbapFrame {
  transactionId: number;
  unitId: number;
  pdu: Buffer;
}

const HEADER = 7;
/** Largest PDU (253) plus the unit id byte counted by the length field. */
const MAX_LENGTH_FIELD = 254;

export function encodeMbap(frame: MbapFrame): Buffer {
  const out = Buffer.alloc(HEADER + frame.pdu.length);
  out.writeUInt16BE(frame.transactionId & 0xffff, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(frame.pdu.length + 1, 4);
  out.writeUInt8(frame.unitId, 6);
  frame.pdu.copy(out, HEADER);
  return out;
}

/** Cuts a TCP byte stream into frames; throws when the stream cannot be Modbus at all. */
export class MbapDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): MbapFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: MbapFrame[] = [];
    while (this.buffered.length >= HEADER) {
      const protocol = this.buffered.readUInt16BE(2);
      const length = this.buffered.readUInt16BE(4);
      if (protocol !== 0) throw new Error(`MBAP protocol id ${protocol} is not Modbus (0)`);
      if (length < 2 || length > MAX_LENGTH_FIELD) throw new Error(`MBAP length ${length} is out of range`);
      if (this.buffered.length < 6 + length) break;
      frames.push({
        transactionId: this.buffered.readUInt16BE(0),
        unitId: this.buffered.readUInt8(6),
        pdu: Buffer.from(this.buffered.subarray(HEADER, 6 + length)),
      });
      this.buffered = this.buffered.subarray(6 + length);
    }
    return frames;
  }
}
