import { describe, expect, it } from 'vitest';
import { Logger } from '../lib/observability/logger.ts';
import { createHandler, HANDLER_NAMES } from './registry.ts';

const ctx = { logger: new Logger({}, 'error', { write: () => undefined }), env: {} };

describe('the handler registry', () => {
  it('builds every shipped handler under the name Configurations use, with Akri\'s shared flags', async () => {
    const built = await Promise.all(HANDLER_NAMES.map((n) => createHandler(n, ctx)));
    expect(Object.fromEntries(built.map((h) => [h.name, h.shared]))).toEqual({
      debugEcho: false,
      onvif: true,
      opcua: true,
      udev: false,
      modbus: true,
      modbusRtu: false,
      ble: true,
    });
    // Importing every protocol library (node-opcua, noble, serialport...) takes 5-9 s on a
    // loaded 2-core machine, past vitest's default 5 s.
  }, 60_000);

  it('refuses an unknown name, listing the known ones', async () => {
    await expect(createHandler('zigbee', ctx)).rejects.toThrow(/unknown discovery handler "zigbee"; known: debugEcho, onvif/);
  });
});
