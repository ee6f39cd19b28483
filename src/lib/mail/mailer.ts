/**
 * Outgoing mail. With an SMTP URL (`smtp://user:pass@host:587` upgrades with STARTTLS,
 * `smtps://user:pass@host:465` is TLS from the start; nodemailer URL options such as
 * `?requireTLS=false` pass through) messages go to that server. Without one they are written as
 * `.eml` files to an outbox folder in the data dir, so a fresh server works with no setup and an
 * operator can read exactly what would have been sent. Every receipt says which one was used.
 *
 * Footage request mail carries a one-time token, so for a non-loopback `smtp://` server STARTTLS is
 * required unless the URL says `requireTLS=false`: a stripped STARTTLS never sends it in clear.
 */
import {randomBytes} from 'node:crypto'
import {mkdir, rename, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import type {Transporter} from 'nodemailer'

import {RtccError} from '../errors.js'
import {type FootageRequestMail, renderFootageRequest} from './footage-request.js'

export type MailTransportKind = 'smtp' | 'outbox'

export interface MailerOptions {
  /** `smtp://…` or `smtps://…`; absent or empty: the outbox folder. */
  smtpUrl?: string
  outboxDir: string
  /** Sender, e.g. `"County RTCC" <rtcc@county.example>`. */
  from?: string
  /** Extra CA certificate(s), PEM, trusted for the SMTP server's certificate (a private CA). */
  tlsCa?: string
}

export interface MailMessage {
  to: string
  subject: string
  text: string
  html?: string
  headers?: Record<string, string>
}

export interface MailReceipt {
  transport: MailTransportKind
  messageId: string
  /** The .eml file, for the outbox. */
  path?: string
  /** Recipients the SMTP server accepted. */
  accepted?: string[]
}

export const outboxDir = (dataDir: string): string => join(dataDir, 'outbox')

/** Build with createMailer(). */
export class Mailer {
  constructor(
    readonly transport: MailTransportKind,
    /** Where mail goes, safe to show: the SMTP URL without its password, or the outbox folder. */
    readonly target: string,
    private readonly transporter: Transporter,
    private readonly outbox: string,
  ) {}

  /** A line for logs and `doctor`: where mail goes. */
  describe(): string {
    return this.transport === 'smtp' ? `mail via SMTP ${this.target}` : `mail written to the outbox ${this.target} (no smtp.url configured)`
  }

  async send(message: MailMessage): Promise<MailReceipt> {
    let info: {messageId: string; message?: Buffer; accepted?: unknown[]}
    try {
      info = await this.transporter.sendMail(message)
    } catch (error) {
      const err = error as Error & {response?: string; code?: string}
      throw new RtccError(`mail to ${message.to} not sent: ${err.response ?? err.message}`, {
        code: 'mail_failed',
        where: this.target,
        hint: this.transport === 'smtp' ? 'Check smtp.url (host, port, user, password) and that the server accepts mail from this host.' : 'Check that the outbox folder is writable.',
      })
    }
    if (this.transport === 'smtp') return {transport: 'smtp', messageId: info.messageId, accepted: (info.accepted ?? []).map(String)}
    return {transport: 'outbox', messageId: info.messageId, path: await this.writeOutbox(info.message!)}
  }

  sendFootageRequest(mail: FootageRequestMail): Promise<MailReceipt> {
    const {subject, text, html, headers} = renderFootageRequest(mail)
    return this.send({to: mail.to, subject, text, html, headers})
  }

  /** Checks the SMTP connection and login (no-op for the outbox). */
  async verify(): Promise<void> {
    if (this.transport !== 'smtp') return
    try {
      await this.transporter.verify()
    } catch (error) {
      throw new RtccError(`cannot reach the mail server ${this.target}: ${(error as Error).message}`, {code: 'mail_unavailable', where: this.target, hint: 'Check smtp.url.'})
    }
  }

  close(): void {
    this.transporter.close()
  }

  /** Written under a temp name and renamed, so a reader never sees half a message. Owner-only: it holds a token. */
  private async writeOutbox(message: Buffer): Promise<string> {
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`
    const path = join(this.outbox, name)
    await writeFile(`${path}.tmp`, message, {mode: 0o600})
    await rename(`${path}.tmp`, path)
    return path
  }
}

export async function createMailer(options: MailerOptions): Promise<Mailer> {
  const nodemailer = await import('nodemailer')
  const from = options.from ?? `rtcc <rtcc@${hostname()}>`
  if (!options.smtpUrl) {
    await mkdir(options.outboxDir, {recursive: true, mode: 0o700})
    const transporter = nodemailer.createTransport({streamTransport: true, buffer: true, newline: 'windows'}, {from})
    return new Mailer('outbox', options.outboxDir, transporter, options.outboxDir)
  }
  const url = parseSmtpUrl(options.smtpUrl)
  const strict = url.protocol === 'smtp:' && !isLoopback(url.hostname) && !url.searchParams.has('requireTLS')
  const transporter = nodemailer.createTransport(
    {
      url: options.smtpUrl,
      ...(strict ? {requireTLS: true} : {}),
      ...(options.tlsCa ? {tls: {ca: options.tlsCa}} : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    },
    {from},
  )
  return new Mailer('smtp', redactSmtpUrl(url), transporter, options.outboxDir)
}

function parseSmtpUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new RtccError('smtp.url is not a URL', {code: 'bad_config', where: 'smtp.url', hint: 'Use smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465.'})
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new RtccError(`smtp.url must start with smtp:// or smtps://, not ${url.protocol}//`, {code: 'bad_config', where: 'smtp.url', hint: 'Use smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465.'})
  }
  return url
}

function redactSmtpUrl(url: URL): string {
  const copy = new URL(url.href)
  if (copy.password) copy.password = '***'
  return copy.href
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host)
}
