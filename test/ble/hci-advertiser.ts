// A BLE peripheral driven by raw HCI commands on one emulated controller (no bleno: it is not a
// dependency). btvirt 5.66 delivers an advertising report to scanners only when advertising or
// scanning is switched on, not once per advertising interval, so "advertising" here re-enables
// advertising every `repeatMs` to keep the scanner hearing the peripheral, as a real radio would.
import { connect, type Socket } from 'node:net';
import { commandPacket, H4EventReader, parseCommandComplete } from './h4-frames.ts';

const OP = {
  reset: 0x0c03,
  readBdAddr: 0x1009,
  leSetAdvertisingParameters: 0x2006,
  leSetAdvertisingData: 0x2008,
  leSetScanResponseData: 0x2009,
  leSetAdvertiseEnable: 0x200a,
} as const;

export interface AdvertiserOptions {
  advertising: Buffer;
  /** When given, the peripheral is connectable and scannable (ADV_IND) and answers scans. */
  scanResponse?: Buffer;
  repeatMs?: number;
}

function padded(data: Buffer): Buffer {
  if (data.length > 31) throw new Error('legacy advertising data is at most 31 bytes');
  return Buffer.concat([Buffer.from([data.length]), data, Buffer.alloc(31 - data.length)]);
}

export class HciAdvertiser {
  /** The controller's public address, as the scanner will report it. */
  address = '';
  private readonly reader = new H4EventReader();
  private waiting: { opcode: number; resolve: (returned: Buffer) => void; reject: (error: Error) => void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.reader.push(chunk)) {
        const complete = parseCommandComplete(event);
        if (!complete || !this.waiting || complete.opcode !== this.waiting.opcode) continue;
        const { resolve, reject } = this.waiting;
        this.waiting = undefined;
        if (complete.status === 0) resolve(complete.returned);
        else reject(new Error(`HCI command 0x${complete.opcode.toString(16)} failed with status 0x${complete.status.toString(16)}`));
      }
    });
  }

  static connect(path: string): Promise<HciAdvertiser> {
    return new Promise((resolve, reject) => {
      const socket = connect(path, () => resolve(new HciAdvertiser(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one command and waits for its Command Complete (one command in flight at a time). */
  command(opcode: number, params?: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`no Command Complete for 0x${opcode.toString(16)}`)), 2_000);
      this.waiting = {
        opcode,
        resolve: (returned) => (clearTimeout(timeout), resolve(returned)),
        reject: (error) => (clearTimeout(timeout), reject(error)),
      };
      this.socket.write(commandPacket(opcode, params));
    });
  }

  async start(options: AdvertiserOptions): Promise<void> {
    await this.command(OP.reset);
    const address = await this.command(OP.readBdAddr);
    this.address = [...address].reverse().map((byte) => byte.toString(16).padStart(2, '0')).join(':');
    const parameters = Buffer.alloc(15);
    parameters.writeUInt16LE(0x00a0, 0); // 100 ms minimum interval
    parameters.writeUInt16LE(0x00a0, 2); // 100 ms maximum interval
    parameters.writeUInt8(options.scanResponse ? 0x00 : 0x03, 4); // ADV_IND or ADV_NONCONN_IND
    parameters.writeUInt8(0x07, 13); // all three advertising channels
    await this.command(OP.leSetAdvertisingParameters, parameters);
    await this.command(OP.leSetAdvertisingData, padded(options.advertising));
    if (options.scanResponse) await this.command(OP.leSetScanResponseData, padded(options.scanResponse));
    await this.command(OP.leSetAdvertiseEnable, Buffer.from([1]));
    this.timer = setInterval(() => {
      this.busy = this.busy
        .then(async () => {
          await this.command(OP.leSetAdvertiseEnable, Buffer.from([0]));
          await this.command(OP.leSetAdvertiseEnable, Buffer.from([1]));
        })
        .catch(() => undefined); // a closing socket ends the loop; stop() reports real failures
    }, options.repeatMs ?? 200);
  }

  /** Stops advertising (the peripheral goes silent) but keeps the controller. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
    await this.command(OP.leSetAdvertiseEnable, Buffer.from([0]));
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.destroy();
  }
}
