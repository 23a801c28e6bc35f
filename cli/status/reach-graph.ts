// `akri-ts status --output dot`: the answer to "which nodes can reach this device, and where do
// its brokers run?" as a Graphviz graph. Nodes on the left, broker Pods in the middle, devices
// (Instances, grouped by Configuration) on the right; edges "node reaches device" and "node
// runs broker, for device". Marks: devices with free slots (green) or none (grey), devices a
// node keeps only for its grace period (orange, dashed), Pending brokers (yellow), nodes not
// Ready and Configurations whose discovery is stuck (red). Pure: snapshot in, DOT text out.
import type { BrokerRow, ClusterSnapshot, InstanceRow } from './cluster-snapshot.ts';
import { localTime } from './local-time.ts';

const COLOR = {
  node: '#dbe8f7',
  free: '#d9f2d9',
  full: '#e6e6e6',
  grace: '#e69500',
  pending: '#fff2cc',
  running: '#d9f2d9',
  bad: '#f4cccc',
  badLine: '#cc0000',
};

/** A DOT double-quoted string: backslashes and quotes escaped, "\n" a centred line break. */
function q(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function attrs(a: Record<string, string | number>): string {
  return `[${Object.entries(a)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : q(v)}`)
    .join(', ')}]`;
}

const nodeId = (name: string) => q(`node/${name}`);
const instanceId = (i: { namespace: string; name: string }) => q(`instance/${i.namespace}/${i.name}`);
const brokerId = (b: BrokerRow) => q(`broker/${b.namespace}/${b.name}`);

function instanceNode(i: InstanceRow, now: Date): string {
  const free = Math.max(0, i.slots - i.slotsUsed);
  const lines = [i.name, `${i.shared ? 'shared' : 'local'} · ${i.slotsUsed}/${i.slots} slots used · ${free > 0 ? `${free} free` : 'full'}`];
  for (const g of i.inGrace) lines.push(`grace period on ${g.node}: leaves ${localTime(g.leaveAt, now)}`);
  const grace = i.inGrace.length > 0;
  return `    ${instanceId(i)} ${attrs({
    shape: 'ellipse',
    style: grace ? 'filled,dashed' : 'filled',
    fillcolor: free > 0 ? COLOR.free : COLOR.full,
    ...(grace ? { color: COLOR.grace, penwidth: 2 } : {}),
    label: lines.join('\n'),
  })};`;
}

function brokerFill(phase: string): string {
  if (phase === 'Running' || phase === 'Succeeded') return COLOR.running;
  if (phase === 'Pending') return COLOR.pending;
  return COLOR.bad;
}

const LEGEND = `<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">
    <tr><td><b>legend</b></td></tr>
    <tr><td bgcolor="${COLOR.node}">node</td></tr>
    <tr><td bgcolor="${COLOR.free}">device with a free slot / Running broker</td></tr>
    <tr><td bgcolor="${COLOR.full}">device with every slot taken</td></tr>
    <tr><td color="${COLOR.grace}" bgcolor="${COLOR.free}">orange, dashed: kept for a grace period</td></tr>
    <tr><td bgcolor="${COLOR.pending}">Pending broker</td></tr>
    <tr><td bgcolor="${COLOR.bad}">node not Ready / broker failed / discovery stuck</td></tr>
  </table>>`;

export function reachGraph(s: ClusterSnapshot, now: Date = new Date()): string {
  const out: string[] = [
    'digraph akri_reach {',
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=16, labelloc=t, nodesep=0.25, ranksep=1.1, label="akri-ts: which node reaches which device, and where its brokers run"];',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555", fontcolor="#555555"];',
  ];

  // Every node the cluster lists, and any node still named by an Instance or broker.
  const ready = new Map(s.nodes.map((n) => [n.name, n.ready]));
  const named = new Set([...s.nodes.map((n) => n.name), ...s.instances.flatMap((i) => i.nodes), ...s.brokers.map((b) => b.node).filter(Boolean)]);
  out.push('  // Nodes');
  for (const name of [...named].sort()) {
    const state = ready.has(name) ? (ready.get(name) ? 'Ready' : 'NotReady') : 'not registered';
    out.push(`  ${nodeId(name)} ${attrs({ shape: 'box3d', style: 'filled', fillcolor: state === 'Ready' ? COLOR.node : COLOR.bad, label: `node ${name}\n${state}` })};`);
  }
  if (named.size > 0) out.push(`  { rank=min; ${[...named].sort().map(nodeId).join('; ')}; }`);

  // Devices, one cluster per Configuration (and one for Instances whose Configuration is gone).
  out.push('  // Devices (Instances), by Configuration');
  const clusters = new Map<string, { label: string; bad: boolean; instances: InstanceRow[] }>();
  for (const c of s.configurations) {
    const stuck = s.discoveryProblems.filter((p) => p.namespace === c.namespace && p.configuration === c.name);
    const label = [`Configuration ${c.namespace}/${c.name}`, `${c.handler} · capacity ${c.capacity}`, ...stuck.map((p) => `${p.node}: ${p.state}`)].join('\n');
    clusters.set(`${c.namespace}/${c.name}`, { label, bad: stuck.length > 0, instances: [] });
  }
  for (const i of s.instances) {
    const key = `${i.namespace}/${i.configuration}`;
    if (!clusters.has(key)) clusters.set(key, { label: `Configuration ${key} (not found)`, bad: true, instances: [] });
    clusters.get(key)?.instances.push(i);
  }
  let n = 0;
  for (const [key, c] of [...clusters].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`  subgraph ${q(`cluster_${n++}`)} {`);
    out.push(`    graph ${attrs({ label: c.label, style: 'rounded', color: c.bad ? COLOR.badLine : '#999999', fontsize: 12 })};`);
    if (c.instances.length === 0) out.push(`    ${q(`empty/${key}`)} ${attrs({ shape: 'plaintext', label: 'no devices' })};`);
    for (const i of c.instances) out.push(instanceNode(i, now));
    out.push('  }');
  }

  out.push('  // Broker Pods');
  for (const b of s.brokers) {
    out.push(`  ${brokerId(b)} ${attrs({ shape: 'component', style: 'filled', fillcolor: brokerFill(b.phase), label: `${b.name}\n${b.phase}` })};`);
  }

  out.push('  // node reaches device');
  for (const i of s.instances) {
    for (const node of i.nodes) {
      const grace = i.inGrace.find((g) => g.node === node);
      out.push(
        `  ${nodeId(node)} -> ${instanceId(i)} ${attrs(
          grace ? { label: `reaches (grace period, leaves ${localTime(grace.leaveAt, now)})`, style: 'dashed', color: COLOR.grace, fontcolor: COLOR.grace } : { label: 'reaches' },
        )};`,
      );
    }
  }
  out.push('  // node runs broker, for device');
  for (const b of s.brokers) {
    if (b.node) out.push(`  ${nodeId(b.node)} -> ${brokerId(b)} ${attrs({ label: 'runs', color: '#3465a4', fontcolor: '#3465a4' })};`);
    const device = s.instances.find((i) => i.namespace === b.namespace && i.name === b.instance);
    if (device) out.push(`  ${brokerId(b)} -> ${instanceId(device)} ${attrs({ label: 'for', color: '#3465a4', fontcolor: '#3465a4' })};`);
  }
  out.push(`  legend [shape=plaintext, fontsize=10, label=${LEGEND}];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
