import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {databaseFlag} from '../../lib/output/database-flag.js'
import {usageError} from '../../lib/errors.js'

function publicUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw usageError(`--public-url: "${text}" is not a URL`, 'Give the https:// address owners reach, e.g. https://rtcc.example.org')
  }
  if (url.protocol !== 'https:') throw usageError(`--public-url must be an https:// URL, not ${url.protocol}//`, 'Give the https:// address owners reach, e.g. https://rtcc.example.org')
  return url.origin + url.pathname.replace(/\/$/, '')
}

export default class ServerStart extends RtccCommand<typeof ServerStart> {
  static override summary = 'Run the bundled rtcc server (TLS 1.3; SQLite in the data dir, or PostgreSQL; evidence in the data dir, or S3-compatible storage).'
  static override description =
    'On first start in an empty data dir it creates the database, a self-signed certificate, the audit signing key and the evidence master key. Prints the URL and the certificate fingerprint clients pin. Stops cleanly on Ctrl-C / SIGTERM, signing an audit checkpoint.\n\n' +
    'With --tls-cert and --tls-key the server uses a certificate from your CA instead (PEM: the server certificate first, then its intermediates); browsers and clients that trust the CA verify it without pinning. Send SIGHUP after renewing the files: new connections get the new certificate, open ones stay up. --public-url is the address owners reach, used in every mailed link.'
  static override examples = [
    '<%= config.bin %> server start',
    '<%= config.bin %> server start --data-dir /srv/rtcc --host 0.0.0.0 --port 8443',
    '<%= config.bin %> server start --port 0 --json   # {"url":…,"fingerprint":…} once listening',
    '<%= config.bin %> server start --host 0.0.0.0 --port 443 --tls-cert /etc/rtcc/fullchain.pem --tls-key /etc/rtcc/privkey.pem --public-url https://rtcc.example.org',
    '<%= config.bin %> server start --data-dir /srv/rtcc --database postgres://rtcc@db.example.org/rtcc?sslmode=verify-full',
    '<%= config.bin %> server start --data-dir /srv/rtcc --database postgres://rtcc@db/rtcc --bus nats://nats.example.org:4222?stream=RTCC',
    '<%= config.bin %> server start --evidence "s3://rtcc-evidence/county?endpoint=https://minio.example.org:9000&region=us-east-1"',
  ]
  static override flags = {
    'data-dir': Flags.string({description: 'Data directory (default: $RTCC_DATA_DIR or ~/.local/share/rtcc).'}),
    database: databaseFlag,
    bus: Flags.string({description: 'NATS JetStream for events and Core routing shared by several instances: nats://host:4222[?stream=NAME] (default: in-process, one instance).', env: 'RTCC_BUS_URL'}),
    host: Flags.string({description: 'Address to listen on.', default: '127.0.0.1'}),
    port: Flags.integer({description: 'Port (0 picks a free one).', default: 8443, min: 0, max: 65535}),
    'smtp-url': Flags.string({description: 'Outgoing mail server, smtp://user:pass@host:587 or smtps://… (default: .eml files in <data-dir>/outbox).', env: 'RTCC_SMTP_URL'}),
    evidence: Flags.string({
      description: 'Evidence store: s3://BUCKET/PREFIX?endpoint=…&region=…&forcePathStyle=…&sse=AES256|off (credentials from the AWS environment variables, AWS_PROFILE or an instance role). Default: <data-dir>/evidence.',
      env: 'RTCC_EVIDENCE_URL',
    }),
    'max-upload': Flags.integer({description: 'Largest evidence upload, in MiB.', default: 4096, min: 1}),
    'tls-cert': Flags.string({description: 'Certificate from your CA, PEM with its chain (server certificate first); reloaded on SIGHUP.', dependsOn: ['tls-key'], env: 'RTCC_TLS_CERT'}),
    'tls-key': Flags.string({description: 'Private key of --tls-cert (PEM, unencrypted, readable only by the server user).', dependsOn: ['tls-cert'], env: 'RTCC_TLS_KEY'}),
    'public-url': Flags.string({description: 'The URL owners reach, e.g. https://rtcc.example.org (every mailed link uses it; default: the listening URL).', env: 'RTCC_PUBLIC_URL'}),
  }

  async run(): Promise<void> {
    const [{startServer}, {defaultDataDir}, {VERSION}] = await Promise.all([
      import('../../lib/server/app.js'),
      import('../../lib/server/data-dir.js'),
      import('../../lib/output/version.js'),
    ])
    const dataDir = this.flags['data-dir'] ?? defaultDataDir()
    const server = await startServer({
      dataDir,
      database: this.flags.database,
      bus: this.flags.bus,
      host: this.flags.host,
      port: this.flags.port,
      version: VERSION,
      smtpUrl: this.flags['smtp-url'],
      evidence: this.flags.evidence,
      maxUploadBytes: this.flags['max-upload'] * 1024 * 1024,
      tls: this.flags['tls-cert'] && this.flags['tls-key'] ? {certFile: this.flags['tls-cert'], keyFile: this.flags['tls-key']} : undefined,
      publicUrl: this.flags['public-url'] === undefined ? undefined : publicUrl(this.flags['public-url']),
    })
    const certificate = this.flags['tls-cert'] ? 'from --tls-cert' : 'self-signed'
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify({url: server.url, publicUrl: server.ctx.url, fingerprint: server.fingerprint, certificate, evidenceStore: server.evidenceStore}) + '\n')
    else {
      this.out(`rtcc server ${VERSION} listening on ${server.url}`)
      if (server.ctx.url !== server.url) this.out(`public URL (in mailed links): ${server.ctx.url}`)
      this.out(`certificate (${certificate}) SHA-256 fingerprint: ${server.fingerprint}`)
      this.out(`data dir: ${dataDir}`)
      this.out(`evidence: ${server.evidenceStore}`)
      this.out(server.ctx.mailer.describe())
      this.note('Press Ctrl-C to stop.')
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      if (this.flags['tls-cert'])
        process.on('SIGHUP', () => {
          try {
            this.note(`reloaded ${this.flags['tls-cert']}: SHA-256 fingerprint ${server.reloadTls().fingerprint}`)
          } catch (error) {
            this.note(`kept the current certificate: ${(error as Error).message}`)
          }
        })
    })
    this.note('stopping: finishing requests, signing an audit checkpoint…')
    await server.close()
  }
}
