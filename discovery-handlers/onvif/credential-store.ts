// Camera credentials from discoveryProperties, in Akri's four formats, with Akri's precedence
// (later sources override earlier ones): device_credential_list, device_credential_ref_list,
// username_<uuid>/password_<uuid> (uuid with '-' written as '_'), then username_default.
// Credentials never leave this object except to sign a request: toString/JSON hide them.

export interface Credential {
  username: string;
  password: string | undefined;
}

const DEFAULT_ID = 'default';

function utf8(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return text.decode(value);
  } catch {
    return undefined; // Akri drops non-UTF-8 values the same way.
  }
}

function jsonObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function jsonStringArray(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

function field(record: unknown, name: string): unknown {
  return record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[name] : undefined;
}

export class CredentialStore {
  readonly #byId = new Map<string, Credential>();

  constructor(properties: Record<string, Buffer | undefined>) {
    const text = (key: string): string | undefined => utf8(properties[key]);

    for (const listName of jsonStringArray(text('device_credential_list'))) {
      for (const [id, entry] of Object.entries(jsonObject(text(listName)))) {
        const username = field(entry, 'username');
        if (typeof username !== 'string') continue;
        const raw = field(entry, 'password');
        let password = typeof raw === 'string' ? raw : undefined;
        if (password !== undefined && field(entry, 'base64encoded') === true) {
          password = utf8(Buffer.from(password, 'base64'));
        }
        this.#byId.set(id, { username, password });
      }
    }

    for (const listName of jsonStringArray(text('device_credential_ref_list'))) {
      for (const [id, entry] of Object.entries(jsonObject(text(listName)))) {
        const usernameRef = field(entry, 'username_ref');
        const passwordRef = field(entry, 'password_ref');
        if (typeof usernameRef !== 'string') continue;
        const username = text(usernameRef);
        if (username === undefined || username === '') continue;
        this.#byId.set(id, { username, password: typeof passwordRef === 'string' ? text(passwordRef) : undefined });
      }
    }

    for (const key of Object.keys(properties)) {
      if (!key.startsWith('username_') || key === 'username_') continue;
      const suffix = key.slice('username_'.length);
      const username = text(key);
      if (username === undefined) continue;
      this.#byId.set(suffix.replaceAll('_', '-'), { username, password: text(`password_${suffix}`) });
    }

    const defaultUser = text('username_default');
    if (defaultUser !== undefined) this.#byId.set(DEFAULT_ID, { username: defaultUser, password: text('password_default') });
  }

  /** The credential for a camera uuid, else the default one, else none. */
  get(uuid: string): Credential | undefined {
    return this.#byId.get(uuid) ?? this.#byId.get(uuid.toLowerCase()) ?? this.#byId.get(DEFAULT_ID);
  }

  get size(): number {
    return this.#byId.size;
  }

  toString(): string {
    return `CredentialStore(${this.#byId.size} entries)`;
  }

  toJSON(): string {
    return this.toString();
  }
}
