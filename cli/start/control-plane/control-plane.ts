// A real Kubernetes control plane on loopback: etcd, kube-apiserver, and optionally
// kube-scheduler and kube-controller-manager, each a child process that dies with us.
// Components can be stopped and started again (e.g. to cut the agent off from the API server).
import { mkdirSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { etcdBinary, ensureKubeBinaries, type KubeComponent } from './binaries.ts';
import { freePort } from '../../../lib/net/free-port.ts';
import { ManagedProcess } from '../../../lib/process/managed-process.ts';
import { ensurePki, type Pki } from './pki.ts';
import { writeKubeconfig } from './kubeconfig.ts';

export interface ControlPlaneOptions {
  /** Working directory for data, certificates, logs and the kubeconfig. */
  dir: string;
  /** Also run kube-scheduler and kube-controller-manager (default true). */
  scheduler?: boolean;
  controllerManager?: boolean;
  /** Extra flags, e.g. a shorter --node-monitor-grace-period for node-loss tests. */
  controllerManagerArgs?: string[];
  apiserverArgs?: string[];
  progress?: (line: string) => void;
  /** Each component as it is started and once it reports healthy (for a progress display). */
  onComponent?: (name: string, state: 'starting' | 'healthy') => void;
}

/** The Kubernetes binaries a control plane with these options runs (kubectl for the user). */
export function controlPlaneComponents(options: Pick<ControlPlaneOptions, 'scheduler' | 'controllerManager'> = {}): KubeComponent[] {
  const wanted: KubeComponent[] = ['kube-apiserver', 'kubectl'];
  if (options.scheduler !== false) wanted.push('kube-scheduler');
  if (options.controllerManager !== false) wanted.push('kube-controller-manager');
  return wanted;
}

export interface ControlPlaneEndpoints {
  kubeconfig: string;
  server: string;
  etcdUrl: string;
  binDir: string;
  logDir: string;
}

function get(url: string, tls?: { ca: Buffer; cert: Buffer; key: Buffer } | 'insecure'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options =
      tls === 'insecure' ? { rejectUnauthorized: false } : tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {};
    const req = (url.startsWith('https:') ? request : httpRequest)(url, { ...options, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export class ControlPlane {
  private readonly processes = new Map<string, ManagedProcess>();
  private pki: Pki | undefined;
  private endpointsValue: ControlPlaneEndpoints | undefined;
  private ports = { etcd: 0, etcdPeer: 0, apiserver: 0, scheduler: 0, controllerManager: 0 };

  constructor(private readonly options: ControlPlaneOptions) {}

  get endpoints(): ControlPlaneEndpoints {
    if (!this.endpointsValue) throw new Error('the control plane has not been started');
    return this.endpointsValue;
  }

  async start(): Promise<ControlPlaneEndpoints> {
    const { dir } = this.options;
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const binDir = await ensureKubeBinaries(controlPlaneComponents(this.options), this.options.progress);
    const etcd = etcdBinary();
    this.pki = await ensurePki(join(dir, 'pki'));
    this.ports = {
      etcd: await freePort(),
      etcdPeer: await freePort(),
      apiserver: await freePort(),
      scheduler: await freePort(),
      controllerManager: await freePort(),
    };
    const server = `https://127.0.0.1:${this.ports.apiserver}`;
    const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), {
      server,
      caCert: this.pki.caCert,
      clientCert: this.pki.adminCert,
      clientKey: this.pki.adminKey,
    });
    const etcdUrl = `http://127.0.0.1:${this.ports.etcd}`;
    this.endpointsValue = { kubeconfig, server, etcdUrl, binDir, logDir };
    const pki = this.pki;

    this.processes.set('etcd', new ManagedProcess({
      name: 'etcd',
      command: etcd,
      logFile: join(logDir, 'etcd.log'),
      args: [
        '--name=akri-ts', `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${this.ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${this.ports.etcdPeer}`,
        `--initial-cluster=akri-ts=http://127.0.0.1:${this.ports.etcdPeer}`,
        '--quota-backend-bytes=4294967296', '--logger=zap', '--log-level=warn',
      ],
    }));
    this.processes.set('kube-apiserver', new ManagedProcess({
      name: 'kube-apiserver',
      command: join(binDir, 'kube-apiserver'),
      logFile: join(logDir, 'kube-apiserver.log'),
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${this.ports.apiserver}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--requestheader-client-ca-file=${pki.caCert}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        // The only address is loopback, which the kubernetes Service's Endpoints may not hold.
        '--endpoint-reconciler-type=none',
        `--kubelet-client-certificate=${pki.adminCert}`, `--kubelet-client-key=${pki.adminKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=Node,RBAC',
        '--allow-privileged=true',
        '--profiling=false',
        ...(this.options.apiserverArgs ?? []),
      ],
    }));
    const componentKubeconfig = kubeconfig;
    if (this.options.scheduler !== false) {
      this.processes.set('kube-scheduler', new ManagedProcess({
        name: 'kube-scheduler',
        command: join(binDir, 'kube-scheduler'),
        logFile: join(logDir, 'kube-scheduler.log'),
        args: [
          `--kubeconfig=${componentKubeconfig}`,
          `--authentication-kubeconfig=${componentKubeconfig}`,
          `--authorization-kubeconfig=${componentKubeconfig}`,
          '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${this.ports.scheduler}`,
          `--cert-dir=${join(dir, 'scheduler-certs')}`,
        ],
      }));
    }
    if (this.options.controllerManager !== false) {
      this.processes.set('kube-controller-manager', new ManagedProcess({
        name: 'kube-controller-manager',
        command: join(binDir, 'kube-controller-manager'),
        logFile: join(logDir, 'kube-controller-manager.log'),
        args: [
          `--kubeconfig=${componentKubeconfig}`,
          `--authentication-kubeconfig=${componentKubeconfig}`,
          `--authorization-kubeconfig=${componentKubeconfig}`,
          '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${this.ports.controllerManager}`,
          `--cert-dir=${join(dir, 'controller-manager-certs')}`,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caCert}`,
          `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
          '--use-service-account-credentials=false',
          ...(this.options.controllerManagerArgs ?? []),
        ],
      }));
    }

    await this.startComponent('etcd');
    await this.startComponent('kube-apiserver');
    await Promise.all(
      ['kube-scheduler', 'kube-controller-manager'].filter((n) => this.processes.has(n)).map((n) => this.startComponent(n)),
    );
    return this.endpointsValue;
  }

  /** Starts one component (again) and waits until it reports healthy. */
  async startComponent(name: string): Promise<void> {
    const proc = this.processes.get(name);
    if (!proc) throw new Error(`unknown control-plane component ${name}`);
    this.options.onComponent?.(name, 'starting');
    proc.start();
    await proc.waitUntil(() => this.healthy(name), name === 'kube-apiserver' ? 90_000 : 60_000, 'healthy');
    this.options.onComponent?.(name, 'healthy');
  }

  async stopComponent(name: string): Promise<void> {
    await this.processes.get(name)?.stop();
  }

  async healthy(name: string): Promise<boolean> {
    const pki = this.pki;
    if (!pki) return false;
    switch (name) {
      case 'etcd': {
        const res = await get(`http://127.0.0.1:${this.ports.etcd}/health`);
        return res.status === 200 && res.body.includes('true');
      }
      case 'kube-apiserver': {
        const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
        const res = await get(`https://127.0.0.1:${this.ports.apiserver}/readyz`, tls);
        return res.status === 200;
      }
      case 'kube-scheduler':
        return (await get(`https://127.0.0.1:${this.ports.scheduler}/healthz`, 'insecure')).status === 200;
      case 'kube-controller-manager':
        return (await get(`https://127.0.0.1:${this.ports.controllerManager}/healthz`, 'insecure')).status === 200;
      default:
        return false;
    }
  }

  /** Stops every component, newest first; waits for each to exit. */
  async stop(): Promise<void> {
    const order = ['kube-controller-manager', 'kube-scheduler', 'kube-apiserver', 'etcd'];
    for (const name of order) await this.processes.get(name)?.stop();
  }

  /** The process of one component (e.g. to pause etcd with SIGSTOP), if it was started. */
  process(name: string): ManagedProcess | undefined {
    return this.processes.get(name);
  }

  pids(): number[] {
    return [...this.processes.values()].map((p) => p.pid).filter((p): p is number => p !== undefined);
  }
}
