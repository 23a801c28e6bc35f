// A handler process killed outright (SIGKILL leaves its socket file behind) is dropped after
// refusing every connect, and discovers again as soon as it is started and registers. Found by
// the soak (issue 20, seed 121): a debugEcho handler that had been restarted once before (and
// so registered again, while its stream simply reconnected) was later killed for 15 s, and its
// node never discovered its devices again: the stream gave up on the first registration's
// endpoint, which the registry no longer held, so nothing was dropped and nothing reopened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILED_CONNECTS } from '../../agent/discovery/discovery-session.ts';
import { LabProcess } from '../netns/lab-process.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';

const cluster = useTestCluster('handler-returns');
const [name = ''] = nodeNames(1, 'ret');
let node: TestNode;
let work: string;
let handler: LabProcess | undefined;

function startHandler(): LabProcess {
  return new LabProcess([process.execPath, '--import', 'tsx', 'discovery-handlers/main.ts', 'debugEcho'], {
    DISCOVERY_HANDLERS_DIRECTORY: node.dir,
    DEBUG_ECHO_INSTANCES_SHARED: 'false',
    DEBUG_ECHO_AVAILABILITY_FILE: join(work, 'availability.txt'),
    DEBUG_ECHO_POLL_MS: '500',
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'akri-ts-handler-returns-'));
  node = await new TestNode(name, cluster.kc, cluster.namespace, { handler: 'none', graceSeconds: 15 }).start();
});
afterAll(async () => {
  await handler?.stop('SIGKILL');
  await node.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('a handler process that is killed and started again', () => {
  it(`is dropped after ${MAX_FAILED_CONNECTS} refused connects, and its devices come back once it registers again`, async () => {
    handler = startHandler();
    await handler.waitFor(/registered with the agent/);
    await applyConfiguration(cluster.kc, cluster.namespace, 'returns', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["r0"]' } });
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'returns')).map((i) => i.spec.nodes)).toEqual([[name]]), 30_000);

    // Killed and back at once: the stream reconnects, and the handler has registered a second time.
    await handler.stop('SIGKILL');
    handler = startHandler();
    await handler.waitFor(/registered with the agent/);
    await eventually(() => expect(node.agent?.handlers.endpoints('debugEcho')).toHaveLength(1), 30_000);

    // Back within the grace period: the Instance never loses the node.
    await handler.stop('SIGKILL');
    const killed = Date.now();
    await eventually(() => expect(node.agent?.handlers.endpoints('debugEcho')).toEqual([]), 30_000);
    handler = startHandler();
    await handler.waitFor(/registered with the agent/);
    expect(Date.now() - killed).toBeLessThan(15_000);
    await holdsFor(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'returns')).map((i) => i.spec.nodes)).toEqual([[name]]), 20_000, 500);

    // Back after the grace period: the Instance went, and comes back.
    await handler.stop('SIGKILL');
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'returns')).toEqual([]), 40_000);
    handler = startHandler();
    await handler.waitFor(/registered with the agent/);
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'returns')).map((i) => i.spec.nodes)).toEqual([[name]]), 20_000);
  }, 180_000);
});
