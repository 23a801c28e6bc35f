// A node-opcua server in its own process, registered with an LDS, for tests that must kill it
// without a goodbye (SIGKILL): the LDS keeps listing it, as after a power cut.
//   node --import tsx run-opcua-server.ts <pki dir> <application name> <lds url> [host] [port]
// With a host it can run inside a network namespace (ip netns exec <ns> node ...). A fixed port
// gives a server that is started again the same endpoint URL (and certificate): the same device.
// An lds url of "-" registers nowhere: clients then ask the server itself FindServers.
// Prints "READY <endpoint url>" once registered.
import { startServer } from './opcua-servers.ts';

const [pkiBase, name, ldsUrl, host, port] = process.argv.slice(2);
if (!pkiBase || !name || !ldsUrl) {
  process.stderr.write('usage: run-opcua-server.ts <pki dir> <application name> <lds url> [host] [port]\n');
  process.exit(2);
}
const { url, registered } = await startServer(pkiBase, name, ldsUrl === '-' ? undefined : ldsUrl, host, port ? Number(port) : undefined);
await registered;
// node-opcua writes its own warnings to stdout; the marker tells our line apart.
process.stdout.write(`READY ${url}\n`);
