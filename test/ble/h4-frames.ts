// HCI over UART (H4) framing for the test controller: split the host's byte stream into command
// packets, and build the events a real controller answers with (Bluetooth Core 5.x, Vol 4
// Part E, 5.4 and 7.7). Only what the BLE tests need; written from the specification.

export const H4_COMMAND = 0x01;
export const H4_EVENT = 0x04;
const EVENT_COMMAND_COMPLETE = 0x0e;
const EVENT_LE_META = 0x3e;
const LE_SUBEVENT_ADVERTISING_REPORT = 0x02;

export interface HciCommand {
  opcode: number;
  params: Buffer;
}

/** Accumulates bytes from the host and returns each complete command packet once. */
export class H4CommandReader {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): HciCommand[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const commands: HciCommand[] = [];
    for (;;) {
      if (this.pending.length === 0) break;
      const type = this.pending[0];
      if (type !== H4_COMMAND) {
        // A host never sends events; ACL data would only come after a connection we never accept.
        throw new Error(`unexpected H4 packet type 0x${(type ?? 0).toString(16)} from the host`);
      }
      if (this.pending.length < 4) break;
      const length = this.pending.readUInt8(3);
      if (this.pending.length < 4 + length) break;
      commands.push({ opcode: this.pending.readUInt16LE(1), params: Buffer.from(this.pending.subarray(4, 4 + length)) });
      this.pending = this.pending.subarray(4 + length);
    }
    return commands;
  }
}

function event(code: number, parameters: Buffer): Buffer {
  return Buffer.concat([Buffer.from([H4_EVENT, code, parameters.length]), parameters]);
}

/** Command Complete with one command credit, the opcode, a status and the return parameters. */
export function commandComplete(opcode: number, status: number, returned: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt8(1, 0);
  head.writeUInt16LE(opcode, 1);
  head.writeUInt8(status, 3);
  return event(EVENT_COMMAND_COMPLETE, Buffer.concat([head, returned]));
}

export const ADV_IND = 0x00;
export const ADV_NONCONN_IND = 0x03;
export const SCAN_RSP = 0x04;

export interface AdvertisingReport {
  eventType: number;
  /** "aa:bb:cc:dd:ee:ff", most significant byte first as people write it. */
  address: string;
  random: boolean;
  data: Buffer;
  rssi: number;
}

/** Address bytes go on air least significant first. */
export function addressBytes(address: string): Buffer {
  return Buffer.from(address.split(':').reverse().join(''), 'hex');
}

/** One LE Advertising Report event carrying a single report. */
export function leAdvertisingReport(report: AdvertisingReport): Buffer {
  if (report.data.length > 31) throw new Error('legacy advertising data is at most 31 bytes');
  const rssi = Buffer.alloc(1);
  rssi.writeInt8(report.rssi, 0);
  return event(
    EVENT_LE_META,
    Buffer.concat([
      Buffer.from([LE_SUBEVENT_ADVERTISING_REPORT, 1, report.eventType, report.random ? 1 : 0]),
      addressBytes(report.address),
      Buffer.from([report.data.length]),
      report.data,
      rssi,
    ]),
  );
}

export interface AdFields {
  flags?: number;
  completeLocalName?: string;
  uuid16?: number[];
  /** 128-bit UUIDs in the usual dashed, big-endian text form. */
  uuid128?: string[];
  manufacturerData?: Buffer;
}

/** Encodes Advertising Data structures (length, AD type, value). */
export function advertisingData(fields: AdFields): Buffer {
  const parts: Buffer[] = [];
  const push = (type: number, value: Buffer): void => {
    parts.push(Buffer.from([value.length + 1, type]), value);
  };
  if (fields.flags !== undefined) push(0x01, Buffer.from([fields.flags]));
  if (fields.uuid16?.length) {
    const value = Buffer.alloc(2 * fields.uuid16.length);
    fields.uuid16.forEach((uuid, index) => value.writeUInt16LE(uuid, 2 * index));
    push(0x03, value);
  }
  if (fields.uuid128?.length) {
    push(0x07, Buffer.concat(fields.uuid128.map((uuid) => Buffer.from(uuid.replace(/-/g, ''), 'hex').reverse())));
  }
  if (fields.completeLocalName !== undefined) push(0x09, Buffer.from(fields.completeLocalName, 'utf8'));
  if (fields.manufacturerData) push(0xff, fields.manufacturerData);
  return Buffer.concat(parts);
}

export interface HciEvent {
  code: number;
  params: Buffer;
}

/** Accumulates bytes from a controller and returns each complete event packet once. */
export class H4EventReader {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): HciEvent[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const events: HciEvent[] = [];
    while (this.pending.length >= 3) {
      if (this.pending[0] !== H4_EVENT) throw new Error(`unexpected H4 packet type 0x${(this.pending[0] ?? 0).toString(16)}`);
      const length = this.pending.readUInt8(2);
      if (this.pending.length < 3 + length) break;
      events.push({ code: this.pending.readUInt8(1), params: Buffer.from(this.pending.subarray(3, 3 + length)) });
      this.pending = this.pending.subarray(3 + length);
    }
    return events;
  }
}

export function commandPacket(opcode: number, params: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt8(H4_COMMAND, 0);
  head.writeUInt16LE(opcode, 1);
  head.writeUInt8(params.length, 3);
  return Buffer.concat([head, params]);
}

/** Splits a Command Complete event into its opcode, status and return parameters. */
export function parseCommandComplete(event: HciEvent): { opcode: number; status: number; returned: Buffer } | undefined {
  if (event.code !== EVENT_COMMAND_COMPLETE || event.params.length < 4) return undefined;
  return { opcode: event.params.readUInt16LE(1), status: event.params.readUInt8(3), returned: event.params.subarray(4) };
}
