// `akri-ts status`: problems (stuck discovery, Warning Events), Configurations, Instances (nodes,
// slot use) and broker Pods in the current cluster, as tables, as JSON, or as a Graphviz picture
// of which node reaches which device. Reads KUBECONFIG / ~/.kube/config like kubectl.
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { readSnapshot } from './cluster-snapshot.ts';
import { formatSnapshot } from './status-table.ts';
import { reachGraph } from './reach-graph.ts';

const usage = `usage: akri-ts status [--kubeconfig <file>] [--output text|json|dot]

Lists problems first (nodes whose discovery is stuck, the latest Warning Events on
Configurations and Instances), then the akri.sh Configurations (with each node's discovery
state), the Instances (nodes, slots in use out of capacity, broker count) and the broker Pods
in every namespace. When a Configuration uses DRA (spec.deviceAllocation: DRA), also our
ResourceSlices and the ResourceClaims on their devices; a DRA Instance's slots in use are its
allocated devices.

flags:
  --kubeconfig <file>   default: $KUBECONFIG, then ~/.kube/config, then in-cluster
  --output text|json|dot
                        text tables (default), JSON for scripts, or a Graphviz graph of which
                        node reaches which device and where its brokers run, with devices that
                        have free slots, devices in their grace period and Pending brokers
                        marked: akri-ts status --output dot | dot -Tpng -o reach.png
  -h, --help            this help
environment: KUBECONFIG
`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { kubeconfig: { type: 'string' }, output: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`akri-ts status: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.output !== 'text' && values.output !== 'json' && values.output !== 'dot') {
    process.stderr.write(`akri-ts status: --output ${values.output}: expected text, json or dot\n`);
    return 2;
  }
  try {
    const kc = loadKubeConfig(values.kubeconfig);
    const snapshot = await readSnapshot(kc);
    const render = { text: () => formatSnapshot(snapshot), json: () => `${JSON.stringify(snapshot, null, 2)}\n`, dot: () => reachGraph(snapshot) };
    process.stdout.write(render[values.output]());
    return 0;
  } catch (err) {
    process.stderr.write(`akri-ts status: cannot read the cluster: ${(err as Error).message}\n`);
    return 1;
  }
}
