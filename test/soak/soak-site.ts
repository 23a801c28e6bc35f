// The soak's site, running: a real control plane of its own (etcd, kube-apiserver with an audit
// log of writes, scheduler, controller-manager) on loopback; a network-namespace lab where each
// node is a namespace cabled to its device segments and linked to this namespace by an uplink;
// per node, the agent (onvif, opcua and modbus embedded), an external debugEcho handler (local
// devices) and the soak kubelet, each its own process inside the node's namespace; two
// controller replicas with leader election; and the devices, each in its own namespace on its
// segment: an ONVIF camera simulator, a node-opcua server and a pymodbus unit.
//
// How a node reaches the API server, and why not otherwise: kube-apiserver listens on this
// namespace's loopback only (as in every test here), which no other namespace can reach. Each
// node's uplink (a veth pair) ends here at an address where a socat relay forwards to the API
// server, and the node's /etc/hosts (ip netns exec mounts /etc/netns/<ns>/hosts) names that
// address "kubernetes", a name the serving certificate carries. The relay only crosses the
// namespace boundary; a cut is made on the uplink itself (link down: packets vanish, as when
// a cable is pulled), so it cuts the agent and the kubelet of that node and nothing else.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { ControlPlane, type ControlPlaneEndpoints } from '../../cli/start/control-plane/control-plane.ts';
import { writeKubeconfig } from '../../cli/start/control-plane/kubeconfig.ts';
import { pkiPaths } from '../../cli/start/control-plane/pki.ts';
import type { ConfigurationSpec } from '../../lib/crd/configuration.ts';
import { installCrds } from '../../lib/kube/install-crds.ts';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { deviceHash, instanceName } from '../../lib/naming/instance-name.ts';
import { ManagedProcess } from '../../lib/process/managed-process.ts';
import { serviceAccountCredentials } from '../helm/service-account-kubeconfig.ts';
import { NetnsLab, type LabHost, type Uplink } from '../netns/netns-lab.ts';
import { readKubeletState } from './node-kubelet-state.ts';
import {
  allDevices,
  BROKER_IMAGE,
  CAPACITY,
  ECHO_CONFIGURATION,
  ECHO_DESCRIPTIONS,
  NETWORK_DEVICES,
  NODE_IDS,
  nodeName,
  segmentsOf,
  SOAK_NAMESPACE,
  TIMING,
  type DeviceKey,
  type NetworkDeviceId,
  type NodeId,
} from './site-plan.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AGENT_METRICS_PORT = 9100;
const CAMERA_HTTP_PORT = 8080;
const OPCUA_PORT = 48400;
const MODBUS_PORT = 5020;
const CONTROLLERS = ['soak-c1', 'soak-c2'] as const;
/** Long enough for setup and the longest soak anyone runs by hand. */
const TOKEN_SECONDS = 12 * 3600;

export interface SoakSiteOptions {
  dir: string;
  log: (line: string) => void;
  /** A component exited without being told to (a crash): the soak records it. */
  onUnexpectedExit: (component: string, detail: string) => void;
}

export interface SoakNode {
  id: NodeId;
  name: string;
  host: LabHost;
  uplink: Uplink;
  dir: string;
  handlersDir: string;
  kubeletDir: string;
  echoFile: string;
  kubeletStateFile: string;
  checkpointFile: string;
  relay: ManagedProcess;
  agent: ManagedProcess;
  handler: ManagedProcess;
  kubelet: ManagedProcess;
}

export interface SoakDevice {
  id: NetworkDeviceId;
  host: LabHost;
  address: string;
  process: ManagedProcess;
  /** The id the handler gives the device (what its Instance name hashes). */
  deviceId: string;
  /** Printed (or logged) once the device serves. */
  readyLine: RegExp;
}

/** One line of a process's own log (a child writes it itself), with where the search began. */
function logHas(proc: ManagedProcess, pattern: RegExp, fromByte = 0): boolean {
  const file = proc.options.logFile;
  if (!existsSync(file)) return false;
  return pattern.test(readFileSync(file).subarray(fromByte).toString('utf8'));
}

function logSize(proc: ManagedProcess): number {
  return existsSync(proc.options.logFile) ? statSync(proc.options.logFile).size : 0;
}

