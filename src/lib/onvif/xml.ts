/**
 * XML from cameras is untrusted network input. It is parsed with fast-xml-parser under limits:
 * no DTD at all (so no external entities and no entity-expansion bombs; SOAP 1.2 forbids DTDs
 * anyway), a size cap and a nesting cap. Namespace prefixes are dropped, because firmware uses
 * every prefix imaginable (`tds:`, `ns2:`, `SOAP-ENV:`…) for the same elements.
 */
import {XMLParser} from 'fast-xml-parser'

export const MAX_XML_BYTES = 1024 * 1024
const MAX_DEPTH = 64

export class XmlError extends Error {}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Only the five predefined entities and character references can occur once DTDs are refused.
  processEntities: true,
  htmlEntities: false,
  maxNestedTags: MAX_DEPTH,
})

export type XmlNode = {[key: string]: XmlValue}
export type XmlValue = string | XmlNode | XmlValue[]

export function parseXml(xml: string): XmlNode {
  if (xml.length > MAX_XML_BYTES) throw new XmlError(`XML too large (${xml.length} bytes, limit ${MAX_XML_BYTES})`)
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlError('XML with a DTD refused (possible XXE or entity expansion)')
  try {
    return parser.parse(xml, true) as XmlNode
  } catch (error) {
    throw new XmlError(`malformed XML: ${(error as Error).message.split('\n')[0]!.slice(0, 200)}`)
  }
}

/** Walks a path of local element names; arrays are followed through their first item. */
export function child(node: XmlValue | undefined, ...path: string[]): XmlValue | undefined {
  let current = node
  for (const name of path) {
    if (Array.isArray(current)) current = current[0]
    if (current === undefined || typeof current === 'string' || Array.isArray(current)) return undefined
    current = current[name]
  }
  return current
}

/** Every item at a path's last step, whether the XML had one element or many. */
export function children(node: XmlValue | undefined, ...path: string[]): XmlValue[] {
  const found = child(node, ...path)
  if (found === undefined) return []
  return Array.isArray(found) ? found : [found]
}

/** Text content of an element (also when it carries attributes). */
export function text(node: XmlValue | undefined, ...path: string[]): string | undefined {
  let found = child(node, ...path)
  if (Array.isArray(found)) found = found[0]
  if (typeof found === 'string') return found
  if (found && !Array.isArray(found) && typeof found['#text'] === 'string') return found['#text']
  return undefined
}

export function attr(node: XmlValue | undefined, name: string): string | undefined {
  const target = Array.isArray(node) ? node[0] : node
  if (!target || typeof target === 'string' || Array.isArray(target)) return undefined
  const value = target['@' + name]
  return typeof value === 'string' ? value : undefined
}

/** Escapes text for an XML element or attribute. */
export function esc(value: string | number): string {
  return String(value).replace(/[<>&"']/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;'})[c]!)
}
