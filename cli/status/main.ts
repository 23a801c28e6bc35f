// `akri-ts status`: Configurations, Instances (nodes, slot use) and broker Pods in the current
// cluster, as a table or as JSON. Reads KUBECONFIG / ~/.kube/config like kubectl.
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { readSnapshot } from './cluster-snapshot.ts';
import { formatSnapshot } from './status-table.ts';

const usage = `usage: akri-ts status [--kubeconfig <file>] [--output text|json]

Lists the akri.sh Configurations (with each node's discovery state), the Instances (nodes,
slots in use out of capacity, broker count) and the broker Pods in every namespace. When a
Configuration uses DRA (spec.deviceAllocation: DRA), also our ResourceSlices and the
ResourceClaims on their devices; a DRA Instance's slots in use are its allocated devices.

flags:
  --kubeconfig <file>   default: $KUBECONFIG, then ~/.kube/config, then in-cluster
  --output text|json    text tables (default) or JSON for scripts
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
  if (values.output !== 'text' && values.output !== 'json') {
    process.stderr.write(`akri-ts status: --output ${values.output}: expected text or json\n`);
    return 2;
  }
  try {
    const kc = loadKubeConfig(values.kubeconfig);
    const snapshot = await readSnapshot(kc);
    process.stdout.write(values.output === 'json' ? `${JSON.stringify(snapshot, null, 2)}\n` : formatSnapshot(snapshot));
    return 0;
  } catch (err) {
    process.stderr.write(`akri-ts status: cannot read the cluster: ${(err as Error).message}\n`);
    return 1;
  }
}
