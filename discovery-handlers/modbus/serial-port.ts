// Opens a serial line with `serialport`, declared as our own dependency at the version
// modbus-serial uses (one copy). The RTU link reads and writes raw frames itself, so it needs
// only the handful of members typed here, which also lets tests pass a pty in its place.
// `serialport` (and its native binding) is imported when the first line opens, so the Modbus TCP
// handler, which shares this code, never loads it (about 4 MiB of a process).

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

export async function openSerialLine(options: SerialLineOptions): Promise<SerialLine> {
  const { SerialPort } = await import('serialport');
  const line = new SerialPort({ ...options, autoOpen: false });
  return new Promise((resolve, reject) => {
    line.open((err) => (err ? reject(err) : resolve(line)));
  });
}
