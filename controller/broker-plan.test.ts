import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { planBrokers, type BrokerPlanInput } from './broker-plan.ts';
import { buildBrokerJob, buildBrokerPod } from './broker-workloads.ts';
import { planConfigurationService } from './configuration-service-plan.ts';
import { RecreateBackoff } from './recreate-backoff.ts';
import { nodeLossPatch } from './node-loss.ts';

const container = { name: 'b', image: 'nginx', resources: { limits: { '{{PLACEHOLDER}}': '1' } } };
const cfg: Configuration = {
  apiVersion: 'akri.sh/v0',
  kind: 'Configuration',
  metadata: { name: 'cam', namespace: 'ns', uid: 'c', generation: 1 },
  spec: { discoveryHandler: { name: 'onvif' }, brokerSpec: { brokerPodSpec: { containers: [container] } }, instanceServiceSpec: { ports: [{ port: 80 }] }, configurationServiceSpec: { ports: [{ port: 80 }] } },
};
const inst: Instance = {
  apiVersion: 'akri.sh/v0',
  kind: 'Instance',
  metadata: { name: 'cam-aaaaaa', namespace: 'ns', uid: 'i', resourceVersion: '7' },
  spec: { configurationName: 'cam', cdiName: 'akri.sh/cam=aaaaaa', capacity: 1, shared: true, nodes: ['a', 'b', 'c'] },
};

function pod(node: string, phase = 'Pending', configuration = cfg, extra: Partial<V1Pod['metadata']> = {}): V1Pod {
  const p = buildBrokerPod(configuration, inst, node) as V1Pod;
  return { ...p, metadata: { ...p.metadata, ...extra }, status: { phase } };
}

function input(over: Partial<BrokerPlanInput> = {}): BrokerPlanInput {
  return {
    configuration: cfg,
    instance: inst,
    pods: [],
    jobs: [],
    service: undefined,
    usableNodes: new Set(['a', 'b', 'c']),
    rolloutBudget: 3,
    recreateNotBefore: () => 0,
    createdBefore: () => false,
    now: 1_000_000,
    ...over,
  };
}

const kinds = (ops: ReturnType<typeof planBrokers>['operations']) => ops.map((o) => `${o.kind}:${'name' in o ? o.name : 'pod' in o ? o.pod.metadata?.name : 'job' in o ? o.job.metadata?.name : o.service.metadata?.name}`);

