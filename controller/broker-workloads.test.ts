import { describe, expect, it } from 'vitest';
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { buildBrokerJob, buildBrokerPod } from './broker-workloads.ts';
import { buildConfigurationService, buildInstanceService } from './broker-services.ts';

const container = {
  name: 'broker',
  image: 'nginx',
  resources: { requests: { '{{PLACEHOLDER}}': '1', cpu: '10m' }, limits: { '{{PLACEHOLDER}}': '1', memory: '30Mi' } },
};

function configuration(spec: Partial<Configuration['spec']> = {}): Configuration {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Configuration',
    metadata: { name: 'akri-debug-echo-foo', namespace: 'ns', uid: 'cfg-uid', generation: 3 },
    spec: { discoveryHandler: { name: 'debugEcho' }, brokerSpec: { brokerPodSpec: { containers: [container], initContainers: [container] } }, ...spec },
  };
}

function instance(shared: boolean, name = 'akri-debug-echo-foo-8120fe'): Instance {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Instance',
    metadata: { name, namespace: 'ns', uid: 'inst-uid' },
    spec: { configurationName: 'akri-debug-echo-foo', cdiName: 'akri.sh/akri-debug-echo-foo=8120fe', capacity: 2, shared, nodes: ['node-a'] },
  };
}

describe('broker pods', () => {
  it('are named <instance>-pod for a local device and <node>-<instance>-pod for a shared one, with dots normalised', () => {
    expect(buildBrokerPod(configuration(), instance(false), 'node-a')?.metadata?.name).toBe('akri-debug-echo-foo-8120fe-pod');
    expect(buildBrokerPod(configuration(), instance(true), 'node.a')?.metadata?.name).toBe('node.a-akri-debug-echo-foo-8120fe-pod');
    expect(buildBrokerPod(configuration(), instance(true, 'a.b-8120fe'), 'n')?.metadata?.name).toBe('n-a-b-8120fe-pod');
  });

  it('carry Akri\'s labels and are owned by the Instance, which blocks its deletion', () => {
    const pod = buildBrokerPod(configuration(), instance(true), 'node-a');
    expect(pod?.metadata?.labels).toEqual({
      app: 'node-a-akri-debug-echo-foo-8120fe-pod',
      controller: 'akri.sh',
      'akri.sh/configuration': 'akri-debug-echo-foo',
      'akri.sh/instance': 'akri-debug-echo-foo-8120fe',
      'akri.sh/target-node': 'node-a',
    });
    expect(pod?.metadata?.ownerReferences).toEqual([
      { apiVersion: 'akri.sh/v0', kind: 'Instance', name: 'akri-debug-echo-foo-8120fe', uid: 'inst-uid', controller: true, blockOwnerDeletion: true },
    ]);
    expect(pod?.metadata?.namespace).toBe('ns');
  });

  it('ask for akri.sh/<instance> in place of {{PLACEHOLDER}} in containers and initContainers, requests and limits', () => {
    const spec = buildBrokerPod(configuration(), instance(true), 'node-a')?.spec;
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      expect(c.resources?.requests).toEqual({ 'akri.sh/akri-debug-echo-foo-8120fe': '1', cpu: '10m' });
      expect(c.resources?.limits).toEqual({ 'akri.sh/akri-debug-echo-foo-8120fe': '1', memory: '30Mi' });
    }
  });

  it('are pinned to their node by a term of their own when the user wrote none', () => {
    const terms = buildBrokerPod(configuration(), instance(true), 'node-a')?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }]);
  });

  it('AND the node pin into every nodeSelectorTerm the user wrote, so no term lets the pod elsewhere', () => {
    const userTerms = [
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      { matchExpressions: [{ key: 'gpu', operator: 'Exists' }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['x'] }] },
    ];
    const cfg = configuration({
      brokerSpec: {
        brokerPodSpec: {
          containers: [container],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: userTerms } } },
        },
      },
    });
    const terms = buildBrokerPod(cfg, instance(true), 'node-b')?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const pin = { key: 'metadata.name', operator: 'In', values: ['node-b'] };
    expect(terms).toEqual([
      { ...userTerms[0], matchFields: [pin] },
      { ...userTerms[1], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['x'] }, pin] },
    ]);
    // The Configuration itself is left untouched.
    expect(cfg.spec.brokerSpec?.brokerPodSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual(userTerms);
  });

  it('carry a spec hash that changes with the brokerPodSpec and only with it', () => {
    const a = buildBrokerPod(configuration(), instance(true), 'node-a')?.metadata?.annotations?.['akri.sh/spec-hash'];
    const same = buildBrokerPod(configuration({ brokerProperties: { X: '1' } }), instance(true), 'node-a')?.metadata?.annotations?.['akri.sh/spec-hash'];
    const edited = buildBrokerPod(
      configuration({ brokerSpec: { brokerPodSpec: { containers: [{ ...container, image: 'nginx:2' }] } } }),
      instance(true),
      'node-a',
    )?.metadata?.annotations?.['akri.sh/spec-hash'];
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(same).toBe(a);
    expect(edited).not.toBe(a);
  });
});

