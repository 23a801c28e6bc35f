// What the chart's pods may do, read from `helm template`: every pod filters system calls with
// the RuntimeDefault seccomp profile; the handlers that need no root (debugEcho, onvif, opcua,
// modbus) run as a non-root user in the socket group with a socket directory of their own; the
// agent reaches their sockets through that group; and every remaining root or privileged setting
// carries a comment saying why.
import { describe, expect, it } from 'vitest';
import { helmTemplate } from './helm-cli.ts';
import { manifests, type Manifest } from './rendered.ts';

const HANDLERS = ['debugEcho', 'onvif', 'opcua', 'udev', 'modbus', 'modbusRtu', 'ble'] as const;
const NON_ROOT = ['debugEcho', 'onvif', 'opcua', 'modbus'];
const broker = { image: { repository: 'ghcr.io/example/broker', tag: 'v1' } };

interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  supplementalGroups?: number[];
  seccompProfile?: { type: string };
  capabilities?: { drop?: string[]; add?: string[] };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  securityContext?: SecurityContext;
}
interface PodSpec {
  securityContext?: SecurityContext;
  initContainers?: Container[];
  containers: Container[];
}

function allHandlers(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const v: Record<string, unknown> = { ...extra };
  for (const h of HANDLERS) {
    v[h] = { discovery: { enabled: true }, configuration: { enabled: true, brokerPod: broker, ...(h === 'udev' ? { discoveryDetails: { udevRules: ['KERNEL=="video[0-9]*"'] } } : {}) } };
  }
  return v;
}

const VARIANTS: Record<string, Record<string, unknown>> = {
  'every handler as a DaemonSet': allHandlers({ customDiscoveryHandlers: [{ name: 'zigbee', image: { repository: 'ghcr.io/example/zigbee' }, privileged: true, mountDev: true }, { name: 'lora', image: { repository: 'ghcr.io/example/lora' } }] }),
  'every handler embedded, a job broker': {
    agent: { embeddedHandlers: [...HANDLERS] },
    debugEcho: { configuration: { enabled: true, brokerJob: broker } },
  },
};

/** Every pod spec the chart renders: workloads, the hook's Job, and brokers in Configurations. */
function podSpecs(all: Manifest[]): Array<{ where: string; spec: PodSpec }> {
  const out: Array<{ where: string; spec: PodSpec }> = [];
  for (const m of all) {
    const spec = m.spec as Record<string, unknown> | undefined;
    const where = `${m.kind}/${m.metadata.name}`;
    const template = (spec?.template as { spec?: PodSpec } | undefined)?.spec;
    if (template) out.push({ where, spec: template });
    const brokers = spec?.brokerSpec as { brokerPodSpec?: PodSpec; brokerJobSpec?: { template: { spec: PodSpec } } } | undefined;
    if (brokers?.brokerPodSpec) out.push({ where: `${where} brokerPodSpec`, spec: brokers.brokerPodSpec });
    if (brokers?.brokerJobSpec) out.push({ where: `${where} brokerJobSpec`, spec: brokers.brokerJobSpec.template.spec });
  }
  return out;
}

async function render(values: Record<string, unknown>): Promise<{ text: string; all: Manifest[] }> {
  const r = await helmTemplate(values);
  expect(r.code, r.stderr).toBe(0);
  return { text: r.stdout, all: manifests(r.stdout) };
}

const handlerPod = (all: Manifest[], name: string): PodSpec => {
  const ds = all.find((m) => m.kind === 'DaemonSet' && (m.metadata as { labels?: Record<string, string> }).labels?.['akri.sh/discovery-handler'] === name);
  if (!ds) throw new Error(`no DaemonSet for handler ${name}`);
  return (ds.spec as { template: { spec: PodSpec } }).template.spec;
};

describe('pod security in the chart', () => {
  for (const [variant, values] of Object.entries(VARIANTS)) {
    it(`gives every pod the RuntimeDefault seccomp profile: ${variant}`, async () => {
      const pods = podSpecs((await render(values)).all);
      expect(pods.length).toBeGreaterThanOrEqual(4);
      for (const { where, spec } of pods) expect(spec.securityContext?.seccompProfile, where).toEqual({ type: 'RuntimeDefault' });
    });

    it(`says why next to every root or privileged setting: ${variant}`, async () => {
      const lines = (await render(values)).text.split('\n');
      let seen = 0;
      lines.forEach((line, i) => {
        if (!/^\s*(runAsUser: 0|privileged: true)\s*$/.test(line)) return;
        seen++;
        // A comment within the few lines above, inside the same securityContext block.
        const above = lines.slice(Math.max(0, i - 4), i).filter((l) => /^\s*#\s*\S/.test(l));
        expect(above.length, `line ${i + 1} "${line.trim()}" has no reason above it:\n${lines.slice(Math.max(0, i - 6), i + 1).join('\n')}`).toBeGreaterThan(0);
      });
      expect(seen).toBeGreaterThan(0);
    });
  }

  it('runs debugEcho, onvif, opcua and modbus as non-root in the socket group, each serving from a 0750 directory of its own', async () => {
    const { all } = await render(allHandlers({ podSecurity: { socketGroup: 4242, handlerUser: 4343 } }));
    for (const name of NON_ROOT) {
      const pod = handlerPod(all, name);
      expect(pod.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: 4343, runAsGroup: 4242 });
      const [main] = pod.containers;
      expect(main?.securityContext?.runAsUser, name).toBeUndefined();
      expect(main?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(main?.securityContext?.capabilities?.add, name).toBeUndefined();
      const socketDir = main?.env?.find((e) => e.name === 'DISCOVERY_HANDLER_SOCKET_DIRECTORY')?.value;
      expect(socketDir, name).toBe(`/var/lib/akri/${name}`);
      // The one root step: make that directory, hand it to the handler's user and group, 0750.
      const [init, ...moreInit] = pod.initContainers ?? [];
      expect(moreInit).toEqual([]);
      expect(init?.command).toEqual(['install', '-d', '-m', '0750', '-o', '4343', '-g', '4242', socketDir]);
      expect(init?.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] } });
    }
    for (const name of ['udev', 'modbusRtu', 'ble']) {
      const pod = handlerPod(all, name);
      expect(pod.containers[0]?.securityContext?.runAsUser, name).toBe(0);
      expect(pod.initContainers, name).toBeUndefined();
    }
  });

  it('puts the agent in the socket group and hands that group its directory and registration socket', async () => {
    const { all } = await render({ podSecurity: { socketGroup: 4242, handlerUser: 4343 } });
    const agent = all.find((m) => m.kind === 'DaemonSet' && m.metadata.name.endsWith('-agent'));
    const pod = (agent?.spec as { template: { spec: PodSpec } }).template.spec;
    expect(pod.securityContext?.supplementalGroups).toEqual([4242]);
    const args = pod.containers[0]?.args ?? [];
    expect(args[args.indexOf('--socket-group') + 1]).toBe('4242');
    // Root (the kubelet's directories are root-only) but with no capability that bypasses file modes.
    expect(pod.containers[0]?.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('refuses root as the handler user or the socket group', async () => {
    for (const podSecurity of [{ handlerUser: 0 }, { socketGroup: 0 }]) {
      const r = await helmTemplate({ podSecurity });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/podSecurity\/(handlerUser|socketGroup)/);
    }
  });
});
