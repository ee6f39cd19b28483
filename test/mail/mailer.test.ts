import {readdirSync, readFileSync, statSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {SMTPServer, type SMTPServerOptions} from 'smtp-server'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'

import {createMailer, type Mailer} from '../../src/lib/mail/mailer.js'
import type {FootageRequestMail} from '../../src/lib/mail/footage-request.js'
import {createSelfSignedCertificate} from '../../src/lib/server/tls.js'
import {tempDir} from '../evidence/helpers.js'
import {parseMail} from './mime.js'

interface Received {
  from: string
  to: string[]
  secure: boolean
  user?: string
  raw: string
}

interface TestSmtp {
  port: number
  received: Received[]
  close(): Promise<void>
}

const USER = 'rtcc-relay'
const PASSWORD = 'p@ss word:42'
const URL_AUTH = `${USER}:${encodeURIComponent(PASSWORD)}`

/** A real SMTP server on loopback that checks the login and keeps every message it accepts. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const received: Received[] = []
  const server = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, done) {
      if (auth.username === USER && auth.password === PASSWORD) return done(null, {user: auth.username})
      done(new Error('Invalid username or password'))
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        done()
      })
    },
    ...options,
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  return {port, received, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

const REQUEST: FootageRequestMail = {
  to: 'deli@example.org',
  ownerName: 'Corner Deli <& Sons>',
  requestId: 'req_01jdx4y7a9',
  caseId: 'CASE-2026-0142',
  agency: 'Metro Police Department',
  reason: 'Hit and run at Main & 5th; looking for a dark blue sedan heading north',
  window: {from: '2026-11-28T21:00:00Z', to: '2026-11-28T21:30:00Z'},
  cameras: [
    {name: 'Front door', distanceMetres: 42.4},
    {name: 'Parking lot <north>', distanceMetres: 118},
  ],
  token: 'rtcc_r_3q2-7v_ExampleTokenOnlyForTests0123456789abcd',
  serverUrl: 'https://rtcc.metro.example:8443/',
  expiresAt: '2026-12-05T22:00:00Z',
  reminder: false,
}

let cert: {certPem: string; keyPem: string}
let cleanups: (() => Promise<void> | void)[] = []
beforeAll(async () => {
  cert = await createSelfSignedCertificate('localhost')
})
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

async function mailerFor(options: Parameters<typeof createMailer>[0]): Promise<Mailer> {
  const mailer = await createMailer(options)
  cleanups.push(() => mailer.close())
  return mailer
}

async function smtp(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const server = await startSmtp(options)
  cleanups.push(() => server.close())
  return server
}

function outboxDir(): string {
  const {dir, cleanup} = tempDir('rtcc-mail-')
  cleanups.push(cleanup)
  return join(dir, 'outbox')
}

describe('Mailer over SMTP (real server on loopback)', () => {
  it('delivers the footage request with login, and the message says everything the owner needs', async () => {
    const server = await smtp({disabledCommands: ['STARTTLS'], allowInsecureAuth: true})
    const mailer = await mailerFor({smtpUrl: `smtp://${URL_AUTH}@127.0.0.1:${server.port}`, outboxDir: outboxDir(), from: 'Metro RTCC <rtcc@metro.example>'})
    expect(mailer.transport).toBe('smtp')
    expect(mailer.describe()).toBe(`mail via SMTP smtp://${USER}:***@127.0.0.1:${server.port}`)

    const receipt = await mailer.sendFootageRequest(REQUEST)
    expect(receipt).toMatchObject({transport: 'smtp', accepted: ['deli@example.org']})
    expect(server.received).toHaveLength(1)
    const got = server.received[0]!
    expect(got).toMatchObject({from: 'rtcc@metro.example', to: ['deli@example.org'], user: USER, secure: false})
    const mail = parseMail(got.raw)
    expect(mail.headers.get('subject')).toBe('Footage request for case CASE-2026-0142 from Metro Police Department')
    expect(mail.headers.get('x-rtcc-request')).toBe('req_01jdx4y7a9')
    expect(mail.headers.get('message-id')).toBe(receipt.messageId)

    expect(mail.text).toContain('Hello Corner Deli <& Sons>,')
    expect(mail.text).toContain('Metro Police Department is investigating case CASE-2026-0142')
    expect(mail.text).toContain('When:    2026-11-28 21:00 UTC to 2026-11-28 21:30 UTC')
    expect(mail.text).toContain('Reason:  Hit and run at Main & 5th')
    expect(mail.text).toContain('  - Front door (42 m from the incident)\n  - Parking lot <north> (118 m from the incident)')
    expect(mail.text).toContain(`rtcc request fulfil ${REQUEST.token} --camera "Front door" RECORDING.mp4 --camera "Parking lot <north>" RECORDING.mp4 --done --server https://rtcc.metro.example:8443`)
    expect(mail.text).toContain(`rtcc request decline ${REQUEST.token} --reason "no footage" --server https://rtcc.metro.example:8443`)
    expect(mail.text).toContain('only until 2026-12-05 22:00 UTC')

    expect(mail.html).toContain('<p>Hello Corner Deli &lt;&amp; Sons&gt;,</p>')
    expect(mail.html).toContain('<li>Parking lot &lt;north&gt; (118 m from the incident)</li>')
    expect(mail.html).toContain(`<pre>rtcc request fulfil ${REQUEST.token} --camera &quot;Front door&quot; RECORDING.mp4 --camera &quot;Parking lot &lt;north&gt;&quot; RECORDING.mp4 --done --server https://rtcc.metro.example:8443</pre>`)
    expect(mail.html).not.toContain('<north>')
  })

  it('upgrades with STARTTLS and checks the certificate against the configured CA', async () => {
    const server = await smtp({key: cert.keyPem, cert: cert.certPem})
    const url = `smtp://${URL_AUTH}@127.0.0.1:${server.port}?requireTLS=true`
    const trusting = await mailerFor({smtpUrl: url, outboxDir: outboxDir(), tlsCa: cert.certPem})
    await trusting.send({to: 'a@example.org', subject: 'over TLS', text: 'hello'})
    expect(server.received[0]).toMatchObject({secure: true, user: USER})

    const untrusting = await mailerFor({smtpUrl: url, outboxDir: outboxDir()})
    await expect(untrusting.send({to: 'b@example.org', subject: 'refused', text: 'x'})).rejects.toMatchObject({code: 'mail_failed', message: expect.stringMatching(/certificate/i)})
    expect(server.received).toHaveLength(1)
  })

  it('speaks TLS from the first byte with smtps://', async () => {
    const server = await smtp({secure: true, key: cert.keyPem, cert: cert.certPem})
    const mailer = await mailerFor({smtpUrl: `smtps://${URL_AUTH}@127.0.0.1:${server.port}`, outboxDir: outboxDir(), tlsCa: cert.certPem})
    await mailer.sendFootageRequest({...REQUEST, reminder: true})
    expect(server.received[0]).toMatchObject({secure: true, to: ['deli@example.org']})
    expect(parseMail(server.received[0]!.raw).headers.get('subject')).toBe('Reminder: footage request for case CASE-2026-0142 from Metro Police Department (expires 2026-12-05 22:00 UTC)')
  })

  it('fails clearly on a wrong password, without showing it', async () => {
    const server = await smtp({disabledCommands: ['STARTTLS'], allowInsecureAuth: true})
    const mailer = await mailerFor({smtpUrl: `smtp://${USER}:wrong-secret@127.0.0.1:${server.port}`, outboxDir: outboxDir()})
    const failure = (await mailer.send({to: 'a@example.org', subject: 's', text: 't'}).then(
      () => new Error('sent anyway'),
      (e: Error) => e,
    )) as Error & {code?: string; where?: string}
    expect(failure).toMatchObject({code: 'mail_failed', where: `smtp://${USER}:***@127.0.0.1:${server.port}`})
    expect(failure.message).toContain('mail to a@example.org not sent')
    expect(JSON.stringify(failure) + failure.message).not.toContain('wrong-secret')
    expect(server.received).toHaveLength(0)
  })

  it('refuses to send in clear when TLS is required and the server offers none', async () => {
    const server = await smtp({disabledCommands: ['STARTTLS'], allowInsecureAuth: true})
    const mailer = await mailerFor({smtpUrl: `smtp://${URL_AUTH}@127.0.0.1:${server.port}?requireTLS=true`, outboxDir: outboxDir()})
    await expect(mailer.send({to: 'a@example.org', subject: 's', text: 't'})).rejects.toMatchObject({code: 'mail_failed'})
    expect(server.received).toHaveLength(0)
  })

  it('rejects an SMTP URL of another scheme', async () => {
    await expect(createMailer({smtpUrl: 'http://mail.example.org', outboxDir: outboxDir()})).rejects.toMatchObject({code: 'bad_config', where: 'smtp.url'})
  })
})

describe('Mailer outbox (no SMTP configured)', () => {
  it('writes each message as an owner-only .eml file and says so', async () => {
    const dir = outboxDir()
    const mailer = await mailerFor({outboxDir: dir})
    expect(mailer.transport).toBe('outbox')
    expect(mailer.describe()).toBe(`mail written to the outbox ${dir} (no smtp.url configured)`)
    const first = await mailer.sendFootageRequest(REQUEST)
    const second = await mailer.sendFootageRequest({...REQUEST, to: 'other@example.org', reminder: true})
    expect(first.transport).toBe('outbox')
    expect(readdirSync(dir).sort()).toEqual([first.path, second.path].map((p) => p!.slice(dir.length + 1)).sort())
    expect(statSync(first.path!).mode & 0o777).toBe(0o600)
    const mail = parseMail(readFileSync(first.path!, 'utf8'))
    expect(mail.headers.get('to')).toBe('deli@example.org')
    expect(mail.headers.get('message-id')).toBe(first.messageId)
    expect(mail.text).toContain(`rtcc request fulfil ${REQUEST.token} --camera "Front door" RECORDING.mp4`)
    expect(parseMail(readFileSync(second.path!, 'utf8')).headers.get('subject')).toMatch(/^Reminder: /)
  })
})
