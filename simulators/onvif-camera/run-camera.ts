// Runs one simulated camera as its own process, e.g. inside a network namespace:
//   ip netns exec cam-a npx tsx simulators/onvif-camera/run-camera.ts --bind 10.0.1.5 --hello
// Prints its service URL and uuid as one JSON line; says Bye on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { CameraSimulator, type ProbeMisbehaviour, type SoapMisbehaviour } from './camera-simulator.ts';

const { values } = parseArgs({
  options: {
    bind: { type: 'string', default: '127.0.0.1' },
    'http-port': { type: 'string', default: '0' },
    'ws-discovery-port': { type: 'string', default: '3702' },
    'multicast-interface': { type: 'string' },
    uuid: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    mac: { type: 'string' },
    scope: { type: 'string', multiple: true },
    'soap-misbehaviour': { type: 'string' },
    'probe-misbehaviour': { type: 'string' },
    hello: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const camera = new CameraSimulator({
  bindAddress: values.bind,
  httpPort: Number(values['http-port']),
  wsDiscoveryPort: Number(values['ws-discovery-port']),
  multicastInterface: values['multicast-interface'],
  uuid: values.uuid,
  username: values.username,
  password: values.password,
  mac: values.mac,
  scopes: values.scope,
  soapMisbehaviour: values['soap-misbehaviour'] as SoapMisbehaviour | undefined,
  probeMisbehaviour: values['probe-misbehaviour'] as ProbeMisbehaviour | undefined,
  onExchange: values.verbose
    ? (operation, status, request) => process.stderr.write(`${operation} -> ${status}\n${request}\n`)
    : undefined,
});

async function main(): Promise<void> {
  await camera.start();
  if (values.hello) await camera.hello();
  process.stdout.write(`${JSON.stringify({ serviceUrl: camera.serviceUrl, uuid: camera.uuid })}\n`);
  const leave = (): void => {
    void camera.stop({ bye: true }).then(() => process.exit(0));
  };
  process.on('SIGTERM', leave);
  process.on('SIGINT', leave);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