describe('planBrokers', () => {
  it('creates one broker per usable node of a shared Instance, and none on a NotReady node', () => {
    const plan = planBrokers(input({ usableNodes: new Set(['a', 'c']) }));
    expect(kinds(plan.operations)).toEqual(['createPod:a-cam-aaaaaa-pod', 'createPod:c-cam-aaaaaa-pod']);
  });

  it('creates a single <instance>-pod for a local Instance', () => {
    const local = { ...inst, spec: { ...inst.spec, shared: false, nodes: ['b'] } };
    expect(kinds(planBrokers(input({ instance: local })).operations)).toEqual(['createPod:cam-aaaaaa-pod']);
  });

  it('does nothing when every broker exists, Pending ones included', () => {
    expect(planBrokers(input({ pods: [pod('a'), pod('b', 'Pending'), pod('c', 'Pending')] })).operations).toEqual([]);
  });

  it('removes a broker whose node left `nodes`, and waits for terminating ones', () => {
    const two = { ...inst, spec: { ...inst.spec, nodes: ['a', 'b'] } };
    const plan = planBrokers(input({ instance: two, pods: [pod('a'), pod('b'), pod('c')] }));
    expect(plan.operations).toEqual([{ kind: 'deletePod', name: 'c-cam-aaaaaa-pod', node: 'c', reason: 'NodeLeft' }]);
    const terminating = pod('c', 'Running', cfg, { deletionTimestamp: new Date() });
    expect(planBrokers(input({ instance: two, pods: [pod('a'), pod('b'), terminating] })).operations).toEqual([]);
  });

  it('deletes Failed and Succeeded brokers, and recreates missing ones only after their backoff', () => {
    const plan = planBrokers(input({ pods: [pod('a', 'Failed'), pod('b', 'Succeeded')], recreateNotBefore: (n) => (n.startsWith('c-') ? 1_002_000 : 0), createdBefore: () => true }));
    expect(plan.operations.map((o) => ('reason' in o ? o.reason : o.kind))).toEqual(['BrokerFailed', 'BrokerSucceeded']);
    expect(plan.requeueAfterMs).toBe(2000);
    const later = planBrokers(input({ pods: [pod('a'), pod('b')], createdBefore: () => true }));
    expect(later.operations).toMatchObject([{ kind: 'createPod', node: 'c', recreate: true }]);
  });

  it('replaces brokers of an edited brokerPodSpec no faster than the rollout budget allows', () => {
    const old: Configuration = { ...cfg, spec: { ...cfg.spec, brokerSpec: { brokerPodSpec: { containers: [{ ...container, image: 'old' }] } } } };
    const plan = planBrokers(input({ pods: [pod('a', 'Running', old), pod('b', 'Running', old), pod('c', 'Running', old)], rolloutBudget: 2 }));
    expect(plan.operations.filter((o) => o.kind === 'deletePod').map((o) => (o.kind === 'deletePod' ? o.reason : ''))).toEqual(['SpecChanged', 'SpecChanged']);
    expect(plan.replacements).toBe(2);
    expect(planBrokers(input({ pods: [pod('a', 'Running', old)], rolloutBudget: 0 })).operations.filter((o) => o.kind === 'deletePod')).toEqual([]);
  });

  it('adopts brokers that carry no spec hash (made by Akri) instead of replacing them', () => {
    const akriPod = pod('a', 'Running', cfg, { annotations: {} });
    expect(planBrokers(input({ pods: [akriPod, pod('b'), pod('c')] })).operations.filter((o) => o.kind === 'deletePod')).toEqual([]);
  });

  it('replaces a Job of an earlier Configuration generation with one named for the current one', () => {
    const jobCfg: Configuration = { ...cfg, metadata: { ...cfg.metadata, generation: 2 }, spec: { ...cfg.spec, brokerSpec: { brokerJobSpec: { template: { spec: { containers: [container] } } } } } };
    const oldJob = buildBrokerJob({ ...jobCfg, metadata: { ...jobCfg.metadata, generation: 1 } }, inst) as V1Job;
    expect(kinds(planBrokers(input({ configuration: jobCfg, jobs: [oldJob] })).operations)).toEqual(['deleteJob:cam-aaaaaa-1-job', 'createJob:cam-aaaaaa-2-job']);
    const current = buildBrokerJob(jobCfg, inst) as V1Job;
    expect(planBrokers(input({ configuration: jobCfg, jobs: [current] })).operations).toEqual([]);
  });

  it('creates the Instance Service once a broker is Running and removes it when none is', () => {
    const pending = planBrokers(input({ pods: [pod('a'), pod('b'), pod('c')] }));
    expect(pending.operations).toEqual([]);
    const running = planBrokers(input({ pods: [pod('a', 'Running'), pod('b'), pod('c')] }));
    expect(kinds(running.operations)).toEqual(['applyService:cam-aaaaaa-svc']);
    const svc = running.operations[0]?.kind === 'applyService' ? running.operations[0].service : undefined;
    expect(planBrokers(input({ pods: [pod('a', 'Running'), pod('b'), pod('c')], service: svc })).operations).toEqual([]);
    expect(kinds(planBrokers(input({ pods: [pod('a'), pod('b'), pod('c')], service: svc })).operations)).toEqual(['deleteService:cam-aaaaaa-svc']);
  });

  it('keeps the Configuration Service while any broker of the Configuration is Running', () => {
    const ops = planConfigurationService(cfg, [pod('a', 'Running')], undefined);
    expect(kinds(ops)).toEqual(['applyService:cam-svc']);
    const svc = ops[0]?.kind === 'applyService' ? ops[0].service : undefined;
    expect(planConfigurationService(cfg, [pod('a', 'Running')], svc)).toEqual([]);
    expect(kinds(planConfigurationService(cfg, [pod('a', 'Failed')], svc))).toEqual(['deleteService:cam-svc']);
  });
});

describe('nodeLossPatch', () => {
  const withUsage: Instance = { ...inst, spec: { ...inst.spec, deviceUsage: { 'cam-aaaaaa-0': 'b', 'cam-aaaaaa-1': 'C:cam-0:b', 'cam-aaaaaa-2': 'a', 'cam-aaaaaa-3': '' } } };

  it('removes the lost node from nodes and frees the slots it held, with a resourceVersion precondition', () => {
    expect(nodeLossPatch(withUsage, (n) => n === 'b')).toEqual({
      metadata: { resourceVersion: '7' },
      spec: { nodes: ['a', 'c'], deviceUsage: { 'cam-aaaaaa-0': null, 'cam-aaaaaa-1': null } },
    });
  });

  it('writes nothing when the Instance names no lost node', () => {
    expect(nodeLossPatch(withUsage, (n) => n === 'z')).toBeUndefined();
  });
});

describe('RecreateBackoff', () => {
  it('brings back a broker that ran for a while at once, and one that keeps dying ever later', () => {
    const b = new RecreateBackoff({ baseDelayMs: 1000, maxDelayMs: 8000, resetAfterMs: 60_000 });
    b.recordCreate('p', 0);
    expect(b.notBefore('p', 100_000)).toBeLessThanOrEqual(100_000);
    b.recordCreate('p', 100_000);
    b.recordCreate('p', 100_500); // died within the reset window
    expect(b.notBefore('p', 100_600)).toBe(101_500);
    b.recordCreate('p', 101_500);
    expect(b.notBefore('p', 101_600)).toBe(103_500);
    for (let t = 103_500; t < 140_000; t += 5000) b.recordCreate('p', t);
    expect(b.notBefore('p', 140_000) - 138_500).toBe(8000);
  });
});