describe('broker jobs', () => {
  const jobCfg = configuration({ brokerSpec: { brokerJobSpec: { template: { metadata: { labels: { mine: 'yes' } }, spec: { containers: [container], restartPolicy: 'Never' } } } } });

  it('are named <instance>-<configuration generation>-job and labelled as Akri does', () => {
    const job = buildBrokerJob(jobCfg, instance(true, 'a.b-8120fe'));
    expect(job?.metadata?.name).toBe('a-b-8120fe-3-job');
    expect(job?.metadata?.labels).toEqual({ app: 'a-b-8120fe-3-job', controller: 'akri.sh', 'akri.sh/configuration': 'akri-debug-echo-foo', 'akri.sh/instance': 'a.b-8120fe' });
    expect(job?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Instance', name: 'a.b-8120fe', controller: true, blockOwnerDeletion: true });
    expect(job?.spec?.template.metadata?.labels).toEqual({ mine: 'yes', 'akri.sh/configuration': 'akri-debug-echo-foo', 'akri.sh/instance': 'a.b-8120fe', controller: 'akri.sh' });
  });

  it('substitute {{PLACEHOLDER}} and are not pinned to a node', () => {
    const spec = buildBrokerJob(jobCfg, instance(true))?.spec?.template.spec;
    expect(spec?.containers[0]?.resources?.limits).toEqual({ 'akri.sh/akri-debug-echo-foo-8120fe': '1', memory: '30Mi' });
    expect(spec?.affinity).toBeUndefined();
  });
});

describe('broker services', () => {
  const svcCfg = configuration({ instanceServiceSpec: { ports: [{ port: 80 }], selector: { tier: 'x' } }, configurationServiceSpec: { ports: [{ port: 81 }] } });

  it('name the Instance Service <instance>-svc and select that Instance\'s brokers', () => {
    const svc = buildInstanceService(svcCfg, instance(true, 'a.b-8120fe'));
    expect(svc?.metadata?.name).toBe('a-b-8120fe-svc');
    expect(svc?.metadata?.labels).toEqual({ 'akri.sh/instance': 'a.b-8120fe', app: 'a-b-8120fe-svc', controller: 'akri.sh' });
    expect(svc?.spec?.selector).toEqual({ tier: 'x', 'akri.sh/instance': 'a.b-8120fe', controller: 'akri.sh' });
    expect(svc?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Instance', uid: 'inst-uid' });
  });

  it('name the Configuration Service <configuration>-svc, owned by the Configuration', () => {
    const svc = buildConfigurationService(svcCfg);
    expect(svc?.metadata?.name).toBe('akri-debug-echo-foo-svc');
    expect(svc?.spec?.selector).toEqual({ 'akri.sh/configuration': 'akri-debug-echo-foo', controller: 'akri.sh' });
    expect(svc?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Configuration', uid: 'cfg-uid', controller: true, blockOwnerDeletion: true });
  });

  it('are not built when the Configuration asks for none', () => {
    expect(buildInstanceService(configuration(), instance(true))).toBeUndefined();
    expect(buildConfigurationService(configuration())).toBeUndefined();
  });
});

describe('broker workloads in DRA mode (deviceAllocation: DRA)', () => {
  it('ask for the Instance claim template instead of the akri.sh/<instance> resource, in every container that had {{PLACEHOLDER}}', () => {
    const pod = buildBrokerPod(configuration({ deviceAllocation: 'DRA' }), instance(false), 'node-a');
    expect(pod?.spec?.resourceClaims).toEqual([{ name: 'akri-device', resourceClaimTemplateName: 'akri-debug-echo-foo-8120fe' }]);
    for (const c of [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])]) {
      expect(c.resources).toEqual({ requests: { cpu: '10m' }, limits: { memory: '30Mi' }, claims: [{ name: 'akri-device' }] });
    }
    const job = buildBrokerJob(configuration({ deviceAllocation: 'DRA', brokerSpec: { brokerJobSpec: { template: { spec: { containers: [container] } } } } }), instance(false));
    expect(job?.spec?.template.spec?.resourceClaims).toEqual([{ name: 'akri-device', resourceClaimTemplateName: 'akri-debug-echo-foo-8120fe' }]);
  });

  it('give no claim to a spec without {{PLACEHOLDER}}, as device-plugin mode gives it no resource', () => {
    const plain = { name: 'b', image: 'nginx' };
    const pod = buildBrokerPod(configuration({ deviceAllocation: 'DRA', brokerSpec: { brokerPodSpec: { containers: [plain] } } }), instance(false), 'node-a');
    expect(pod?.spec?.resourceClaims).toBeUndefined();
    expect(pod?.spec?.containers).toEqual([plain]);
  });

  it('change the spec hash, so switching a Configuration to DRA replaces its brokers, while device-plugin brokers keep theirs', () => {
    const dp = buildBrokerPod(configuration(), instance(false), 'node-a')?.metadata?.annotations?.['akri.sh/spec-hash'];
    const explicit = buildBrokerPod(configuration({ deviceAllocation: 'DevicePlugin' }), instance(false), 'node-a')?.metadata?.annotations?.['akri.sh/spec-hash'];
    const dra = buildBrokerPod(configuration({ deviceAllocation: 'DRA' }), instance(false), 'node-a')?.metadata?.annotations?.['akri.sh/spec-hash'];
    expect(explicit).toBe(dp);
    expect(dra).not.toBe(dp);
  });
});
