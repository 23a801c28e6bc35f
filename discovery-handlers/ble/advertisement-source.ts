// The seam between the handler's decisions and the radio. The handler only needs "call me with
// each advertisement until the signal aborts"; noble (or a test double) provides it.
import type { BleAdvertisement } from './advertisement.ts';
import type { BleTransport } from './details.ts';

export interface AdvertisementSource {
  /**
   * Starts scanning with duplicates allowed (so "last heard" stays fresh). Resolves once
   * scanning runs; rejects when the controller cannot be brought up. Calls `onFailure` when the
   * controller is lost later (unplugged, powered off): silence from a dead radio must not read
   * as "every device left". Stops, releasing the controller, when `signal` aborts.
   */
  start(
    onAdvertisement: (advertisement: BleAdvertisement) => void,
    onFailure: (error: Error) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** Resolves when the source has fully stopped after `signal` aborted. */
  stopped(): Promise<void>;
}

export type AdvertisementSourceFactory = (transport: BleTransport) => AdvertisementSource;
