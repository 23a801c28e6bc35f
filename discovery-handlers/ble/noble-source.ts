// Scans with @stoprocent/noble over the transport named in discoveryDetails: the kernel HCI
// socket (hciN) or an HCI controller on a UART (H4), which is also how the tests reach a fake
// controller through a pty. Noble is loaded lazily so importing the handler needs no radio.
import type { Noble, Peripheral } from '@stoprocent/noble';
import type { BleAdvertisement } from './advertisement.ts';
import type { AdvertisementSource } from './advertisement-source.ts';
import { describeTransport, type BleTransport } from './details.ts';
import { sleep } from '../../lib/time/sleep.ts';

/** How long to wait for the controller to answer its init commands and report poweredOn. */
const POWER_ON_TIMEOUT_MS = 10_000;

export function peripheralAdvertisement(peripheral: Peripheral): BleAdvertisement {
  const { advertisement } = peripheral;
  const result: BleAdvertisement = {
    address: peripheral.address,
    addressType: peripheral.addressType === 'random' ? 'random' : 'public',
    serviceUuids: advertisement.serviceUuids ?? [],
    rssi: peripheral.rssi,
  };
  if (advertisement.localName) result.localName = advertisement.localName;
  if (advertisement.manufacturerData) result.manufacturerData = advertisement.manufacturerData;
  return result;
}

async function createNoble(transport: BleTransport): Promise<Noble> {
  const { withBindings } = await import('@stoprocent/noble');
  if (transport.type === 'uart') {
    return withBindings('hci', {
      hciDriver: 'uart',
      bindParams: { uart: { port: transport.port, baudRate: transport.baudRate }, usb: undefined },
    });
  }
  return withBindings('hci', { hciDriver: 'native', deviceId: transport.deviceId });
}

export class NobleAdvertisementSource implements AdvertisementSource {
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly transport: BleTransport) {}

  async start(
    onAdvertisement: (advertisement: BleAdvertisement) => void,
    onFailure: (error: Error) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const noble = await createNoble(this.transport);
    const controller = describeTransport(this.transport);
    const onDiscover = (peripheral: Peripheral): void => {
      // Peripherals without an address (macOS bindings) cannot be identified; HCI always has one.
      if (peripheral.address) onAdvertisement(peripheralAdvertisement(peripheral));
    };
    // Noble reports a closed UART or a downed hciN as a state change, not as an error.
    const onStateChange = (state: string): void => {
      if (state !== 'poweredOn') onFailure(new Error(`BLE controller ${controller} went ${state} while scanning`));
    };
    let release!: () => void;
    this.done = new Promise<void>((resolve) => (release = resolve));
    const stop = async (): Promise<void> => {
      noble.removeListener('discover', onDiscover);
      noble.removeListener('stateChange', onStateChange);
      try {
        await Promise.race([noble.stopScanningAsync(), sleep(1000)]);
      } catch {
        // The controller may already be gone; stopping the bindings below still frees it.
      }
      noble.stop();
      release();
    };
    try {
      try {
        await noble.waitForPoweredOnAsync(POWER_ON_TIMEOUT_MS);
      } catch (error) {
        throw new Error(
          `BLE controller ${controller} did not power on within ${POWER_ON_TIMEOUT_MS / 1000} s (state ${noble.state}): ${(error as Error).message}`,
        );
      }
      if (signal.aborted) throw signal.reason;
      noble.on('discover', onDiscover);
      noble.on('stateChange', onStateChange);
      await noble.startScanningAsync([], true);
    } catch (error) {
      await stop();
      throw error;
    }
    if (signal.aborted) await stop();
    else signal.addEventListener('abort', () => void stop(), { once: true });
  }

  stopped(): Promise<void> {
    return this.done;
  }
}
