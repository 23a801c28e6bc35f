// What a handler's discovery-latency scenario provides: a Configuration whose discovery will
// find exactly one device, and a way to make that device appear and vanish for real (a
// simulator starts or stops, a Hello or Bye goes out, a umockdev device is plugged...).
import type { ConfigurationSpec } from '../../lib/crd/configuration.ts';
import type { DiscoveryHandler } from '../../lib/discovery/handler.ts';
import type { BenchArgs, Figures } from '../benchmark.ts';

export interface LatencyScenario {
  /** The handler name the Configuration uses. */
  handler: string;
  /** The handler's own polling interval in this run (0 when it is event-driven only). */
  intervalSeconds: number;
  /** Discovery settings; the driver adds the grace period and the Configuration's name. */
  configuration(): ConfigurationSpec;
  /**
   * How the agent gets the handler: an object it embeds, or undefined when setup() starts an
   * external handler process that registers with `handlersDir` itself.
   */
  embeddedHandler?(): Promise<DiscoveryHandler>;
  /** Starts whatever must run before the device exists (peers, external handler processes). */
  setup(ctx: { handlersDir: string; workDir: string }): Promise<void>;
  deviceUp(): Promise<void>;
  deviceDown(): Promise<void>;
  teardown(): Promise<void>;
  /**
   * How long discovery runs with the device absent before it is brought up (default 2000 ms):
   * longer for handlers whose first snapshot waits (BLE listens 5 s before its first one).
   */
  settleMs?: number;
  /** Figures only this handler has (e.g. Modbus's /24 scanSeconds), added to the result line. */
  extraFigures?(): Promise<Figures>;
}

export type ScenarioFactory = (args: BenchArgs) => LatencyScenario;
