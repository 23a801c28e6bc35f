// The controller and one agent, each as its own child process (`akri-ts controller`,
// `akri-ts agent`), exactly as the images run them. They start under setpriv --pdeathsig
// (ManagedProcess), so they die with `npm start` even if it is killed outright.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../../lib/process/managed-process.ts';

const ROOT = join(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
const CLI = join(ROOT, 'cli/akri-ts.ts');

export interface OperatorOptions {
  kubeconfig: string;
  nodeName: string;
  /** Handlers embedded in the agent: every shipped one the demo exercises. */
  embed: string[];
  dir: string;
  logDir: string;
  /**
   * Where the agent meets the kubelet (--kubelet-dir): "none" when no kubelet runs here, so the
   * agent never registers with a kubelet that is not this demo's. Default: the agent's own.
   */
  kubeletDir?: string;
  /** The slot ledger's checkpoint (--state-dir); default: the agent's own (/var/lib/akri/state). */
  stateDir?: string;
}

export class OperatorProcesses {
  readonly controller: ManagedProcess;
  readonly agent: ManagedProcess;

  constructor(o: OperatorOptions) {
    mkdirSync(o.logDir, { recursive: true });
    const handlersDir = join(o.dir, 'agent', 'discovery-handlers');
    mkdirSync(handlersDir, { recursive: true });
    const env = { ...process.env, KUBECONFIG: o.kubeconfig };
    const node = (args: string[]) => [...process.execArgv.filter((a) => !a.startsWith('--inspect')), '--import', TSX, CLI, ...args];
    this.controller = new ManagedProcess({
      name: 'akri-ts controller',
      command: process.execPath,
      args: node(['controller', '--kubeconfig', o.kubeconfig, '--metrics-port', '0', '--identity', `npm-start-${o.nodeName}`]),
      logFile: join(o.logDir, 'controller.log'),
      env,
    });
    this.agent = new ManagedProcess({
      name: 'akri-ts agent',
      command: process.execPath,
      args: node([
        'agent', '--node', o.nodeName, '--kubeconfig', o.kubeconfig, '--handlers-dir', handlersDir, '--metrics-port', '0', '--embed', o.embed.join(','),
        ...(o.kubeletDir !== undefined ? ['--kubelet-dir', o.kubeletDir] : []),
        ...(o.stateDir !== undefined ? ['--state-dir', o.stateDir] : []),
      ]),
      logFile: join(o.logDir, 'agent.log'),
      env,
    });
  }

  start(): void {
    this.controller.start();
    this.agent.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.agent.stop(), this.controller.stop()]);
  }
}
