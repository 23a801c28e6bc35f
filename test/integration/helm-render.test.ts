// The chart renders valid Kubernetes 1.34 objects for every supported setup: helm lint is clean,
// and `helm template` passes kubeconform -strict with schemas generated from the test API server
// (which also publishes our CRDs), so a misspelt field in any template fails here. Bad values
// are refused by values.schema.json with the path in the message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { chartDir, goTools, helm, helmTemplate, run, valueFlags } from '../helm/helm-cli.ts';
import { schemaLocation, writeKubeconformSchemas } from '../helm/kube-json-schemas.ts';
import { argValue, find, manifests, podSpec } from '../helm/rendered.ts';

const HANDLERS = ['debugEcho', 'onvif', 'opcua', 'udev', 'modbus', 'modbusRtu', 'ble'] as const;
const broker = { image: { repository: 'ghcr.io/example/broker', tag: 'v1' } };

/** Every handler's DaemonSet and sample Configuration, each with a broker. */
function allHandlers(): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  for (const h of HANDLERS) {
    v[h] = { discovery: { enabled: true }, configuration: { enabled: true, brokerPod: broker, ...(h === 'udev' ? { discoveryDetails: { udevRules: ['KERNEL=="video[0-9]*"'] } } : {}) } };
  }
  return v;
}

const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  k3s: { kubernetesDistro: 'k3s' },
  microk8s: { kubernetesDistro: 'microk8s' },
  'all handlers': allHandlers(),
  'embedded handlers': {
    agent: { embeddedHandlers: [...HANDLERS] },
    debugEcho: { configuration: { enabled: true, brokerJob: broker } },
    opcua: { configuration: { enabled: true, mountCertificates: true, brokerPod: broker } },
  },
  'custom handlers': {
    customDiscoveryHandlers: [
      { name: 'zigbee', image: { repository: 'ghcr.io/example/zigbee-dh', tag: '1.0' }, mountDev: true, privileged: true, configuration: { enabled: true, discoveryDetails: { channel: 11 }, brokerPod: broker } },
      { name: 'lorawan', image: { repository: 'ghcr.io/example/lorawan-dh' }, env: { REGION: 'EU868' }, configuration: { enabled: true, discoveryDetails: 'gateways: [gw-1]\n' } },
    ],
  },
  dra: { dra: { enabled: true }, kubernetesDistro: 'microk8s' },
  'highly available controller': {
    imagePullSecrets: ['registry-credentials'],
    controller: { replicas: 3, podDisruptionBudget: { enabled: true }, priorityClassName: 'system-cluster-critical' },
    agent: { priorityClassName: 'system-node-critical', referencedObjectNamespaces: ['akri-system', 'cameras'] },
  },
};

let schemas = '';
beforeAll(async () => {
  schemas = mkdtempSync(join(tmpdir(), 'akri-ts-kubeconform-'));
  const written = await writeKubeconformSchemas(loadKubeConfig(inject('kubeconfig')), schemas);
  expect(written).toEqual(expect.arrayContaining(['daemonset-apps-v1.json', 'deployment-apps-v1.json', 'job-batch-v1.json', 'configuration-akri-v0.json']));
});
afterAll(() => {
  if (schemas) rmSync(schemas, { recursive: true, force: true });
});

function kubeconform(yamlText: string) {
  return run(goTools().kubeconform, ['-strict', '-summary', '-schema-location', schemaLocation(schemas), '-'], { stdin: yamlText });
}

