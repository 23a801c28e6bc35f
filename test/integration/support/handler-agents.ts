// Agents acting as nodes with real discovery handlers (udev, Modbus, BLE) instead of debugEcho:
// each with its own handlers directory, so external handler processes can register with one
// node's agent over its UDS, exactly as on a real node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { blake2b } from '@noble/hashes/blake2.js';
import { Registry } from 'prom-client';
import { Agent } from '../../../agent/agent.ts';
import type { DiscoveredDevice, DiscoveryHandler } from '../../../lib/discovery/handler.ts';
import { Logger } from '../../../lib/observability/logger.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface HandlerAgentOptions {
  embedded?: DiscoveryHandler[];
  graceSeconds?: number;
}

export class HandlerAgent {
  readonly dir: string;
  agent: Agent | undefined;

  constructor(
    readonly node: string,
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly options: HandlerAgentOptions = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `akri-ts-${node}-`));
  }

  async start(): Promise<this> {
    this.agent = new Agent({
      nodeName: this.node,
      handlersDir: this.dir,
      kubeConfig: this.kc,
      logger: new Logger({ test: true }, (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error'),
      registry: new Registry(),
      namespace: this.namespace,
      defaultGracePeriodSeconds: this.options.graceSeconds ?? 2,
      maxStreamBackoffMs: 1000,
      embeddedHandlers: this.options.embedded ?? [],
    });
    await this.agent.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `tsx discovery-handlers/main.ts <name>`, the shipped external handler entry point, registered
 * with the agent whose handlers directory is `dir`. stderr is kept for failure messages.
 */
export class ExternalHandlerProcess {
  private stderr = '';
  private readonly child: ChildProcess;
  private exited: Promise<void>;

  constructor(name: string, dir: string, env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'discovery-handlers/main.ts'), name], {
      cwd: REPO,
      env: { ...env, DISCOVERY_HANDLERS_DIRECTORY: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    };
    this.child.stderr?.on('data', keep);
    this.child.stdout?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  get output(): string {
    return this.stderr;
  }

  /** SIGTERM, then SIGKILL: the libudev monitor and noble keep a process's event loop alive. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** An Instance name computed independently of lib/naming: BLAKE2b (3 bytes) of id, plus node when local. */
export function instanceName(configuration: string, id: string, node?: string): string {
  const digest = Buffer.from(blake2b(new TextEncoder().encode(id + (node ?? '')), { dkLen: 3 })).toString('hex');
  return `${configuration}-${digest}`;
}

/**
 * Passes a handler's snapshots to the agent unchanged and remembers the last one: what the
 * agent received, device specs included, while Allocate (device plugins) is not wired yet.
 */
export class SnapshotTap implements DiscoveryHandler {
  last: DiscoveredDevice[] | undefined;
  constructor(private readonly inner: DiscoveryHandler) {}
  get name(): string {
    return this.inner.name;
  }
  get shared(): boolean {
    return this.inner.shared;
  }
  async *discover(...args: Parameters<DiscoveryHandler['discover']>): AsyncGenerator<DiscoveredDevice[]> {
    for await (const devices of this.inner.discover(...args)) {
      this.last = devices;
      yield devices;
    }
  }
}
