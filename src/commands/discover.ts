import {Flags} from '@oclif/core'

import type {DiscoveredDevice, DiscoveryReport} from '../lib/onvif/discovery.js'
import type {DiscoveryFile} from '../lib/onvif/discovery-file.js'
import {parseDuration} from '../lib/domain/units.js'
import {RtccCommand} from '../lib/output/base-command.js'
import {usageError} from '../lib/errors.js'
import {type Column, renderTable} from '../lib/output/table.js'

const AUTH_LABEL: Record<DiscoveredDevice['auth'], string> = {
  ok: 'ok',
  open: 'open (no password!)',
  credentials_needed: 'credentials needed',
  credentials_rejected: 'credentials rejected',
  unknown: '-',
}

function streams(d: DiscoveredDevice): string {
  return d.profiles
    .map((p) => (p.stream ? `${p.stream.codec} ${p.stream.width}x${p.stream.height}@${p.stream.fps ?? '?'}` : p.streamError ? 'stream error' : `${p.encoding ?? '?'} ${p.width ?? '?'}x${p.height ?? '?'}`))
    .join(', ')
}

const columns: Column<DiscoveredDevice>[] = [
  {header: 'address', get: (d) => d.address},
  {header: 'maker/model', get: (d) => [d.manufacturer, d.model].filter(Boolean).join(' ') || d.hardware || ''},
  {header: 'name', get: (d) => d.name ?? ''},
  {header: 'auth', get: (d) => (d.auth === 'ok' && d.user ? `ok (${d.user})` : AUTH_LABEL[d.auth])},
  {header: 'streams', get: streams},
  {header: 'note', get: (d) => d.error ?? (d.kind === 'other' ? `not a camera: ${d.types.join(' ')}` : '')},
]

const CSV_COLUMNS = ['address', 'name', 'manufacturer', 'model', 'firmware', 'serial', 'mac', 'auth', 'user', 'rtspUri', 'snapshotUri', 'codec', 'width', 'height', 'fps', 'deviceServiceUrl', 'error'] as const

export default class Discover extends RtccCommand<typeof Discover> {
  static override summary = 'Find ONVIF cameras on the local network and read their details.'
  static override description = `Sends WS-Discovery probes by multicast on each interface (repeated, since one lost packet would lose every camera), and with --subnet also sweeps those blocks by unicast (WS-Discovery probes plus ONVIF HTTP checks) for networks that block multicast. --hosts checks single devices; HOST:PORT checks ONVIF on that port only (port forwarding, or \`rtcc sim cameras --base-port\`).

With credentials it reads maker, model, firmware, serial, MAC, profiles and the RTSP and snapshot URIs; without, or with wrong ones, each camera is still listed as "credentials needed" or "credentials rejected". The camera password comes from --password-file, RTCC_CAMERA_PASSWORD, a prompt, or a --credentials CSV (user,password,hosts); never from a flag value.

The scan ends within --timeout plus one second, details included (--probe-streams adds the stream probes); a camera whose details did not arrive by then is listed with "details did not arrive in time".

Output: a table on a terminal; when piped, one line per device without a header, tab-separated: address, maker/model, name, auth, streams, note. For scripts prefer --json or --csv.`
  static override examples = [
    '<%= config.bin %> discover',
    '<%= config.bin %> discover --user admin --password-file ~/.site-pass --probe-streams -o discovery.json',
    '<%= config.bin %> discover --no-multicast --subnet 192.168.1.0/24 --credentials site-creds.csv --csv > cameras.csv',
    '<%= config.bin %> discover --interface lo --subnet 127.0.0.0/24 --json   # with `rtcc sim cameras` running',
    '<%= config.bin %> discover --no-multicast --hosts 127.0.0.1:10000,127.0.0.1:10003   # with `rtcc sim cameras --host 127.0.0.1 --base-port 10000`',
  ]
  static override flags = {
    timeout: Flags.string({description: 'How long to look for devices; the whole scan, details included, ends one second later.', default: '3s'}),
    interface: Flags.string({description: 'Network interface name or IPv4 address for multicast (repeatable). Default: every non-loopback IPv4 interface.', multiple: true}),
    subnet: Flags.string({description: 'Also sweep this IPv4 CIDR block by unicast (repeatable), e.g. 192.168.1.0/24.', multiple: true}),
    hosts: Flags.string({description: 'Also check these devices by unicast: comma-separated IPv4[:ONVIF-PORT] (repeatable).', multiple: true}),
    multicast: Flags.boolean({description: 'Send multicast probes (--no-multicast for networks that block it).', default: true, allowNo: true}),
    'onvif-ports': Flags.string({description: 'Ports checked for an ONVIF service during a --subnet sweep.', default: '80,8000,8080,8899'}),
    user: Flags.string({description: 'Camera user name.'}),
    'password-file': Flags.string({description: 'File holding the camera password for --user ("-" reads stdin).'}),
    credentials: Flags.string({description: 'CSV of credentials to try: user,password[,hosts] (hosts = address or CIDR).'}),
    'probe-streams': Flags.boolean({description: 'Read codec, resolution and fps of each stream with ffprobe.'}),
    all: Flags.boolean({description: 'Also list WS-Discovery peers that are not cameras (printers, PCs).'}),
    csv: Flags.boolean({description: 'CSV output, one row per camera profile.', exclusive: ['json']}),
    output: Flags.string({char: 'o', description: 'Write the results as a discovery file (for `rtcc core provision --from` and `rtcc registry import --format discovery`).'}),
  }

