// Opens a serial line with the `serialport` package that modbus-serial ships with (resolved
// from modbus-serial's own folder, so we use exactly the copy our declared dependency brings
// and declare no second one). Only the handful of members the RTU link uses are typed here.
import { createRequire } from 'node:module';

export interface SerialLineOptions {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  stopBits: 1 | 2;
  parity: 'none' | 'even' | 'odd';
}

export interface SerialLine {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  write(data: Buffer): boolean;
  close(callback: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: () => void): this;
}

type SerialPortConstructor = new (options: SerialLineOptions & { autoOpen: boolean }) => SerialLine;

let constructorCache: SerialPortConstructor | undefined;

function serialPortConstructor(): SerialPortConstructor {
  if (!constructorCache) {
    const fromModbusSerial = createRequire(createRequire(import.meta.url).resolve('modbus-serial'));
    const mod = fromModbusSerial('serialport') as { SerialPort: SerialPortConstructor };
    constructorCache = mod.SerialPort;
  }
  return constructorCache;
}

export function openSerialLine(options: SerialLineOptions): Promise<SerialLine> {
  const SerialPort = serialPortConstructor();
  const line = new SerialPort({ ...options, autoOpen: false });
  return new Promise((resolve, reject) => {
    line.open((err) => (err ? reject(err) : resolve(line)));
  });
}
