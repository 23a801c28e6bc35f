// The device plugins one agent serves, kept registered with the kubelet: each is started and
// registered when added; when the kubelet restarts (or deletes our sockets) every plugin
// re-binds a fresh socket and registers again, all at once; failed registrations retry with
// backoff until the kubelet is back.
import type { Logger } from '../../lib/observability/logger.ts';
import { DevicePluginServer, type DevicePluginServerOptions } from './device-plugin-server.ts';
import { KubeletWatcher } from './kubelet-watcher.ts';
import { systemClock, type Clock, type TimerHandle } from '../../lib/time/clock.ts';

export interface DevicePluginSetOptions {
  pluginDir: string;
  logger: Logger;
  clock?: Clock;
  pollMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Called after every successful (re-)registration, e.g. for metrics. */
  onRegistered?: (resource: string, reason: string) => void;
}

export class DevicePluginSet {
  private readonly plugins = new Map<string, DevicePluginServer>();
  private readonly retries = new Map<string, TimerHandle>();
  private readonly watcher: KubeletWatcher;
  private readonly clock: Clock;
  private reregistering: Promise<void> | undefined;

  constructor(private readonly options: DevicePluginSetOptions) {
    this.clock = options.clock ?? systemClock;
    this.watcher = new KubeletWatcher({
      clock: this.clock,
      pluginDir: options.pluginDir,
      ownSockets: () => [...this.plugins.values()].filter((p) => p.serving).map((p) => p.socketPath),
      onRestart: (why) => void this.reregisterAll(why),
      pollMs: options.pollMs,
    });
  }

  start(): void {
    this.watcher.start();
  }

  get resources(): string[] {
    return [...this.plugins.keys()];
  }

  get(resource: string): DevicePluginServer | undefined {
    return this.plugins.get(resource);
  }

  async add(options: Omit<DevicePluginServerOptions, 'pluginDir' | 'logger'>): Promise<DevicePluginServer> {
    const existing = this.plugins.get(options.resourceName);
    if (existing) return existing;
    const plugin = new DevicePluginServer({ ...options, pluginDir: this.options.pluginDir, logger: this.options.logger });
    this.plugins.set(options.resourceName, plugin);
    await plugin.start();
    await this.registerWithRetry(plugin, 'added', 0);
    return plugin;
  }

  async remove(resource: string): Promise<void> {
    const plugin = this.plugins.get(resource);
    if (!plugin) return;
    this.plugins.delete(resource);
    this.clearRetry(resource);
    await plugin.stop();
  }

  async stop(): Promise<void> {
    this.watcher.stop();
    for (const t of this.retries.values()) this.clock.clearTimeout(t);
    this.retries.clear();
    await Promise.all([...this.plugins.values()].map((p) => p.stop()));
    this.plugins.clear();
  }

  /** Stops every plugin without an empty snapshot: the agent is going away, not the devices. */
  async halt(): Promise<void> {
    this.watcher.stop();
    for (const t of this.retries.values()) this.clock.clearTimeout(t);
    this.retries.clear();
    await Promise.all([...this.plugins.values()].map((p) => p.halt()));
    this.plugins.clear();
  }

  private async reregisterAll(why: string): Promise<void> {
    if (this.reregistering) return this.reregistering;
    this.options.logger.info('kubelet restart detected; registering every device plugin again', { reason: why, plugins: this.plugins.size });
    this.reregistering = Promise.all(
      [...this.plugins.values()].map(async (plugin) => {
        this.clearRetry(plugin.resourceName);
        await plugin.start();
        await this.registerWithRetry(plugin, why, 0);
      }),
    ).then(() => undefined);
    try {
      await this.reregistering;
    } finally {
      this.reregistering = undefined;
    }
  }

  private async registerWithRetry(plugin: DevicePluginServer, reason: string, attempt: number): Promise<void> {
    if (this.plugins.get(plugin.resourceName) !== plugin) return;
    try {
      await plugin.register();
      this.options.onRegistered?.(plugin.resourceName, reason);
      this.options.logger.info('device plugin registered', { resource: plugin.resourceName, reason });
    } catch (err) {
      const delay = Math.min(this.options.retryMaxMs ?? 10_000, (this.options.retryBaseMs ?? 200) * 2 ** attempt);
      this.options.logger.warn('device plugin registration failed; retrying', {
        resource: plugin.resourceName,
        error: (err as Error).message,
        retryInMs: delay,
      });
      this.clearRetry(plugin.resourceName);
      this.retries.set(
        plugin.resourceName,
        this.clock.setTimeout(() => void this.registerWithRetry(plugin, reason, attempt + 1), delay),
      );
    }
  }

  private clearRetry(resource: string): void {
    this.clock.clearTimeout(this.retries.get(resource));
    this.retries.delete(resource);
  }
}