export class SoakSite {
  readonly plane: ControlPlane;
  readonly lab = new NetnsLab();
  readonly nodes = {} as Record<NodeId, SoakNode>;
  readonly devices = {} as Record<NetworkDeviceId, SoakDevice>;
  readonly controllers: Array<{ identity: string; process: ManagedProcess }> = [];
  readonly auditLog: string;
  /** The Configurations as the soak's user last applied them; edits change these. */
  readonly specs = new Map<string, ConfigurationSpec>();
  private endpoints: ControlPlaneEndpoints | undefined;
  private kcValue: KubeConfig | undefined;
  private readonly etcNetns: string[] = [];
  private readonly cameraUuid = randomUUID();
  private readonly logDir: string;

  constructor(private readonly o: SoakSiteOptions) {
    this.logDir = join(o.dir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
    this.auditLog = join(o.dir, 'audit.log');
    const policy = join(o.dir, 'audit-policy.yaml');
    // Every write by akri-ts's components (the ServiceAccounts of the soak namespace); the
    // soak's own kubelets and user act with the admin certificate and are not logged.
    writeFileSync(
      policy,
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: [RequestReceived]',
        'rules:',
        '  - level: Metadata',
        `    userGroups: ["system:serviceaccounts:${SOAK_NAMESPACE}"]`,
        '    verbs: [create, update, patch, delete, deletecollection]',
        '  - level: None',
        '',
      ].join('\n'),
    );
    this.plane = new ControlPlane({
      dir: join(o.dir, 'control-plane'),
      apiserverArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${this.auditLog}`, '--audit-log-format=json', '--audit-log-maxsize=0'],
    });
  }

  get kc(): KubeConfig {
    if (!this.kcValue) throw new Error('the soak site has not been started');
    return this.kcValue;
  }

  get apiPort(): number {
    return Number(new URL(this.endpoints?.server ?? 'https://127.0.0.1:0').port);
  }

  /** Every device the invariants know, with the Instance name its handler's id gives it. */
  instanceNames(): Map<string, DeviceKey> {
    const out = new Map<string, DeviceKey>();
    for (const d of allDevices()) {
      if (d.network) out.set(instanceName(d.configuration, deviceHash(this.devices[d.network.id].deviceId, true, '')), d);
      else if (d.echo) out.set(instanceName(d.configuration, deviceHash(d.echo.description, false, nodeName(d.echo.node))), d);
    }
    return out;
  }

  private process(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
    return new ManagedProcess({
      name,
      command,
      args,
      cwd: root,
      logFile: join(this.logDir, `${name.replaceAll('/', '-')}.log`),
      env: { ...process.env, AKRI_LOG_LEVEL: 'info', ...env },
      onUnexpectedExit: (code, signal, tail) => this.o.onUnexpectedExit(name, `exited with code ${code}, signal ${signal}; last log lines:\n${tail}`),
    });
  }

  /** A Node.js program of this repository inside a lab host's namespace. */
  private inNamespace(name: string, host: LabHost, script: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
    return this.process(name, 'ip', ['netns', 'exec', host.namespace, process.execPath, '--import', 'tsx', script, ...args], env);
  }

  async start(): Promise<void> {
    const { dir, log } = this.o;
    log('starting the control plane');
    this.endpoints = await this.plane.start();
    this.kcValue = loadKubeConfig(this.endpoints.kubeconfig);
    await installCrds(this.kc);
    await kubeRequest(this.kc, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: SOAK_NAMESPACE } } });
    await kubeRequest(this.kc, {
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        metadata: { name: 'soak-components' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `system:serviceaccounts:${SOAK_NAMESPACE}` }],
      },
    });

    log('cabling the network namespaces');
    await this.lab.start(['a', 'b']);
    const server = `https://kubernetes:${this.apiPort}`;
    const pki = pkiPaths(join(dir, 'control-plane', 'pki'));
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials, { recursive: true });
    const mint = async (sa: string, serverUrl?: string): Promise<string> => {
      await kubeRequest(this.kc, { method: 'POST', path: `/api/v1/namespaces/${SOAK_NAMESPACE}/serviceaccounts`, body: { metadata: { name: sa } } });
      const c = await serviceAccountCredentials(this.kc, this.endpoints?.kubeconfig ?? '', SOAK_NAMESPACE, sa, credentials, undefined, sa, {
        server: serverUrl,
        expirationSeconds: TOKEN_SECONDS,
      });
      return c.kubeconfig;
    };

    for (const id of NODE_IDS) {
      const host = await this.lab.addHost(id, segmentsOf(id));
      const uplink = await this.lab.addUplink(host);
      const etc = join('/etc/netns', host.namespace);
      mkdirSync(etc, { recursive: true });
      this.etcNetns.push(etc);
      writeFileSync(join(etc, 'hosts'), `127.0.0.1 localhost\n::1 localhost\n${uplink.hostAddress} kubernetes\n`);
      const nodeDir = join(dir, 'nodes', id);
      const handlersDir = join(nodeDir, 'handlers');
      const kubeletDir = join(nodeDir, 'kubelet');
      const stateDir = join(nodeDir, 'state');
      for (const d of [handlersDir, kubeletDir, stateDir]) mkdirSync(d, { recursive: true });
      const echoFile = join(nodeDir, 'echo-availability.txt');
      writeFileSync(echoFile, 'ONLINE\n');
      const name = nodeName(id);
      const agentKubeconfig = await mint(`soak-agent-${id}`, server);
      const kubeletKubeconfig = writeKubeconfig(join(credentials, `kubelet-${id}.kubeconfig`), {
        server,
        caCert: pki.caCert,
        clientCert: pki.adminCert,
        clientKey: pki.adminKey,
      });
      const kubeletStateFile = join(nodeDir, 'kubelet-state.json');
      this.nodes[id] = {
        id,
        name,
        host,
        uplink,
        dir: nodeDir,
        handlersDir,
        kubeletDir,
        echoFile,
        kubeletStateFile,
        checkpointFile: join(stateDir, `device-plugins-${name}.json`),
        relay: this.process(`relay/${id}`, 'socat', [`TCP-LISTEN:${this.apiPort},bind=${uplink.hostAddress},reuseaddr,fork`, `TCP:127.0.0.1:${this.apiPort}`]),
        agent: this.inNamespace(`agent/${id}`, host, 'agent/main.ts', [
          '--node', name,
          '--kubeconfig', agentKubeconfig,
          '--handlers-dir', handlersDir,
          '--kubelet-dir', kubeletDir,
          '--state-dir', stateDir,
          '--namespace', SOAK_NAMESPACE,
          '--metrics-port', String(AGENT_METRICS_PORT),
          '--instance-grace-period', String(TIMING.graceSeconds),
          '--embed', 'onvif,opcua,modbus',
          '--slot-reclaim-grace', String(TIMING.slotReclaimGraceSeconds),
          '--slot-reclaim-poll', String(TIMING.slotReclaimPollSeconds),
        ]),
        handler: this.inNamespace(`handler/${id}`, host, 'discovery-handlers/main.ts', ['debugEcho'], {
          DISCOVERY_HANDLERS_DIRECTORY: handlersDir,
          DEBUG_ECHO_INSTANCES_SHARED: 'false',
          DEBUG_ECHO_AVAILABILITY_FILE: echoFile,
          DEBUG_ECHO_POLL_MS: String(TIMING.echoPollMs),
        }),
        kubelet: this.inNamespace(`kubelet/${id}`, host, 'test/soak/node-kubelet.ts', [
          '--node', name,
          '--kubeconfig', kubeletKubeconfig,
          '--kubelet-dir', kubeletDir,
          '--state-file', kubeletStateFile,
          '--namespace', SOAK_NAMESPACE,
          '--admission-delay-ms', String(TIMING.admissionDelayMs),
        ]),
      };
    }

    for (const d of NETWORK_DEVICES) {
      const host = await this.lab.addHost(d.id, [d.segment]);
      const address = host.addresses[d.segment] ?? '';
      this.devices[d.id] = this.device(d.id, host, address);
    }

    log('starting the devices, the relays and the kubelets');
    await Promise.all([
      ...Object.values(this.devices).map((d) => this.startDevice(d.id)),
      ...NODE_IDS.map(async (id) => {
        const n = this.nodes[id];
        n.relay.start();
        await this.startKubelet(id);
      }),
    ]);
    this.devices.cam.deviceId = this.cameraDeviceId();
    this.devices.plc.deviceId = this.opcuaUrl();

    log('starting the agents, handlers and controllers');
    for (const identity of CONTROLLERS) {
      const kubeconfig = await mint(identity);
      this.controllers.push({
        identity,
        process: this.process(`controller/${identity}`, process.execPath, [
          '--import', 'tsx', 'controller/main.ts',
          '--kubeconfig', kubeconfig,
          '--identity', identity,
          '--namespace', SOAK_NAMESPACE,
          '--lease-namespace', SOAK_NAMESPACE,
          '--lease-duration', String(TIMING.leaseDurationSeconds),
          '--metrics-port', '0',
        ]),
      });
    }
    await Promise.all([
      ...NODE_IDS.map(async (id) => {
        await this.startAgent(id);
        await this.startHandler(id);
      }),
      ...this.controllers.map((c) => this.startController(c.identity)),
    ]);

    log('applying the Configurations');
    for (const [name, spec] of this.configurations()) {
      this.specs.set(name, spec);
      await this.apply(name);
    }
  }

  private device(id: NetworkDeviceId, host: LabHost, address: string): SoakDevice {
    switch (id) {
      case 'cam':
        return {
          id,
          host,
          address,
          deviceId: '',
          readyLine: /serviceUrl/,
          process: this.inNamespace('device/cam', host, 'simulators/onvif-camera/run-camera.ts', [
            '--bind', address, '--uuid', this.cameraUuid, '--http-port', String(CAMERA_HTTP_PORT), '--hello',
          ]),
        };
      case 'plc':
        return {
          id,
          host,
          address,
          deviceId: '',
          readyLine: /^READY /m,
          process: this.inNamespace('device/plc', host, 'simulators/opcua/run-opcua-server.ts', [
            join(this.o.dir, 'opcua-server-pki'), 'Soak PLC', '-', address, String(OPCUA_PORT),
          ]),
        };
      case 'plant':
        return {
          id,
          host,
          address,
          deviceId: `tcp://${address}:${MODBUS_PORT}/1`,
          readyLine: /ready/,
          process: this.process('device/plant', 'ip', [
            'netns', 'exec', host.namespace, '/usr/bin/python3', join(root, 'test/modbus/pymodbus-server.py'),
            '--tcp', `${address}:${MODBUS_PORT}`, '--units', '1', '--vendor', 'Soak', '--product', 'PLANT-1', '--revision', '1.0',
          ]),
        };
    }
  }

  private cameraDeviceId(): string {
    const line = readFileSync(this.devices.cam.process.options.logFile, 'utf8').split('\n').find((l) => l.includes('serviceUrl')) ?? '';
    const printed = JSON.parse(line) as { serviceUrl: string; uuid: string };
    return `${printed.serviceUrl}-${printed.uuid}`;
  }

  private opcuaUrl(): string {
    const line = readFileSync(this.devices.plc.process.options.logFile, 'utf8').split('\n').find((l) => l.startsWith('READY ')) ?? '';
    return line.slice('READY '.length).trim();
  }

  private configurations(): Array<[string, ConfigurationSpec]> {
    const broker = {
      brokerPodSpec: {
        containers: [{ name: 'broker', image: BROKER_IMAGE, env: [{ name: 'SOAK_REVISION', value: '0' }], resources: { limits: { '{{PLACEHOLDER}}': '1' } } }],
      },
    };
    const common = { capacity: CAPACITY.shared, instanceGracePeriodSeconds: TIMING.graceSeconds, brokerSpec: broker, brokerProperties: { SOAK_EDIT: '0' } };
    const interval = TIMING.discoveryIntervalSeconds;
    const details: Record<NetworkDeviceId, Record<string, unknown>> = {
      cam: { discoveryIntervalSeconds: interval, discoveryTimeoutSeconds: 2, requestTimeoutSeconds: 2, uuids: { action: 'Include', items: [this.cameraUuid] } },
      plc: { opcuaDiscoveryMethod: { standard: { discoveryUrls: [this.devices.plc.deviceId] } }, discoveryIntervalSeconds: interval, requestTimeoutSeconds: 2 },
      plant: { tcp: { hosts: [this.devices.plant.address], ports: [MODBUS_PORT], unitIds: [1] }, discoveryIntervalSecs: interval, limits: { connectTimeoutMs: 1000, requestTimeoutMs: 1000 } },
    };
    const out: Array<[string, ConfigurationSpec]> = NETWORK_DEVICES.map((d) => [
      d.configuration,
      { ...common, discoveryHandler: { name: d.handler, discoveryDetails: JSON.stringify(details[d.id]) } } as ConfigurationSpec,
    ]);
    out.push([
      ECHO_CONFIGURATION,
      { ...common, capacity: CAPACITY.local, discoveryHandler: { name: 'debugEcho', discoveryDetails: JSON.stringify({ descriptions: ECHO_DESCRIPTIONS }) } } as ConfigurationSpec,
    ]);
    return out;
  }

  /** Server-side applies the soak user's current spec of a Configuration. */
  async apply(name: string): Promise<void> {
    await kubeRequest(this.kc, {
      method: 'PATCH',
      path: `/apis/akri.sh/v0/namespaces/${SOAK_NAMESPACE}/configurations/${name}`,
      query: { fieldManager: 'soak-user', force: true },
      contentType: 'application/apply-patch+yaml',
      body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name, namespace: SOAK_NAMESPACE }, spec: this.specs.get(name) },
      timeoutMs: 10_000,
    });
  }

  async startDevice(id: NetworkDeviceId): Promise<void> {
    const d = this.devices[id];
    const from = logSize(d.process);
    d.process.start();
    await d.process.waitUntil(async () => logHas(d.process, d.readyLine, from), 120_000, 'serving');
  }

  async startKubelet(id: NodeId): Promise<void> {
    const n = this.nodes[id];
    n.kubelet.start();
    const pid = n.kubelet.pid;
    await n.kubelet.waitUntil(async () => readKubeletState(n.kubeletStateFile)?.pid === pid, 120_000, 'serving');
  }

  async startAgent(id: NodeId): Promise<void> {
    const n = this.nodes[id];
    const socket = join(n.handlersDir, 'agent-registration.sock');
    const since = Date.now();
    n.agent.start();
    // Serving handlers again: its registration socket is made anew (before the API server is asked anything).
    await n.agent.waitUntil(async () => existsSync(socket) && statSync(socket).ctimeMs >= since - 1000, 120_000, 'serving');
  }

  async startHandler(id: NodeId): Promise<void> {
    const n = this.nodes[id];
    const from = logSize(n.handler);
    n.handler.start();
    await n.handler.waitUntil(async () => logHas(n.handler, /registered with the agent/, from), 120_000, 'registered');
  }

  async startController(identity: string): Promise<void> {
    const c = this.controllers.find((x) => x.identity === identity);
    if (!c) throw new Error(`no controller ${identity}`);
    const from = logSize(c.process);
    c.process.start();
    await c.process.waitUntil(async () => logHas(c.process, /"msg":"started"/, from), 120_000, 'started');
  }

  /** Every process of the site, by component name ("agent/n1", "etcd", ...); `ours`: akri-ts's own. */
  components(): Array<{ name: string; process: ManagedProcess; ours: boolean }> {
    const out: Array<{ name: string; process: ManagedProcess; ours: boolean }> = [];
    for (const id of NODE_IDS) {
      const n = this.nodes[id];
      out.push({ name: `agent/${id}`, process: n.agent, ours: true }, { name: `handler/${id}`, process: n.handler, ours: true });
      out.push({ name: `kubelet/${id}`, process: n.kubelet, ours: false });
    }
    for (const c of this.controllers) out.push({ name: `controller/${c.identity}`, process: c.process, ours: true });
    for (const name of ['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager']) {
      const p = this.plane.process(name);
      if (p) out.push({ name, process: p, ours: false });
    }
    return out;
  }

  async stop(): Promise<void> {
    const procs = [
      ...this.controllers.map((c) => c.process),
      ...Object.values(this.nodes).flatMap((n) => [n.handler, n.agent, n.kubelet, n.relay]),
      ...Object.values(this.devices).map((d) => d.process),
    ];
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await this.plane.stop();
    await this.lab.remove();
    for (const etc of this.etcNetns) rmSync(etc, { recursive: true, force: true });
  }
}
