// Starts a control plane (etcd + kube-apiserver only) in the given directory, prints the pids
// of its processes as one JSON line, and waits to be killed. Used by the test that checks that
// a killed parent leaves no control-plane process behind.
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: start-and-print.ts <dir>');
const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false });
await plane.start();
process.stdout.write(`${JSON.stringify({ pids: plane.pids() })}\n`);
setInterval(() => undefined, 1 << 30);
