// The real kubelet (v1.34.4, built by tools/kube-binaries) as a child process under pdeathsig,
// rooted where the distribution being played roots it (kubelet-layout.ts): the pod-resources API
// listens in <root>/pod-resources, and the chart's hostPath volumes point at that root. v1.34's
// device manager hard-codes /var/lib/kubelet/device-plugins/kubelet.sock whatever --root-dir says,
// hence one real kubelet per machine. Its own files (config, kubeconfig, pod logs) stay in `dir`.
// It can be restarted (stop + start) while its pods keep running in containerd.
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { writeKubeconfig } from '../control-plane/kubeconfig.ts';
import { ManagedProcess } from '../../../lib/process/managed-process.ts';
import { renderKubeletConfig } from './kubelet-config.ts';
import type { KubeletLayout } from './kubelet-layout.ts';
import type { NodePki } from './node-pki.ts';

export interface KubeletOptions {
  nodeName: string;
  /** The host's own (non-loopback) address; the kubelet binds to it and reports it as InternalIP. */
  nodeIp: string;
  dir: string;
  /** Where the kubelet's root is on the host (the distribution's layout). */
  layout: KubeletLayout;
  binary: string;
  server: string;
  pki: NodePki;
  containerdSocket: string;
  port: number;
  healthzPort: number;
  logFile: string;
  verbosity?: number;
}

export class Kubelet {
  readonly rootDir: string;
  private readonly process: ManagedProcess;

  constructor(private readonly options: KubeletOptions) {
    this.rootDir = options.layout.rootDir;
    const configFile = join(options.dir, 'config.yaml');
    const kubeconfig = join(options.dir, 'kubeconfig');
    this.process = new ManagedProcess({
      name: 'kubelet',
      command: options.binary,
      logFile: options.logFile,
      args: [
        `--config=${configFile}`,
        `--kubeconfig=${kubeconfig}`,
        `--root-dir=${this.rootDir}`,
        `--hostname-override=${options.nodeName}`,
        // The apiserver reaches the kubelet (logs, exec) at this address; it cannot be loopback
        // (the kubelet refuses: "nodeIP can't be loopback address").
        `--node-ip=${options.nodeIp}`,
        `--v=${options.verbosity ?? 2}`,
      ],
    });
  }

  get devicePluginDir(): string {
    return this.options.layout.devicePluginDir;
  }

  get podResourcesSocket(): string {
    return this.options.layout.podResourcesSocket;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  logTail(lines = 40): string {
    return this.process.logTail(lines);
  }

  /** Writes the kubelet's files (first start only matters) and starts it. */
  start(): void {
    const { dir, pki, server, nodeName, containerdSocket, port, healthzPort } = this.options;
    mkdirSync(this.rootDir, { recursive: true });
    mkdirSync(dir, { recursive: true });
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, 'nameserver 127.0.0.1\n');
    const podLogsDir = join(dir, 'pod-logs');
    mkdirSync(podLogsDir, { recursive: true });
    writeFileSync(
      join(dir, 'config.yaml'),
      renderKubeletConfig({ address: this.options.nodeIp, port, healthzPort, containerdSocket, pki, resolvConf, podLogsDir }),
    );
    writeKubeconfig(join(dir, 'kubeconfig'), {
      server,
      caCert: pki.caCert,
      clientCert: pki.clientCert,
      clientKey: pki.clientKey,
      user: `system:node:${nodeName}`,
    });
    this.process.start();
  }

  /** The kubelet's own health endpoint (healthzBindAddress is loopback). */
  healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = get(`http://127.0.0.1:${this.options.healthzPort}/healthz`, { timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }

  async waitUntil(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    await this.process.waitUntil(ready, timeoutMs, what);
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }
}
