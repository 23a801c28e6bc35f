// A fake LE controller speaking H4 on a Unix socket, the same shape as btvirt's
// /tmp/bt-server-le, so `socat PTY UNIX-CONNECT` turns it into the serial port noble's UART
// transport opens. It answers the commands noble sends while bringing a controller up (the
// list below was taken from logging noble 2.8.0; see the received log) and, while the host
// scans, sends LE Advertising Reports for scripted peripherals, as a real radio would.
import { createServer, type Server, type Socket } from 'node:net';
import {
  ADV_IND,
  ADV_NONCONN_IND,
  addressBytes,
  commandComplete,
  H4CommandReader,
  leAdvertisingReport,
  SCAN_RSP,
  type HciCommand,
} from './h4-frames.ts';

const SUCCESS = 0x00;
const UNKNOWN_COMMAND = 0x01;

export const OPCODE = {
  setEventMask: 0x0c01,
  reset: 0x0c03,
  readLeHostSupported: 0x0c6c,
  writeLeHostSupported: 0x0c6d,
  readLocalVersion: 0x1001,
  readLocalSupportedCommands: 0x1002,
  readBufferSize: 0x1005,
  readBdAddr: 0x1009,
  leSetEventMask: 0x2001,
  leReadBufferSize: 0x2002,
  leReadLocalSupportedFeatures: 0x2003,
  leSetScanParameters: 0x200b,
  leSetScanEnable: 0x200c,
} as const;

export interface ScriptedPeripheral {
  address: string;
  random: boolean;
  rssi: number;
  /** Advertising data; sent as ADV_NONCONN_IND, or ADV_IND when a scan response is given. */
  advertising: Buffer;
  scanResponse?: Buffer;
}

export class FakeH4Controller {
  /** Every command the host sent, in order, for assertions and for learning what noble needs. */
  readonly received: HciCommand[] = [];
  private readonly peripherals = new Map<string, ScriptedPeripheral>();
  private readonly server: Server;
  private host: Socket | undefined;
  private scanning = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly address = '00:aa:01:00:00:01',
    /** How often each scripted peripheral "advertises" while the host scans. */
    private readonly advertisingIntervalMs = 100,
  ) {
    this.server = createServer((socket) => this.attach(socket));
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => resolve());
    });
  }

  get isScanning(): boolean {
    return this.scanning;
  }

  /** Adds or replaces a peripheral; it is heard from the next advertising interval on. */
  advertise(peripheral: ScriptedPeripheral): void {
    this.peripherals.set(peripheral.address, { ...peripheral });
  }

  setRssi(address: string, rssi: number): void {
    const peripheral = this.peripherals.get(address);
    if (!peripheral) throw new Error(`no scripted peripheral ${address}`);
    peripheral.rssi = rssi;
  }

  /** The peripheral goes silent (out of range, battery gone). */
  silence(address: string): void {
    this.peripherals.delete(address);
  }

  async close(): Promise<void> {
    this.stopAdvertising();
    this.host?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private attach(socket: Socket): void {
    this.host?.destroy();
    this.host = socket;
    const reader = new H4CommandReader();
    socket.on('data', (chunk: Buffer) => {
      for (const command of reader.push(chunk)) this.answer(command);
    });
    socket.on('close', () => {
      if (this.host === socket) {
        this.host = undefined;
        this.stopAdvertising();
      }
    });
    socket.on('error', () => undefined); // the host closing the pty mid-write is normal teardown
  }

  private send(frame: Buffer): void {
    this.host?.write(frame);
  }

  private answer(command: HciCommand): void {
    this.received.push(command);
    const { opcode, params } = command;
    const ok = (returned?: Buffer): void => this.send(commandComplete(opcode, SUCCESS, returned));
    switch (opcode) {
      case OPCODE.reset:
        this.stopAdvertising();
        return ok();
      case OPCODE.setEventMask:
      case OPCODE.leSetEventMask:
      case OPCODE.writeLeHostSupported:
      case OPCODE.leSetScanParameters:
        return ok();
      case OPCODE.readLeHostSupported:
        return ok(Buffer.from([0x01, 0x00]));
      case OPCODE.readLocalVersion:
        // HCI/LMP version 5.0 (0x09); noble refuses controllers older than 4.0 (0x06).
        return ok(Buffer.from([0x09, 0x00, 0x00, 0x09, 0xf1, 0x05, 0x00, 0x00]));
      case OPCODE.readLocalSupportedCommands:
        return ok(Buffer.alloc(64));
      case OPCODE.readBufferSize:
        return ok(Buffer.from([0xfd, 0x03, 0x00, 0x08, 0x00, 0x00, 0x00]));
      case OPCODE.readBdAddr:
        return ok(addressBytes(this.address));
      case OPCODE.leReadBufferSize:
        return ok(Buffer.from([0x1b, 0x00, 0x08]));
      case OPCODE.leReadLocalSupportedFeatures:
        // No extended advertising, so the host uses legacy scanning and legacy reports.
        return ok(Buffer.alloc(8));
      case OPCODE.leSetScanEnable: {
        ok();
        if (params[0] === 1) this.startAdvertising();
        else this.stopAdvertising();
        return;
      }
      default:
        this.send(commandComplete(opcode, UNKNOWN_COMMAND));
    }
  }

  private startAdvertising(): void {
    this.scanning = true;
    if (this.timer) return;
    this.timer = setInterval(() => this.advertisingEvent(), this.advertisingIntervalMs);
  }

  private stopAdvertising(): void {
    this.scanning = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private advertisingEvent(): void {
    for (const peripheral of this.peripherals.values()) {
      const { address, random, rssi } = peripheral;
      const eventType = peripheral.scanResponse ? ADV_IND : ADV_NONCONN_IND;
      this.send(leAdvertisingReport({ eventType, address, random, rssi, data: peripheral.advertising }));
      if (peripheral.scanResponse) {
        this.send(leAdvertisingReport({ eventType: SCAN_RSP, address, random, rssi, data: peripheral.scanResponse }));
      }
    }
  }
}