  async run(): Promise<(DiscoveryFile & Pick<DiscoveryReport, 'scan' | 'warnings'>) | undefined> {
    const {discover} = await import('../lib/onvif/discovery.js')
    const {toDiscoveryFile} = await import('../lib/onvif/discovery-file.js')
    const {readCredentialsFile, readPassword} = await import('../lib/onvif/credentials.js')
    const {parseHostTarget} = await import('../lib/onvif/ipv4.js')
    const f = this.flags
    const ports = f['onvif-ports'].split(',').map((p) => Number(p.trim()))
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw usageError(`--onvif-ports ${f['onvif-ports']}: expected comma-separated port numbers`)
    if (!f.multicast && !f.subnet?.length && !f.hosts?.length) throw usageError('--no-multicast needs at least one --subnet or --hosts to check')
    const hosts = (f.hosts ?? []).flatMap((h) => h.split(',')).filter((h) => h.trim()).map(parseHostTarget)
    const credentials = f.credentials ? await readCredentialsFile(f.credentials) : []
    if (f.user) {
      let password = await readPassword(f['password-file'])
      if (password === undefined && this.interactive()) password = await (await import('@inquirer/prompts')).password({message: `Password for camera user ${f.user}:`})
      if (password === undefined) throw usageError(`no password for --user ${f.user}`, 'Pass --password-file FILE (or - for stdin), or set RTCC_CAMERA_PASSWORD.')
      credentials.unshift({user: f.user, password})
    }

    const spinner = this.spinner()
    let report: DiscoveryReport
    try {
      report = await discover({
        timeoutMs: parseDuration(f.timeout, '--timeout'),
        interfaces: f.interface,
        multicast: f.multicast,
        subnets: f.subnet,
        hosts,
        onvifPorts: ports,
        credentials,
        probeStreams: f['probe-streams'],
        all: f.all,
        onFound: spinner.update,
      })
    } finally {
      spinner.stop()
    }
    for (const warning of report.warnings) this.note(`warning: ${warning}`)
    const file = toDiscoveryFile(report)
    if (f.output) {
      const {writeFile, rename} = await import('node:fs/promises')
      await writeFile(f.output + '.partial', JSON.stringify(file, null, 2) + '\n', {mode: 0o644})
      await rename(f.output + '.partial', f.output)
      this.note(`wrote ${file.devices.length} device(s) to ${f.output}`)
    }
    if (f.csv) {
      const {stringify} = await import('csv-stringify/sync')
      const rows = file.devices.flatMap((d) => (d.profiles.length ? d.profiles : [undefined]).map((p) => ({...d, rtspUri: p?.rtspUri, snapshotUri: p?.snapshotUri, codec: p?.stream?.codec ?? p?.encoding, width: p?.stream?.width ?? p?.width, height: p?.stream?.height ?? p?.height, fps: p?.stream?.fps ?? p?.fps})))
      process.stdout.write(stringify(rows.map((r) => CSV_COLUMNS.map((c) => r[c])), {header: true, columns: [...CSV_COLUMNS]}))
      return undefined
    }
    if (report.devices.length === 0) this.note(`no cameras found in ${(report.discoveryMs / 1000).toFixed(1)} s${f.subnet?.length || hosts.length ? '' : '; if multicast is blocked here, try --subnet with the camera network'}`)
    else this.out(renderTable(report.devices, columns))
    this.note(`${report.devices.length} device(s) in ${(report.durationMs / 1000).toFixed(1)} s`)
    return {...file, scan: report.scan, warnings: report.warnings}
  }

  /** "⠋ searching… 3 found" on stderr while scanning, only on a terminal. */
  private spinner(): {update: (found: number) => void; stop: () => void} {
    if (!process.stderr.isTTY || this.jsonEnabled()) return {update: () => undefined, stop: () => undefined}
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'
    let found = 0
    let i = 0
    const timer = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} searching… ${found} found`), 100)
    return {
      update: (n) => (found = n),
      stop: () => {
        clearInterval(timer)
        process.stderr.write('\r\u001B[K')
      },
    }
  }
}
