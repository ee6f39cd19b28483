/**
 * Just enough MIME reading for tests to assert on what was actually sent: top-level headers, and the
 * decoded text/plain and text/html parts of the multipart/alternative messages nodemailer builds
 * (7bit, quoted-printable or base64). Hand-rolled because only our own fixed message shape is read,
 * and a full parser (mailparser) would be a new dependency for tests alone.
 */
export interface ParsedMail {
  headers: Map<string, string>
  text: string
  html: string
}

function splitHead(raw: string): [Map<string, string>, string] {
  const at = raw.search(/\r?\n\r?\n/)
  const head = raw.slice(0, at).replace(/\r?\n[ \t]+/g, ' ') // unfold continued lines
  const headers = new Map<string, string>()
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return [headers, raw.slice(at).replace(/^\r?\n\r?\n/, '')]
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    return Buffer.from(bytes, 'latin1').toString('utf8')
  }
  return body
}

export function parseMail(raw: string): ParsedMail {
  const [headers, body] = splitHead(raw)
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1]
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw]
  const found: Record<string, string> = {}
  for (const part of parts) {
    const [partHeaders, partBody] = splitHead(part.replace(/^\r?\n/, ''))
    const type = (partHeaders.get('content-type') ?? '').split(';')[0]!.trim()
    found[type] = decodeBody(partBody.replace(/\r?\n$/, ''), partHeaders.get('content-transfer-encoding'))
  }
  return {headers, text: (found['text/plain'] ?? '').replace(/\r\n/g, '\n'), html: (found['text/html'] ?? '').replace(/\r\n/g, '\n')}
}
