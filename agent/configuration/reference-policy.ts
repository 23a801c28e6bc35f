// Which namespaces a Configuration's discoveryProperties may read Secrets and ConfigMaps from:
// its own, plus what the operator granted explicitly (--allow-cross-namespace-references
// "<from>=<to>,...", chart value agent.crossNamespaceReferences). Without it, a tenant who may
// create Configurations in namespace A could name a Secret of namespace B and have the agent
// read it and send it to a device the tenant controls: a confused deputy. Akri resolves an
// unset namespace to "default" and any namespace it can read; we do neither.

/** A Configuration in `from` (or in any namespace, `*`) may read objects of namespace `to`. */
export interface NamespaceGrant {
  from: string;
  to: string;
}

// A namespace name is a DNS-1123 label.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parses "a=b,*=c" (spaces allowed); returns the grants, or an error naming the bad entry. */
export function parseNamespaceGrants(text: string): NamespaceGrant[] | { error: string } {
  const grants: NamespaceGrant[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [from = '', to = '', ...rest] = entry.split('=').map((s) => s.trim());
    if (rest.length > 0 || !(from === '*' || (NAMESPACE.test(from) && from.length <= 63)) || !(NAMESPACE.test(to) && to.length <= 63)) {
      return { error: `"${entry}": expected <configuration namespace or *>=<namespace>, e.g. cameras=akri-credentials` };
    }
    grants.push({ from, to });
  }
  return grants;
}

export function formatNamespaceGrants(grants: readonly NamespaceGrant[]): string {
  return grants.map((g) => `${g.from}=${g.to}`).join(',');
}

/** True when a Configuration in `configurationNamespace` may read an object in `namespace`. */
export function mayReference(configurationNamespace: string, namespace: string, grants: readonly NamespaceGrant[]): boolean {
  if (namespace === configurationNamespace) return true;
  return grants.some((g) => g.to === namespace && (g.from === '*' || g.from === configurationNamespace));
}
