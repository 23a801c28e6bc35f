// Runs a process as a rendered container would run: the user, group, supplemental groups and
// capabilities of its securityContext (pod level, then container level), applied with
// util-linux's setpriv, and the umask given (a node's runtime may leave any). The image runs
// as 65532:65532 unless told otherwise (images/akri-ts.Dockerfile); seccomp is not reproduced.
export interface SecurityContextView {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}

const IMAGE_USER = 65532;
const IMAGE_GROUP = 65532;

/** A command prefix: `sh -c 'umask …; exec "$@"' sh setpriv … --`. */
export function asContainerUser(pod: SecurityContextView | undefined, container: SecurityContextView | undefined, umask = '000'): string[] {
  const uid = container?.runAsUser ?? pod?.runAsUser ?? IMAGE_USER;
  // With runAsUser and no runAsGroup, the runtime takes the user's group from the image: root's is 0.
  const gid = container?.runAsGroup ?? pod?.runAsGroup ?? (uid === 0 ? 0 : IMAGE_GROUP);
  const groups = pod?.supplementalGroups ?? [];
  const dropsAll = (container?.capabilities?.drop ?? []).includes('ALL');
  if (container?.privileged || !dropsAll) throw new Error('only containers that drop ALL capabilities are reproduced');
  const add = (container?.capabilities?.add ?? []).map((c) => `,+${c.toLowerCase()}`).join('');
  return [
    'sh', '-c', `umask ${umask} && exec "$@"`, 'sh',
    'setpriv', `--reuid=${uid}`, `--regid=${gid}`,
    groups.length > 0 ? `--groups=${groups.join(',')}` : '--clear-groups',
    `--inh-caps=-all${add}`, `--bounding-set=-all${add}`,
    ...(container?.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []),
    '--',
  ];
}