describe('helm lint', () => {
  it('is clean with the defaults and with every handler on', async () => {
    for (const values of [{}, allHandlers()]) {
      const r = await helm(['lint', '--strict', chartDir, ...valueFlags(values)]);
      expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });
});

describe('helm template passes kubeconform -strict for Kubernetes 1.34', () => {
  it('catches a misspelt field (the schemas are strict)', async () => {
    const r = await kubeconform('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicass: 1\n  selector: {matchLabels: {a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}\n');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('replicass');
  });

  for (const [name, values] of Object.entries(VARIANTS)) {
    it(`renders valid objects: ${name}`, async () => {
      const t = await helmTemplate(values);
      expect(t.code, t.stderr).toBe(0);
      const r = await kubeconform(t.stdout);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
    });
  }
});

describe('what the chart renders', () => {
  it('points the agent at the kubelet directory of the distribution, or at kubeletDir', async () => {
    const dirFor = async (values: Record<string, unknown>) => {
      const agent = find(manifests((await helmTemplate(values)).stdout), 'DaemonSet', 'akri-akri-ts-agent');
      const spec = podSpec(agent);
      expect(spec.volumes?.find((v) => v.name === 'device-plugins')?.hostPath?.path).toBe(`${argValue(spec.containers[0]?.args, '--kubelet-dir')}/device-plugins`);
      return argValue(spec.containers[0]?.args, '--kubelet-dir');
    };
    expect(await dirFor({})).toBe('/var/lib/kubelet');
    expect(await dirFor({ kubernetesDistro: 'k3s' })).toBe('/var/lib/kubelet');
    expect(await dirFor({ kubernetesDistro: 'microk8s' })).toBe('/var/snap/microk8s/common/var/lib/kubelet');
    expect(await dirFor({ kubernetesDistro: 'microk8s', kubeletDir: '/data/kubelet' })).toBe('/data/kubelet');
  });

  it('runs embedded handlers in the agent and renders no DaemonSet for them', async () => {
    const all = manifests((await helmTemplate({ ...allHandlers(), agent: { embeddedHandlers: ['onvif', 'udev'] } })).stdout);
    const handlerSets = all.filter((m) => m.kind === 'DaemonSet' && m.metadata.name.endsWith('-discovery')).map((m) => m.metadata.name);
    expect(handlerSets.sort()).toEqual(['akri-akri-ts-ble-discovery', 'akri-akri-ts-debug-echo-discovery', 'akri-akri-ts-modbus-discovery', 'akri-akri-ts-modbus-rtu-discovery', 'akri-akri-ts-opcua-discovery']);
    const agent = podSpec(find(all, 'DaemonSet', 'akri-akri-ts-agent'));
    expect(argValue(agent.containers[0]?.args, '--embed')).toBe('onvif,udev');
    expect(agent.hostNetwork).toBe(true); // ONVIF multicast
    // udev reads sysfs and udev's database; the host's /dev is not mounted (over /dev it breaks
    // the kubelet's /dev/termination-log on a read-only root filesystem).
    expect(agent.volumes?.map((v) => v.hostPath?.path)).toEqual(expect.arrayContaining(['/run/udev', '/var/lib/akri']));
    expect(agent.volumes?.map((v) => v.hostPath?.path)).not.toContain('/dev');
    expect(agent.containers[0]?.securityContext?.privileged).toBeUndefined();
    // Where the host's /dev is mounted (serial lines), the termination message goes to /tmp.
    const rtu = podSpec(find(all, 'DaemonSet', 'akri-akri-ts-modbus-rtu-discovery'));
    expect(rtu.volumes?.map((v) => v.hostPath?.path)).toContain('/dev');
    expect(rtu.containers[0]?.terminationMessagePath).toBe('/tmp/termination-log');
  });

  it('probes the agent and the controller for liveness on /healthz of their metrics port, and not when that port is off', async () => {
    const all = manifests((await helmTemplate({})).stdout);
    for (const spec of [podSpec(find(all, 'DaemonSet', 'akri-akri-ts-agent')), podSpec(find(all, 'Deployment', 'akri-akri-ts-controller'))]) {
      expect(spec.containers[0]?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(spec.containers[0]?.ports?.find((p) => p.name === 'metrics')?.containerPort).toBe(8080);
    }
    const off = manifests((await helmTemplate({ agent: { metricsPort: 0 } })).stdout);
    const agent = podSpec(find(off, 'DaemonSet', 'akri-akri-ts-agent'));
    expect(agent.containers[0]?.livenessProbe).toBeUndefined();
    expect(argValue(agent.containers[0]?.args, '--metrics-port')).toBe('0');
  });

  it('renders one DaemonSet and one Configuration per custom handler', async () => {
    const all = manifests((await helmTemplate(VARIANTS['custom handlers'] ?? {})).stdout);
    expect(find(all, 'DaemonSet', 'akri-akri-ts-zigbee-discovery')).toBeDefined();
    const lora = podSpec(find(all, 'DaemonSet', 'akri-akri-ts-lorawan-discovery'));
    expect(lora.containers[0]?.env).toContainEqual({ name: 'REGION', value: 'EU868' });
    const cfg = find(all, 'Configuration', 'akri-lorawan').spec as { discoveryHandler: { name: string; discoveryDetails: string } };
    expect(cfg.discoveryHandler).toEqual({ name: 'lorawan', discoveryDetails: 'gateways: [gw-1]\n' });
  });

  it('gives handler pods no API credentials and the controller no root', async () => {
    const all = manifests((await helmTemplate(allHandlers())).stdout);
    for (const ds of all.filter((m) => m.kind === 'DaemonSet' && m.metadata.name.endsWith('-discovery'))) {
      expect((ds.spec as { template: { spec: { automountServiceAccountToken?: boolean } } }).template.spec.automountServiceAccountToken).toBe(false);
    }
    const controller = find(all, 'Deployment', 'akri-akri-ts-controller') as unknown as { spec: { template: { spec: { securityContext: { runAsNonRoot: boolean } } } } };
    expect(controller.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const hook = find(all, 'Job', 'akri-akri-ts-cleanup');
    expect(hook.metadata.annotations?.['helm.sh/hook']).toBe('pre-delete');
  });
});

describe('DRA (dra.enabled)', () => {
  type Role = { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
  const draRules = (all: ReturnType<typeof manifests>, role: string) => (find(all, 'ClusterRole', role) as unknown as Role).rules.filter((r) => r.apiGroups.includes('resource.k8s.io'));

  it('grants the resource.k8s.io verbs only when enabled', async () => {
    const off = manifests((await helmTemplate({})).stdout);
    expect(draRules(off, 'akri-akri-ts-agent')).toEqual([]);
    expect(draRules(off, 'akri-akri-ts-controller')).toEqual([]);
    const on = manifests((await helmTemplate({ dra: { enabled: true } })).stdout);
    expect(draRules(on, 'akri-akri-ts-agent')).toEqual([
      { apiGroups: ['resource.k8s.io'], resources: ['resourceslices'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: ['resource.k8s.io'], resources: ['resourceclaims'], verbs: ['get'] },
    ]);
    expect(draRules(on, 'akri-akri-ts-controller').flatMap((r) => r.resources).sort()).toEqual(['deviceclasses', 'resourceclaimtemplates', 'resourceslices']);
  });

  it('turns on the agent DRA plugin with the kubelet plugin directories and the CDI directory mounted at their host paths', async () => {
    const on = manifests((await helmTemplate({ dra: { enabled: true, cdiDir: '/etc/cdi' }, kubernetesDistro: 'microk8s' })).stdout);
    const agent = podSpec(find(on, 'DaemonSet', 'akri-akri-ts-agent'));
    const args = agent.containers[0]?.args ?? [];
    expect(args).toContain('--dra');
    expect(argValue(args, '--cdi-dir')).toBe('/etc/cdi');
    const kubelet = '/var/snap/microk8s/common/var/lib/kubelet';
    for (const [name, path] of [['plugins-registry', `${kubelet}/plugins_registry`], ['dra-plugin', `${kubelet}/plugins/akri.sh`], ['cdi', '/etc/cdi']]) {
      expect(agent.volumes?.find((v) => v.name === name)?.hostPath?.path).toBe(path);
      expect(agent.containers[0]?.volumeMounts?.find((m) => m.name === name)?.mountPath).toBe(path);
    }
    expect(podSpec(find(on, 'Deployment', 'akri-akri-ts-controller')).containers[0]?.args).toContain('--dra');
    const off = podSpec(find(manifests((await helmTemplate({})).stdout), 'DaemonSet', 'akri-akri-ts-agent'));
    expect(off.containers[0]?.args).not.toContain('--dra');
    expect(off.volumes?.map((v) => v.name)).not.toContain('cdi');
  });
});

describe('the optional ServiceMonitor', () => {
  it('scrapes the agent and the controller through headless metrics Services', async () => {
    const all = manifests((await helmTemplate({ serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } })).stdout);
    for (const component of ['agent', 'controller']) {
      const monitor = find(all, 'ServiceMonitor', `akri-akri-ts-${component}`);
      expect(monitor.spec).toMatchObject({ selector: { matchLabels: { 'app.kubernetes.io/component': component } }, endpoints: [{ port: 'metrics', interval: '30s' }] });
      expect(find(all, 'Service', `akri-akri-ts-${component}-metrics`).spec).toMatchObject({ clusterIP: 'None', ports: [{ name: 'metrics', port: 8080 }] });
    }
    // Everything but the prometheus-operator kind (whose CRD this API server does not serve) is valid.
    const r = await run(goTools().kubeconform, ['-strict', '-summary', '-skip', 'ServiceMonitor', '-schema-location', schemaLocation(schemas), '-'], { stdin: (await helmTemplate({ serviceMonitor: { enabled: true } })).stdout });
    expect(r.code, r.stdout).toBe(0);
  });

  it('gives the agent targets a node label, and not the controller (its akri_broker_pod_count has its own)', async () => {
    const all = manifests((await helmTemplate({ serviceMonitor: { enabled: true } })).stdout);
    expect(find(all, 'ServiceMonitor', 'akri-akri-ts-agent').spec).toMatchObject({
      endpoints: [{ relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }] }],
    });
    expect(JSON.stringify(find(all, 'ServiceMonitor', 'akri-akri-ts-controller').spec)).not.toContain('relabelings');
  });

  it('ships the Grafana dashboard as a ConfigMap for the sidecar, only when asked', async () => {
    const { readFileSync } = await import('node:fs');
    const off = manifests((await helmTemplate({})).stdout);
    expect(off.filter((m) => m.kind === 'ConfigMap' && m.metadata.name.includes('grafana'))).toEqual([]);
    const t = await helmTemplate({ grafanaDashboard: { enabled: true, namespace: 'monitoring', annotations: { grafana_folder: 'Edge' } } });
    const map = find(manifests(t.stdout), 'ConfigMap', 'akri-akri-ts-grafana-dashboard') as { metadata: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; data?: Record<string, string> };
    expect(map.metadata.namespace).toBe('monitoring');
    expect(map.metadata.labels?.grafana_dashboard).toBe('1');
    expect(map.metadata.annotations).toEqual({ grafana_folder: 'Edge' });
    expect(JSON.parse(map.data?.['akri-ts.json'] ?? '')).toEqual(JSON.parse(readFileSync(new URL('../../helm/dashboards/akri-ts.json', import.meta.url), 'utf8')));
    const r = await kubeconform(t.stdout);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('bad values', () => {
  const refused = async (values: Record<string, unknown>) => {
    const r = await helmTemplate(values);
    expect(r.code).not.toBe(0);
    return r.stderr;
  };
  it('refuses a misspelt key, naming where it is', async () => {
    expect(await refused({ agent: { embededHandlers: ['udev'] } })).toContain("at '/agent': additional properties 'embededHandlers' not allowed");
  });
  it('refuses an unknown distribution and an unknown embedded handler', async () => {
    expect(await refused({ kubernetesDistro: 'k4s' })).toContain("at '/kubernetesDistro': value must be one of 'k8s', 'k3s', 'microk8s'");
    expect(await refused({ agent: { embeddedHandlers: ['zigbee'] } })).toContain("at '/agent/embeddedHandlers/0'");
  });
  it('refuses wrong types and a custom handler without an image', async () => {
    expect(await refused({ controller: { replicas: 'two' } })).toContain("at '/controller/replicas'");
    expect(await refused({ customDiscoveryHandlers: [{ name: 'zigbee' }] })).toContain("at '/customDiscoveryHandlers/0': missing property 'image'");
  });
  it('refuses a udev Configuration without rules', async () => {
    expect(await refused({ udev: { configuration: { enabled: true } } })).toContain('udev.configuration.discoveryDetails.udevRules: at least one rule is required');
  });
});
