// The bounded XML reader: what it accepts, and that hostile input costs bounded work.
import { describe, expect, it } from 'vitest';
import { childPath, parseXml, textOf, XmlRejected } from './bounded-xml.ts';

describe('bounded XML reader', () => {
  it('reads elements by local name, attributes, predefined and numeric entities, and CDATA', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><s:Envelope xmlns:s="x"><s:Body><a:Item token=\'t&amp;1\'>a &lt;b&gt; &#65;&#x42;<![CDATA[<raw>]]></a:Item><Empty/></s:Body></s:Envelope>',
    );
    const item = childPath(root, 'Body', 'Item');
    expect(item?.attributes.token).toBe('t&1');
    expect(textOf(item)).toBe('a <b> AB<raw>');
    expect(childPath(root, 'Body', 'Empty')).toBeDefined();
  });

  it('rejects a DOCTYPE, so a billion-laughs bomb is refused in one short scan', () => {
    let entities = '<!ENTITY a0 "xxxxxxxxxx">';
    for (let i = 1; i < 10; i++) entities += `<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`;
    const bomb = `<!DOCTYPE r [${entities}]><r>&a9;</r>`;
    const started = performance.now();
    expect(() => parseXml(bomb)).toThrow(/DOCTYPE/);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('rejects undeclared entities instead of passing them through', () => {
    expect(() => parseXml('<r>&lol;</r>')).toThrow(/undeclared entity/);
  });

  it('enforces the size, depth and element limits', () => {
    const limits = { maxBytes: 100, maxDepth: 3, maxElements: 4 };
    expect(() => parseXml(`<r>${' '.repeat(200)}</r>`, limits)).toThrow(/exceeds the 100-byte limit/);
    expect(() => parseXml('<a><b><c><d/></c></b></a>', limits)).toThrow(/deeper than 3/);
    expect(() => parseXml('<a><b/><b/><b/><b/></a>', limits)).toThrow(/more than 4 elements/);
  });

  it('rejects malformed documents with a reason', () => {
    for (const bad of ['<a><b></a>', '<a>', 'text', '<a/><b/>', '<a x="1></a>']) {
      expect(() => parseXml(bad), bad).toThrow(XmlRejected);
    }
  });

  it('reads 19,000 sibling elements (just under the default cap) quickly', () => {
    const many = `<r>${'<i>1</i>'.repeat(19_000)}</r>`;
    const started = performance.now();
    expect(parseXml(many).children).toHaveLength(19_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
