// The chart's pre-delete hook: removes every akri.sh Configuration in the release namespace so
// that uninstall leaves no finalizer behind. It runs in the akri-ts image with plain Node and no
// dependencies (the image is already on every node; no kubectl image to pull at the edge).
//   1. DELETE each Configuration. The agents still run (pre-delete comes before the release's
//      objects go), see the deletion, remove their Instances and their per-node finalizers.
//   2. Wait up to TIMEOUT_SECONDS for them to go.
//   3. Whatever is left (an agent on a dead node never answers): strip the finalizers of the
//      remaining Configurations and of every Instance in the namespace, and delete the Instances.
// In a pod it uses the ServiceAccount token; API_SERVER, TOKEN_FILE and CA_FILE override that
// (the integration test runs it as a process against the test API server).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
const server = process.env.API_SERVER ?? `https://${process.env.KUBERNETES_SERVICE_HOST}:${process.env.KUBERNETES_SERVICE_PORT}`;
const token = readFileSync(process.env.TOKEN_FILE ?? `${sa}/token`, 'utf8').trim();
const ca = readFileSync(process.env.CA_FILE ?? `${sa}/ca.crt`);
const namespace = process.env.NAMESPACE ?? readFileSync(`${sa}/namespace`, 'utf8').trim();
const timeoutMs = Number(process.env.TIMEOUT_SECONDS ?? 60) * 1000;
const base = `/apis/akri.sh/v0/namespaces/${encodeURIComponent(namespace)}`;

function log(msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', component: 'pre-delete-cleanup', namespace, msg, ...fields })}\n`);
}

/** One API call; resolves to the parsed body, or undefined on 404. */
function api(method, path, body, contentType = 'application/json') {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // An explicit length: a chunked DELETE body on a kept-alive socket makes the apiserver
    // answer the next request on that socket with 400.
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (payload !== undefined) Object.assign(headers, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) });
    const req = request(url, { method, ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        if (res.statusCode === 404) return resolve(undefined);
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        resolve(text ? JSON.parse(text) : undefined);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const list = async (plural) => (await api('GET', `${base}/${plural}`))?.items ?? [];
const stripFinalizers = (plural, name) =>
  api('PATCH', `${base}/${plural}/${name}`, { metadata: { finalizers: null } }, 'application/merge-patch+json');

const configurations = await list('configurations');
log('deleting configurations', { count: configurations.length });
for (const c of configurations) await api('DELETE', `${base}/configurations/${c.metadata.name}`, { propagationPolicy: 'Background' });

const deadline = Date.now() + timeoutMs;
let left = await list('configurations');
while (left.length > 0 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 1000));
  left = await list('configurations');
}
if (left.length > 0) {
  log('configurations still held by finalizers after the timeout; removing them', { names: left.map((c) => c.metadata.name).join(',') });
  for (const c of left) await stripFinalizers('configurations', c.metadata.name);
}
// Instances of removed Configurations: garbage collection deletes them, but a finalizer of an
// agent that is gone would hold them forever.
for (const i of await list('instances')) {
  if ((i.metadata.finalizers ?? []).length > 0) await stripFinalizers('instances', i.metadata.name);
  await api('DELETE', `${base}/instances/${i.metadata.name}`);
}
log('done', { instancesLeft: (await list('instances')).length, configurationsLeft: (await list('configurations')).length });
