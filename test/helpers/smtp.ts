/** A real SMTP server on loopback (smtp-server) that keeps what it receives. */
import type {AddressInfo} from 'node:net'
import {SMTPServer} from 'smtp-server'

export interface ReceivedMail {
  to: string[]
  raw: string
}

export async function startSmtp(): Promise<{url: string; received: ReceivedMail[]; stop(): Promise<void>}> {
  const received: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = ''
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')))
      stream.on('end', () => {
        received.push({to: session.envelope.rcptTo.map((r) => r.address), raw})
        done()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.server.address() as AddressInfo
  return {url: `smtp://127.0.0.1:${port}`, received, stop: () => new Promise((resolve) => server.close(() => resolve()))}
}

/** Undo quoted-printable soft line breaks and escapes, so assertions read the text as sent. */
export function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}
