// A small XML reader for SOAP and WS-Discovery messages from untrusted peers. It does bounded
// work by construction: a size cap, a depth cap, an element cap, one linear pass, and no DTD
// at all (a DOCTYPE is rejected, so no entity can expand: an XML bomb costs one scan).
// Namespaces are reduced to local names, which is all these fixed message shapes need.

export interface XmlElement {
  /** Local name, without the namespace prefix. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 256 * 1024, maxDepth: 48, maxElements: 20_000 };

export class XmlRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRejected';
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{1,10});/g, (_match, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return codePoint(Number.parseInt(ref.slice(2), 16), ref);
    if (ref.startsWith('#')) return codePoint(Number.parseInt(ref.slice(1), 10), ref);
    const known = PREDEFINED[ref];
    if (known === undefined) throw new XmlRejected(`undeclared entity &${ref};`);
    return known;
  });
}

function codePoint(n: number, ref: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0x10ffff) throw new XmlRejected(`bad character reference &${ref};`);
  return String.fromCodePoint(n);
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1] ?? '';
    attributes[localName(name)] = decodeEntities(match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/** Parses one document and returns its root element, or throws XmlRejected saying why. */
export function parseXml(input: string | Buffer, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > limits.maxBytes) throw new XmlRejected(`document of ${size} bytes exceeds the ${limits.maxBytes}-byte limit`);
  const xml = typeof input === 'string' ? input : input.toString('utf8');

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let i = 0;
  const expect = (needle: string, from: number, what: string): number => {
    const at = xml.indexOf(needle, from);
    if (at === -1) throw new XmlRejected(`unterminated ${what}`);
    return at;
  };

  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > i) {
      const text = xml.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(text);
      else if (text.trim() !== '') throw new XmlRejected('text outside the root element');
    }
    if (lt === -1) break;

    if (xml.startsWith('<?', lt)) {
      i = expect('?>', lt + 2, 'processing instruction') + 2;
    } else if (xml.startsWith('<!--', lt)) {
      i = expect('-->', lt + 4, 'comment') + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = expect(']]>', lt + 9, 'CDATA section');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlRejected('CDATA outside the root element');
      top.text += xml.slice(lt + 9, end);
      i = end + 3;
    } else if (xml.startsWith('<!', lt)) {
      // DOCTYPE, ENTITY and friends: SOAP forbids a DTD, and refusing it is what makes
      // entity-expansion attacks impossible rather than merely limited.
      throw new XmlRejected('document type declarations (DOCTYPE/ENTITY) are not accepted');
    } else if (xml.startsWith('</', lt)) {
      const end = expect('>', lt + 2, 'end tag');
      const name = localName(xml.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlRejected(`mismatched end tag </${name}>`);
      i = end + 1;
    } else {
      const end = findTagEnd(xml, lt + 1);
      const selfClosing = xml[end - 1] === '/';
      const body = xml.slice(lt + 1, selfClosing ? end - 1 : end);
      const nameMatch = /^[^\s/>]+/.exec(body);
      if (!nameMatch) throw new XmlRejected('element without a name');
      if (++elements > limits.maxElements) throw new XmlRejected(`more than ${limits.maxElements} elements`);
      const element: XmlElement = {
        name: localName(nameMatch[0]),
        attributes: parseAttributes(body.slice(nameMatch[0].length)),
        children: [],
        text: '',
      };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) throw new XmlRejected('more than one root element');
      else root = element;
      if (stack.length + 1 > limits.maxDepth) throw new XmlRejected(`nesting deeper than ${limits.maxDepth}`);
      if (!selfClosing) stack.push(element);
      i = end + 1;
    }
  }
  if (stack.length > 0) throw new XmlRejected(`unclosed element <${stack[stack.length - 1]?.name ?? ''}>`);
  if (!root) throw new XmlRejected('no root element');
  return root;
}

/** The '>' closing a start tag, skipping any '>' inside quoted attribute values. */
function findTagEnd(xml: string, from: number): number {
  let quote: string | undefined;
  for (let j = from; j < xml.length; j++) {
    const c = xml[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return j;
    }
  }
  throw new XmlRejected('unterminated start tag');
}

/** First descendant (depth-first, including `from`) with this local name. */
export function findFirst(from: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!from) return undefined;
  if (from.name === name) return from;
  for (const child of from.children) {
    const found = findFirst(child, name);
    if (found) return found;
  }
  return undefined;
}

/** All descendants with this local name, in document order. */
export function findAll(from: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  if (from.name === name) out.push(from);
  for (const child of from.children) findAll(child, name, out);
  return out;
}

/** Follows a path of child names, e.g. childPath(env, 'Body', 'ProbeMatches'). */
export function childPath(from: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let at = from;
  for (const name of names) {
    at = at?.children.find((c) => c.name === name);
    if (!at) return undefined;
  }
  return at;
}

export function textOf(element: XmlElement | undefined): string | undefined {
  const t = element?.text.trim();
  return t === undefined || t === '' ? undefined : t;
}
