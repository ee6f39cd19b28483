import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'
import {type Column, renderTable} from '../../lib/output/table.js'
import type {SimulatedCamera, Vendor} from '../../lib/onvif/simulator/index.js'

const columns: Column<SimulatedCamera>[] = [
  {header: 'name', get: (c) => c.name},
  {header: 'maker/model', get: (c) => `${c.manufacturer} ${c.model}`},
  {header: 'onvif', get: (c) => c.deviceServiceUrl},
  {header: 'rtsp (main)', get: (c) => c.streams[0]?.rtspUrl},
  {header: 'snapshot', get: (c) => c.snapshotUrl},
]

export default class SimCameras extends RtccCommand<typeof SimCameras> {
  static override summary = 'Run simulated ONVIF cameras on loopback until Ctrl-C (for tests, demos and installer training).'
  static override description = `Each camera is a real network peer on its own loopback address (127.0.0.11, .12, …): it answers WS-Discovery (multicast and unicast on UDP 3702), serves the ONVIF device and media services over HTTP, a JPEG snapshot, and an H.264 test pattern over RTSP carrying its name and the time.

Quirks reproduce firmware habits seen in the field: namespaces (odd XML prefixes), clock-skew[=SECONDS] (default 420), slow[=MS] (default 1500), duplicate-matches, malformed-xml, malformed-device-info (only GetDeviceInformation is broken), no-reply.

With --base-port every camera shares one address, so multicast and a --subnet sweep cannot tell them apart: find them with \`rtcc discover --no-multicast --hosts\` and their ONVIF ports, which this command prints.`
  static override examples = [
    '<%= config.bin %> sim cameras',
    '<%= config.bin %> sim cameras --count 20 --vendor mixed --user admin --password training1',
    '<%= config.bin %> sim cameras --count 3 --quirks clock-skew=600 --quirks namespaces --json',
    '<%= config.bin %> sim cameras --host 127.0.0.1 --base-port 10000   # one address, consecutive ports (macOS)',
  ]
  static override flags = {
    count: Flags.integer({char: 'n', description: 'How many cameras.', default: 4, min: 1, max: 200}),
    host: Flags.string({description: 'Address of the first camera; the next ones count up from it.', default: '127.0.0.11'}),
    'base-port': Flags.integer({description: 'Put all cameras on --host, camera i on ports P+3i (HTTP), P+3i+1 (RTSP), P+3i+2 (WS-Discovery).', min: 1, max: 65000}),
    'http-port': Flags.integer({description: 'ONVIF/HTTP port of each camera.', default: 8080, min: 1, max: 65535}),
    'rtsp-port': Flags.integer({description: 'RTSP port of each camera.', default: 8554, min: 1, max: 65535}),
    user: Flags.string({description: 'User the cameras require.', default: 'admin'}),
    password: Flags.string({description: 'Password the cameras require (a training password, not a secret).', default: 'rtcc-sim', env: 'RTCC_SIM_PASSWORD'}),
    open: Flags.boolean({description: 'Cameras that need no credentials at all (as too many do in the field).'}),
    vendor: Flags.string({description: 'Which maker the cameras imitate; mixed cycles through all.', options: ['axis', 'hikvision', 'dahua', 'generic', 'mixed'], default: 'generic'}),
    quirks: Flags.string({description: 'Firmware habits to reproduce (comma-separated or repeated).', multiple: true}),
    'endpoint-reference': Flags.string({description: 'Give every camera this WS-Discovery endpoint reference (urn:uuid:…), as cloned firmware does.'}),
    multicast: Flags.boolean({description: 'Answer multicast probes and send Hello/Bye (--no-multicast for unicast only).', default: true, allowNo: true}),
    size: Flags.string({description: 'Main stream resolution.', default: '640x360'}),
    fps: Flags.integer({description: 'Main stream frame rate.', default: 10, min: 1, max: 30}),
  }

  async run(): Promise<void> {
    const {startSimulatedCameras} = await import('../../lib/onvif/simulator/index.js')
    const {parseQuirks} = await import('../../lib/onvif/simulator/quirks.js')
    const f = this.flags
    const size = /^(\d+)x(\d+)$/.exec(f.size)
    if (!size || Number(size[1]) % 2 || Number(size[2]) % 2) throw usageError(`--size ${f.size}: expected WIDTHxHEIGHT with even numbers, e.g. 640x360`)
    const sim = await startSimulatedCameras({
      count: f.count,
      host: f.host,
      basePort: f['base-port'],
      httpPort: f['http-port'],
      rtspPort: f['rtsp-port'],
      credentials: f.open ? null : {user: f.user, password: f.password},
      vendor: f.vendor as Vendor | 'mixed',
      quirks: parseQuirks(f.quirks ?? []),
      multicast: f.multicast,
      endpointReference: f['endpoint-reference'],
      width: Number(size[1]),
      height: Number(size[2]),
      fps: f.fps,
    })
    if (this.jsonEnabled()) this.logJson({cameras: sim.cameras})
    else this.out(renderTable(sim.cameras, columns))
    const multicast = sim.cameras.every((c) => c.multicast) ? 'multicast and unicast' : 'unicast only (this host refused the multicast group)'
    this.note(`${sim.cameras.length} camera(s) running, discovery by ${multicast}; credentials ${f.open ? 'none' : `${f.user} / ${f.password}`}. Ctrl-C to stop.`)
    if (f['base-port'] !== undefined) this.note(`find them with: rtcc discover --no-multicast --hosts ${sim.cameras.map((c) => new URL(c.deviceServiceUrl).host).join(',')}`)
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    await sim.stop()
    this.note(`${signal}: stopped ${sim.cameras.length} camera(s), Bye sent.`)
  }
}
