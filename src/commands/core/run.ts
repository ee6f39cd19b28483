import {Flags} from '@oclif/core'

import {configDirFlag} from '../../lib/core/command-flags.js'
import {parseDuration} from '../../lib/domain/units.js'
import {RtccError} from '../../lib/errors.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class CoreRun extends RtccCommand<typeof CoreRun> {
  static override summary = 'Run the Core edge agent until Ctrl-C: link to the server, camera health, live video by the owner\'s policy.'
  static override description = `The Core dials out to the server over WSS (TLS 1.3, the certificate pinned at provisioning) and opens no listening port. It proves who it is by signing the server's challenge with its Ed25519 key, sends heartbeats, reports camera health (ONVIF reachability and an ffprobe of each stream), and reconnects with exponential backoff and jitter.

For every request to see a camera, the Core decides with the owner's local policy, whatever the server says, and relays the camera's video (stream copy, no re-encode, no audio) only if it allows. It re-checks running views every few seconds and stops them when the policy window ends, the viewer leaves, or the owner changes the policy. Log lines go to stderr.`
  static override examples = [
    '<%= config.bin %> core run',
    '<%= config.bin %> core run --config-dir /etc/rtcc-core --health-interval 30s',
    '<%= config.bin %> core run --failover-server https://rtcc-b.example.org:8443,https://rtcc-c.example.org:8443',
  ]
  static override flags = {
    'config-dir': configDirFlag,
    'health-interval': Flags.string({description: 'How often to check every camera.', default: '60s'}),
    // Not `--server`: every command's global --server names the client's server (RTCC_SERVER).
    'failover-server': Flags.string({
      description: 'Another instance of the same deployment to fail over to (repeatable, or a comma list). All share the certificate pinned at provisioning.',
      multiple: true,
    }),
  }

  async run(): Promise<void> {
    const [{startCoreAgent}, {coreConfigDir}, {VERSION}] = await Promise.all([import('../../lib/core/agent.js'), import('../../lib/core/config.js'), import('../../lib/output/version.js')])
    const agent = startCoreAgent({
      dir: coreConfigDir(this.flags['config-dir']),
      version: VERSION,
      healthIntervalMs: parseDuration(this.flags['health-interval'], '--health-interval'),
      servers: serverUrls(this.flags['failover-server']),
      log: (line) => this.note(line),
    })
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    this.note('stopping: ending relays, closing the link…')
    await agent.stop()
  }
}

/** `--failover-server` values (repeated, or comma lists), each an https:// URL. */
function serverUrls(values: string[] | undefined): string[] {
  const urls = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
  for (const url of urls) {
    if (!URL.canParse(url) || new URL(url).protocol !== 'https:') throw new RtccError(`--failover-server: ${JSON.stringify(url)} is not an https:// URL`, {code: 'invalid_server_url', hint: 'Expected e.g. --failover-server https://rtcc-b.example.org:8443'})
  }
  return urls
}
