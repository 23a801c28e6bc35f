// The API server flags a control plane needs once a real node joins it (the node test tier and
// `npm start` with a kubelet): pods reach the API server as on K3s, so it listens on the node's
// address too and advertises it; the `kubernetes` Service then has that endpoint (the lease
// reconciler writes it) and the node's kube-proxy routes the Service's ClusterIP to it. The API
// server reaches the kubelet (logs, exec) by its InternalIP, since the node's name does not resolve.
// Later flags win, so these replace the loopback-only defaults of cli/start/control-plane.

export function apiserverArgsForNode(nodeIp: string): string[] {
  return [
    '--kubelet-preferred-address-types=InternalIP',
    '--bind-address=0.0.0.0',
    `--advertise-address=${nodeIp}`,
    '--endpoint-reconciler-type=lease',
  ];
}
